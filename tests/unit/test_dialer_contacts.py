import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from dialer.contacts import Reason, Row, check
from dialer.contacts import read_rows as read_file
from dialer.sheets import Limits, SheetError, lines


def read_rows(name: str, data: bytes, limits: Limits = Limits()) -> list[Row]:
    return list(read_file(name, io.BytesIO(data), limits))


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_csv_with_bom_chinese_headers_and_extra_columns():
    data = "\ufeff电话,姓名,卡号,订单号\n133 1111 2222,张三,110100001,A-17\n\n13322223333,,,\n"
    rows = read_rows("list.csv", data.encode("utf-8"))
    assert rows == [
        Row(2, {"phone": "133 1111 2222", "name": "张三", "card": "110100001", "订单号": "A-17"}),
        Row(4, {"phone": "13322223333", "name": "", "card": "", "订单号": ""}),  # line 3 blank
    ]


def test_csv_in_gb18030():
    data = "手机,名称\n13311112222,北京便利店\n".encode("gb18030")
    assert read_rows("list.csv", data) == [
        Row(2, {"phone": "13311112222", "name": "北京便利店"})]


def test_xlsx_numbers_read_as_digits():
    data = xlsx([["Phone", "Name", "Time zone"], [13311112222, "Shop", None],
                 [None, None, None], ["13322223333", "Other", "Asia/Urumqi"]])
    rows = read_rows("LIST.XLSX", data)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].values["phone"] == "13311112222"
    assert rows[1].values["Time zone"] == "Asia/Urumqi"  # kept as written: not a known header


@pytest.mark.parametrize("name, data, rule, message", [
    ("list.txt", b"phone\n1\n", "file_type", "a .csv or .xlsx file"),
    ("list.csv", b"", "empty_file", "empty"),
    ("list.csv", b"name,card\nShop,1\n", "no_phone_column", "no phone column"),
    ("list.xlsx", b"not a workbook", "not_xlsx", "not a readable XLSX workbook"),
])
def test_unreadable_lists_say_why(name, data, rule, message):
    with pytest.raises(SheetError, match=message) as refused:
        read_rows(name, data)
    assert refused.value.rule == rule


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
    ({"phone": "13311112222", "name": "店" * 201},
     ("name", "name_too_long", {"limit": 200}, "name: longer than 200 characters")),
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


def test_a_workbook_is_read_as_its_rows_are_not_as_its_dimension_claims():
    """A sheet claiming A1:XFD1048576 gives its own three rows of two cells, not a million rows
    of 16,384 (what openpyxl pads to from the claim)."""
    packed = io.BytesIO(xlsx([["phone", "name"], [13311112222, "Shop"], [13322223333, "Other"]]))
    claimed = io.BytesIO()
    with zipfile.ZipFile(packed) as source, zipfile.ZipFile(claimed, "w") as out:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', data)
                assert b"XFD1048576" in data
            out.writestr(member, data)
    found = list(lines("list.xlsx", claimed, Limits()))
    assert found == [(1, ["phone", "name"]), (2, ["13311112222", "Shop"]),
                     (3, ["13322223333", "Other"])]


def test_gb18030_is_chosen_only_when_the_whole_file_is_not_utf8():
    late = "phone,name\n" + "13311112222,a\n" * 100_000 + "13322223333,北京\n"
    assert [n for n, _ in lines("l.csv", io.BytesIO(late.encode("gb18030")), Limits())][-1] \
        == 100_002
    with pytest.raises(SheetError) as refused:
        list(lines("l.csv", io.BytesIO(b"phone\n\x81\xff\n"), Limits()))
    assert refused.value.rule == "file_encoding"


def test_xlsx_dates_and_gaps_read_as_the_sheet_shows_them():
    book = Workbook()
    book.active.append(["phone", "due"])
    book.active["A3"], book.active["C3"] = 13311112222, "far"
    book.active["B3"] = datetime(2026, 12, 1, 9, 30)
    out = io.BytesIO()
    book.save(out)
    assert list(lines("l.xlsx", out, Limits())) == [
        (1, ["phone", "due"]), (3, ["13311112222", "2026-12-01 09:30:00", "far"])]
