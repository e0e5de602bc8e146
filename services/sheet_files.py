"""The services' side of uploaded sheets (dialer.sheets reads them): a file refused as a whole,
said as the API says a refusal, and rejected rows written back as a CSV that a spreadsheet
opens safely."""
import csv
from collections.abc import Iterable
from pathlib import Path

from dialer.sheets import SheetError
from services.errors import DomainError, Refused, TooLarge, Violation

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def refused(exc: SheetError) -> Refused:
    """A file breaking a limit or unreadable: 422 naming the rule (413 for its size)."""
    kind = TooLarge if exc.rule == "file_too_large" else Refused
    return kind([Violation(exc.rule, ("body", "file"), exc.text, exc.ctx or None)])


def refusal_text(exc: OSError | DomainError) -> str:
    """A refusal's sentences (or the file's error), for the command line."""
    if isinstance(exc, DomainError) and isinstance(exc.detail, list):
        return "; ".join(d["msg"] for d in exc.detail)
    return str(exc.detail if isinstance(exc, DomainError) else exc)


def as_text(cell: object) -> str:
    """The cell as a spreadsheet shows text: one that would start a formula gets a quote
    before it."""
    text = str(cell)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_rows(path: Path, header: list[str], rows: Iterable[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow([as_text(h) for h in header])
        out.writerows([as_text(c) for c in row] for row in rows)
