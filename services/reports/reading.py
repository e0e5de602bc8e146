"""Reading a report as a person asks for it: the report known, the range the right way round
and not too long for its grouping, only filters the report applies, a branch the reader may
see. Each refusal names its field, as the query string spells it."""
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Branch
from services.errors import NotFound, Refused, Violation
from services.principal import Principal
from services.reports.query import Grouping, ReportQuery, ReportTable
from services.reports.registry import FILTERS, REPORTS, about

# The longest range, in days, a grouping may cover: rows a page can still show.
MAX_DAYS = {Grouping.INTERVAL: 31, Grouping.HOUR: 92, Grouping.DAY: 366, Grouping.WEEK: 1100,
            Grouping.MONTH: 3700}
LOC = {"grouping": "group"}  # ReportQuery's field -> the query string's name


async def read(session: AsyncSession, name: str, query: ReportQuery,
               principal: Principal) -> ReportTable:
    if name not in REPORTS:
        raise NotFound(f"no report {name!r}")
    broken = refusals(name, query)
    if query.branch is not None and not await _may_see(session, query.branch, principal):
        broken.append(Violation("unknown_branch", ("query", "branch"),
                                f"no branch {query.branch!r}"))
    if broken:
        raise Refused(broken)
    return await REPORTS[name](session, query, principal)


def refusals(name: str, query: ReportQuery) -> list[Violation]:
    broken = []
    days = (query.until - query.since).days + 1
    if days < 1:
        broken.append(Violation("range_order", ("query", "until"),
                                "the end comes before the start"))
    elif days > MAX_DAYS[query.grouping]:
        broken.append(Violation(
            "range_too_long", ("query", "until"),
            f"at most {MAX_DAYS[query.grouping]} days grouped by {query.grouping}",
            {"max_days": MAX_DAYS[query.grouping], "group": str(query.grouping)}))
    applied = about(name).filters
    for key in FILTERS:
        if getattr(query, key) is not None and key not in applied:
            broken.append(Violation("filter_not_applicable", ("query", LOC.get(key, key)),
                                    f"the {name} report is not filtered by {key}"))
    return broken


async def _may_see(session: AsyncSession, code: str, principal: Principal) -> bool:
    branch_id = await session.scalar(select(Branch.id).where(Branch.code == code))
    return branch_id is not None and principal.may_see_branch(branch_id)


def said(table: ReportTable) -> dict[str, Any]:
    """The table as JSON: its columns with their kinds."""
    return {"name": table.name, "columns": [asdict(c) for c in table.columns],
            "rows": table.rows, "totals": table.totals, "by_period": table.by_period}
