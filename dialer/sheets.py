"""Spreadsheets as offices send them (CSV in UTF-8, with or without BOM, or GB18030; or the first
sheet of an XLSX workbook), read from a file as a stream of lines within stated limits; read by
the contact lists and the retailers' import. Blocking (it reads a file): run it in a thread."""
from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field

_CHUNK = 1 << 20


class Limits(BaseModel):
    """What one uploaded file may hold; beyond any of them it is refused as a whole."""
    model_config = ConfigDict(frozen=True)

    max_bytes: int = Field(default=64 << 20, ge=1)  # the file as uploaded
    max_rows: int = Field(default=1_000_000, ge=1)  # non-blank lines after the header
    max_field_chars: int = Field(default=1_000, ge=1, le=100_000)  # one cell's text
    max_columns: int = Field(default=100, ge=1)  # up to a line's last non-empty cell
    max_rejected: int = Field(default=10_000, ge=0)  # rows reported as rejected
    max_unpacked_bytes: int = Field(default=256 << 20, ge=1)  # an XLSX's content, unzipped


class SheetError(ValueError):
    """The file as a whole cannot be used: the rule it breaks (the API's `rule.<name>`), the
    sentence and the values its words need."""

    def __init__(self, rule: str, text: str, **ctx: Any) -> None:
        super().__init__(text)
        self.rule, self.text, self.ctx = rule, text, ctx


def lines(name: str, file: IO[bytes], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of the header (line 1) and of every non-blank line after it."""
    size = file.seek(0, io.SEEK_END)
    if size > limits.max_bytes:
        raise SheetError("file_too_large", f"a file is at most {limits.max_bytes} bytes",
                         limit=limits.max_bytes)
    if size == 0:
        raise SheetError("empty_file", f"{name}: empty")
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SheetError("file_type", f"{name}: not a .csv or .xlsx file")
    found = _csv_lines(file) if suffix == ".csv" else _xlsx_lines(file, limits)
    rows = number = 0
    header = True
    try:
        for number, line in found:
            used = _used(line)
            if not header and not any(c.strip() for c in used):
                continue
            _check_line(number, used, limits)
            if not header:
                rows += 1
                if rows > limits.max_rows:
                    raise SheetError("too_many_rows", f"a file has at most {limits.max_rows} "
                                     "rows: split it", limit=limits.max_rows)
            header = False
            yield number, line
    except SheetError:
        raise
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _too_long(number + 1, limits) from None
        raise SheetError("unreadable_file", f"line {number + 1}: {exc}", line=number + 1) \
            from None
    except Exception as exc:  # openpyxl and zipfile raise many kinds for a damaged workbook
        if suffix == ".csv":
            raise
        raise SheetError("not_xlsx", f"{name}: not a readable XLSX workbook: {exc}") from None


def _used(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _check_line(number: int, cells: list[str], limits: Limits) -> None:
    if len(cells) > limits.max_columns:
        raise SheetError("too_many_columns", f"line {number}: more than {limits.max_columns} "
                         "columns", limit=limits.max_columns, line=number)
    if cells and max(map(len, cells)) > limits.max_field_chars:
        raise _too_long(number, limits)
    if any("\0" in c for c in cells):  # no database stores it in text
        raise SheetError("unreadable_file", f"line {number}: a NUL character", line=number)


def _too_long(number: int, limits: Limits) -> SheetError:
    return SheetError("field_too_long", f"line {number}: a cell longer than "
                      f"{limits.max_field_chars} characters", limit=limits.max_field_chars,
                      line=number)


def _encoding(file: IO[bytes]) -> str:
    """UTF-8 if the whole file is UTF-8, else GB18030 if it is that; else refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        file.seek(0)
        try:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise SheetError("file_encoding", "not text in UTF-8 or GB18030 (GBK)")


def _csv_lines(file: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    encoding = _encoding(file)
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        yield from enumerate(csv.reader(text), start=1)
    finally:
        with contextlib.suppress(ValueError):  # already closed
            text.detach()  # else closing the wrapper would close the caller's file


def _xlsx_lines(file: IO[bytes], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows, by their row numbers. Parsed here rather than by openpyxl's
    read-only sheet, which parses a sheet without a <dimension> twice and keeps every row's
    emptied element until the end (a growing heap the garbage collector walks again and
    again); openpyxl still reads the shared strings, the styles (which numbers are dates) and
    each row's cells."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser
    from openpyxl.xml.functions import iterparse
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetError("not_xlsx", f"not a readable XLSX workbook: {exc}") from None
    if unpacked > limits.max_unpacked_bytes:  # zipfile reads no more than each member declares
        raise SheetError("unpacks_too_large", f"a workbook unpacks to at most "
                         f"{limits.max_unpacked_bytes} bytes", limit=limits.max_unpacked_bytes)
    file.seek(0)
    reader = ExcelReader(file, read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    target = next(rel.target for _, rel in reader.parser.find_sheets()
                  if rel.target in reader.valid_files and "chartsheet" not in rel.Type)
    book = reader.wb
    try:
        with reader.archive.open(target) as source:
            dates, durations = book._date_formats, book._timedelta_formats  # type: ignore
            parser = WorkSheetParser(source, reader.shared_strings, data_only=True,
                                     epoch=book.epoch, date_formats=dates,
                                     timedelta_formats=durations)
            open_elements = []
            for event, element in iterparse(source, events=("start", "end")):
                if event == "start":
                    open_elements.append(element)
                    continue
                open_elements.pop()
                if element.tag == ROW_TAG:
                    number, cells = parser.parse_row(element)
                    parser.row_dimensions.clear()
                    open_elements[-1].remove(element)  # read: let it go
                    line = [""] * max((c["column"] for c in cells), default=0)
                    for c in cells:
                        line[c["column"] - 1] = _cell_text(c["value"])
                    yield number, line
    finally:
        reader.archive.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number
    return str(value)
