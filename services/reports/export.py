"""A report as a file a person opens: CSV (UTF-8 with a byte-order mark, so Excel reads Chinese)
and XLSX (written row by row). Headers and codes in the reader's language; durations as h:mm:ss
and ratios as percentages; the range's totals last."""
import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from services.reports.query import Column, ColumnKind, ReportTable
from services.reports.words import Language, word

FORMATS = {ColumnKind.SECONDS: "[h]:mm:ss", ColumnKind.RATIO: "0.0%",
           ColumnKind.MONEY: "#,##0.00", ColumnKind.COUNT: "0", ColumnKind.NUMBER: "0.##"}


def header(column: Column, lang: Language) -> str:
    return word(f"column.{column.key}", lang, column.key)


def said(column: Column, value: Any, lang: Language) -> str:
    """A value as text: what the CSV holds."""
    if value is None:
        return ""
    if column.kind == ColumnKind.SECONDS:
        return hms(value)
    if column.kind == ColumnKind.RATIO:
        # half up, as Excel and the page round it (81.25 is 81.3%)
        return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"
    if column.kind == ColumnKind.MONEY:
        return f"{Decimal(value):.2f}"
    if column.kind == ColumnKind.TEXT:
        return _text(column, value, lang)
    return str(value)


def hms(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _text(column: Column, value: Any, lang: Language) -> str:
    if value is None or value == "":
        return word("reports.no_branch", lang) if column.key == "branch" else ""
    return word(f"{column.words}.{value}", lang, str(value)) if column.words else str(value)


def _lines(table: ReportTable, lang: Language) -> list[list[tuple[Column, Any]]]:
    """The rows, then the totals row (labelled in the first column)."""
    out = [[(c, row.get(c.key)) for c in table.columns] for row in table.rows]
    first = table.columns[0]
    out.append([(Column(first.key, ColumnKind.TEXT), word("reports.total", lang)),
                *((c, table.totals.get(c.key)) for c in table.columns[1:])])
    return out


def to_csv(table: ReportTable, lang: Language) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header(c, lang) for c in table.columns)
    for line in _lines(table, lang):
        writer.writerow(said(c, v, lang) for c, v in line)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def to_xlsx(table: ReportTable, lang: Language) -> bytes:
    """Numbers stay numbers (a duration a fraction of a day, a ratio a fraction), shown by
    their cells' formats, so the reader can sum and chart them."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(word(f"report.{table.name}", lang, table.name)[:31])
    bold = Font(bold=True)

    def cell(value: Any, fmt: str | None = None, strong: bool = False) -> Cell:
        c = WriteOnlyCell(sheet, value=value)
        if fmt:
            c.number_format = fmt
        if strong:
            c.font = bold
        return c

    sheet.append([cell(header(c, lang), strong=True) for c in table.columns])
    lines = _lines(table, lang)
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        sheet.append([cell(*_xlsx_value(c, v, lang), strong=last) for c, v in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(column: Column, value: Any, lang: Language) -> tuple[Any, str | None]:
    if value is None:
        return None, None
    kind = column.kind
    if kind == ColumnKind.SECONDS:
        return float(value) / 86400, FORMATS[kind]
    if kind in (ColumnKind.RATIO, ColumnKind.NUMBER, ColumnKind.COUNT):
        return value, FORMATS[kind]
    if kind == ColumnKind.MONEY:
        return float(value), FORMATS[kind]
    if kind == ColumnKind.TEXT:
        return _text(column, value, lang), None
    return str(value), None
