import io

import pytest
from openpyxl import Workbook

from dialer.contacts import ListError, Reason, Row, check, read_rows


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_csv_with_bom_chinese_headers_and_extra_columns():
    data = "\ufeff电话,姓名,卡号,订单号\n133 1111 2222,张三,110100001,A-17\n\n13322223333,,,\n"
    rows = list(read_rows("list.csv", data.encode("utf-8")))
    assert rows == [
        Row(2, {"phone": "133 1111 2222", "name": "张三", "card": "110100001", "订单号": "A-17"}),
        Row(4, {"phone": "13322223333", "name": "", "card": "", "订单号": ""}),  # line 3 blank
    ]


def test_csv_in_gb18030():
    data = "手机,名称\n13311112222,北京便利店\n".encode("gb18030")
    assert list(read_rows("list.csv", data)) == [
        Row(2, {"phone": "13311112222", "name": "北京便利店"})]


def test_xlsx_numbers_read_as_digits():
    data = xlsx([["Phone", "Name", "Time zone"], [13311112222, "Shop", None],
                 [None, None, None], ["13322223333", "Other", "Asia/Urumqi"]])
    rows = list(read_rows("LIST.XLSX", data))
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].values["phone"] == "13311112222"
    assert rows[1].values["Time zone"] == "Asia/Urumqi"  # kept as written: not a known header


@pytest.mark.parametrize("name, data, message", [
    ("list.txt", b"phone\n1\n", "a .csv or .xlsx file"),
    ("list.csv", b"", "empty"),
    ("list.csv", b"name,card\nShop,1\n", "no phone column"),
    ("list.xlsx", b"not a workbook", "not a readable XLSX workbook"),
])
def test_unreadable_lists_say_why(name, data, message):
    with pytest.raises(ListError, match=message):
        list(read_rows(name, data))


@pytest.mark.parametrize("values, expected", [
    ({"phone": "133-1111-2222"}, ("13311112222", None)),
    ({"phone": "+86 (10) 6512 3456"}, ("01065123456", None)),  # the national form
    ({"phone": "+8613311112222"}, ("13311112222", None)),
    ({"phone": "١٣٣١١١١٢٢٢٢"}, ("13311112222", None)),  # Arabic-Indic digits
    ({"phone": "13311112222", "time_zone": "Asia/Urumqi"}, ("13311112222", "Asia/Urumqi")),
    ({"phone": ""}, ("phone", "phone_missing", {}, "phone: missing")),
    ({"name": "no phone at all"}, ("phone", "phone_missing", {}, "phone: missing")),
    ({"phone": "call me"}, ("phone", "not_a_phone", {"value": "call me"},
                            "phone: 'call me' is not a phone number")),
    ({"phone": "1234"}, ("phone", "not_a_phone", {"value": "1234"},
                         "phone: '1234' is not a phone number")),
    ({"phone": "13311112222", "time_zone": "Mars/Base"},
     ("time_zone", "unknown_timezone", {"value": "Mars/Base"},
      "time_zone: 'Mars/Base' is not a known")),
])
def test_check(values, expected):
    """A usable row's phone and zone; else the column, the rule with its values (the pages'
    words) and the sentence."""
    result = check(Row(2, values))
    if isinstance(result, Reason):
        column, rule, ctx, text = expected
        assert (result.column, result.rule, result.ctx) == (column, rule, ctx)
        assert result.text.startswith(text)
    else:
        assert result == expected
