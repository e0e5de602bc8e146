"""Retailers from a CSV or XLSX file, read as the dialer reads contact lists (dialer.sheets,
within the limits of Settings.imports.retailers): a row whose card is known updates that
retailer (an empty cell leaves its field as it is), a new card creates one. Each row is checked
by the API's own field rules; the good rows are written in one transaction, each retailer's
change in its history and the audit log, and every rejected row is reported with its line,
field, rule and reason."""
import asyncio
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from dialer.sheets import Limits, SheetError, lines
from models import Branch, Retailer, RetailerStatus
from services import audit
from services import retailers as service
from services.errors import Conflict, NotAllowed, Refused, Violation
from services.principal import Principal
from services.retailers import (
    Address,
    BranchCode,
    BusinessFormat,
    Card,
    Name,
    Phones,
    RetailerClass,
    ShopArea,
    TradeArea,
)
from services.sheet_files import refused, write_rows

_CHUNK = 500  # cards per IN (...)
# Header names as offices write them, English or Chinese -> the field they mean.
HEADERS = {
    "card_number": "card_number", "card": "card_number", "卡号": "card_number",
    "磁卡号": "card_number",
    "name": "name", "名称": "name", "店名": "name", "零售户名称": "name", "客户名称": "name",
    "branch": "branch", "分公司": "branch",
    "retailer_class": "retailer_class", "class": "retailer_class", "档位": "retailer_class",
    "分类": "retailer_class",
    "phones": "phones", "phone": "phones", "电话": "phones", "手机": "phones",
    "address": "address", "地址": "address", "经营地址": "address",
    "business_format": "business_format", "业态": "business_format",
    "shop_area": "shop_area", "area": "shop_area", "面积": "shop_area", "经营面积": "shop_area",
    "trade_area": "trade_area", "商圈": "trade_area",
}
_PHONE_SEPARATORS = re.compile(r"[;,，；、/|]+")
_PHONE_NOISE = re.compile(r"[\s\-().]")


class RetailerRow(BaseModel):
    """The fields a row gives, checked by the API's rules."""
    model_config = ConfigDict(extra="forbid")
    card_number: Card
    name: Name | None = None
    branch: BranchCode | None = None
    retailer_class: RetailerClass | None = None
    phones: Phones | None = None
    address: Address | None = None
    business_format: BusinessFormat | None = None
    shop_area: ShopArea | None = None
    trade_area: TradeArea | None = None


@dataclass(frozen=True)
class Line:
    row: int  # in the file, the header being row 1
    cells: dict[str, str]  # the file's own header -> the cell's text


@dataclass(frozen=True)
class Problem:
    """Why a row is rejected: its field, the rule it breaks (a rule of the import, or the type of
    the validation error as the API's own 422s say it, e.g. string_pattern_mismatch), the English
    sentence, and the values the rule's words need."""
    field: str
    rule: str
    reason: str
    ctx: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class RejectedRow:
    row: int
    field: str
    reason: str
    cells: dict[str, str]
    rule: str = ""
    ctx: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, line: "Line", problem: Problem) -> "RejectedRow":
        return cls(line.row, problem.field, problem.reason, line.cells, problem.rule,
                   problem.ctx)


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _refused(rule: str, msg: str) -> Refused:
    return Refused([Violation(rule, ("body", "file"), msg)])


def read(name: str, file: IO[bytes], limits: Limits) -> tuple[dict[str, str], list[Line]]:
    """The file's columns (header -> field, unknown ones left out) and its non-blank lines
    (at most `limits.max_rows`, so held whole). Blocking: read it in a thread."""
    try:
        found = lines(name, file, limits)
        _, header = next(found)
        columns = _columns(header)
        return columns, [Line(number, {h.strip(): c.strip() for h, c in zip(header, cells)
                                       if h.strip()}) for number, cells in found]
    except SheetError as exc:
        raise refused(exc) from None


def _columns(header: list[str]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for text in (h.strip() for h in header):
        meant = HEADERS.get(text.lower())
        if meant is None:
            continue
        if meant in columns.values():
            raise _refused("column_twice", f"two columns are {meant} (one is {text!r})")
        columns[text] = meant
    if "card_number" not in columns.values():
        raise _refused("no_card_number_column", "no card_number column (a header named "
                                                "card_number, card, 卡号 or 磁卡号)")
    return columns


def check(line: Line, columns: dict[str, str]) -> RetailerRow | list[RejectedRow]:
    """The row's fields (its empty cells not given), or why it is rejected."""
    given: dict[str, Any] = {}
    for header, meant in columns.items():
        text = line.cells.get(header, "")
        if not text:
            continue
        if meant == "phones":
            given[meant] = [_PHONE_NOISE.sub("", p) for p in _PHONE_SEPARATORS.split(text)
                            if p.strip()]
        else:
            given[meant] = text.upper() if meant == "retailer_class" else text
    try:
        return RetailerRow.model_validate(given)
    except ValidationError as exc:
        return [RejectedRow.of(line, _problem(e, given)) for e in exc.errors(include_url=False)]


def _problem(error: Any, given: dict[str, Any]) -> Problem:
    field_name = str(error["loc"][0])
    if error["type"] == "missing":
        return Problem(field_name, "missing", "missing")
    value: Any = given
    for step in error["loc"]:
        value = value[step]
    ctx = to_jsonable_python(error.get("ctx", {}), fallback=str) | {"value": value}
    return Problem(field_name, error["type"], f"{error['msg']} (not {value!r})", ctx)


async def import_file(session: AsyncSession, actor: Principal | None, name: str,
                      file: IO[bytes], limits: Limits) -> ImportReport:
    """`actor` None: the command line, which may touch every branch. The file is read and its
    rows checked in a thread; what they change is written in one transaction."""
    if actor is not None and actor.role not in service.ADMINISTRATORS:
        raise NotAllowed(f"role {actor.role} may not import retailers")
    report, checked = await asyncio.to_thread(_read_and_check, name, file, limits)
    branches = {b.code: b for b in await session.scalars(select(Branch))}
    known = await _retailers(session, [row.card_number for _, row in checked])
    session.info["actor"] = actor.username if actor else audit.COMMAND_LINE
    for line, row in checked:
        problems = _apply(session, actor, row, known.get(row.card_number), branches, report)
        report.rejected += [RejectedRow.of(line, p) for p in problems]
    report.rejected.sort(key=lambda r: r.row)
    if len({r.row for r in report.rejected}) > limits.max_rejected:
        raise refused(SheetError("too_many_rejected", f"more than {limits.max_rejected} rows "
                                 "rejected: nothing imported", limit=limits.max_rejected))
    audit.record(session, actor, "import", "retailer_file", Path(name).name[:64],
                 branch_id=service.default_branch(actor),
                 after={"rows": report.rows, "created": report.created,
                        "updated": report.updated, "unchanged": report.unchanged,
                        "rejected": len({r.row for r in report.rejected})})
    try:
        await session.commit()
    except (IntegrityError, StaleDataError):  # a card created or a retailer changed meanwhile
        await session.rollback()
        raise Conflict([Violation("changed_meanwhile", ("body", "file"),
                                  "retailers of this file changed while it was imported: "
                                  "import it again")]) from None
    return report


def _read_and_check(name: str, file: IO[bytes], limits: Limits
                     ) -> tuple[ImportReport, list[tuple[Line, RetailerRow]]]:
    columns, rows = read(name, file, limits)
    header = dict.fromkeys(h for line in rows for h in line.cells)
    report = ImportReport(rows=len(rows),
                          ignored_columns=[h for h in header if h not in columns])
    checked: list[tuple[Line, RetailerRow]] = []
    first: dict[str, int] = {}
    for line in rows:
        result = check(line, columns)
        if isinstance(result, list):
            report.rejected += result
        elif result.card_number in first:
            report.rejected.append(RejectedRow.of(line, Problem(
                "card_number", "card_repeats",
                f"card {result.card_number} repeats row {first[result.card_number]}",
                {"row": first[result.card_number]})))
        else:
            first[result.card_number] = line.row
            checked.append((line, result))
    return report, checked


async def _retailers(session: AsyncSession, cards: list[str]) -> dict[str, Retailer]:
    known: dict[str, Retailer] = {}
    for start in range(0, len(cards), _CHUNK):
        query = (select(Retailer).options(selectinload(Retailer.branch))
                 .where(Retailer.card_number.in_(cards[start:start + _CHUNK])))
        known.update((r.card_number, r) for r in await session.scalars(query))
    return known


def _apply(session: AsyncSession, actor: Principal | None, row: RetailerRow,
           r: Retailer | None, branches: dict[str, Branch], report: ImportReport
           ) -> list[Problem]:
    """Creates or updates the row's retailer, or says why not and leaves it."""
    given = row.model_fields_set
    branch: Branch | None = None
    if row.branch is not None:
        branch = branches.get(row.branch)
        if branch is None:
            return [Problem("branch", "unknown_branch", f"no branch {row.branch!r}",
                            {"branch": row.branch})]
    elif r is None:  # a new retailer without a branch: the branch administrator's own
        default = service.default_branch(actor)
        branch = next((b for b in branches.values() if b.id == default), None)
    if r is not None and actor is not None and not actor.administers(r.branch_id):
        return [Problem("card_number", "branch_scope", f"card {row.card_number} is a retailer "
                        "of a branch you do not administer")]
    if actor is not None and (row.branch is not None or r is None) and not actor.administers(
            branch.id if branch else None):
        return [Problem("branch", "branch_scope",
                        f"{row.branch or 'no branch'}: not a branch you administer",
                        {"branch": row.branch})]
    fields = service.RetailerFields(**row.model_dump(), given=frozenset(given))
    if r is None:
        missing = [Problem(f, "new_card_needs", "missing: a new card needs it")
                   for f in ("name", "retailer_class") if f not in given]
        if missing:
            return missing
        assert row.name and row.retailer_class
        r = Retailer(card_number=row.card_number, name=row.name, branch=branch,
                     retailer_class=row.retailer_class, status=RetailerStatus.ACTIVE, phones=[])
        service.assign(r, fields)
        session.add(r)
        audit.record(session, actor, "create", "retailer", r.card_number,
                     branch_id=branch.id if branch else None, after=service.view(r))
        report.created += 1
        return []
    before = service.view(r)
    if branch is not None and branch is not r.branch:
        r.branch = branch
    service.assign(r, fields)
    after = service.view(r)
    if before == after:
        report.unchanged += 1
    else:
        audit.record(session, actor, "update", "retailer", r.card_number,
                     branch_id=r.branch.id if r.branch else None, before=before, after=after)
        report.updated += 1
    return []


def write_rejected(report: ImportReport, path: Path) -> None:
    """The rejected rows as they were, each once, after its row and why: fixed, the file
    imports again (the first three columns are not read)."""
    by_row: dict[int, list[RejectedRow]] = {}
    for r in report.rejected:
        by_row.setdefault(r.row, []).append(r)
    columns = list(dict.fromkeys(k for r in report.rejected for k in r.cells))
    write_rows(path, ["row", "field", "reason", *columns],
               ([row, "; ".join(p.field for p in problems),
                 "; ".join(p.reason for p in problems),
                 *(problems[0].cells.get(c, "") for c in columns)]
                for row, problems in by_row.items()))
