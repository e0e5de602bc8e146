"""What every report over the interval facts shares: who sees which branch, the filters named by
code resolved to ids, and the facts summed by period and dimensions.

The SQL sums the facts by local day (and by the minute of the day for hours and intervals), so
the database does the heavy part; the days are folded into weeks and months here."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent, Branch, Campaign
from models.reports import DAY_SUMS
from services.errors import NotFound, Refused, Violation
from services.principal import Principal
from services.reports.query import Grouping, ReportQuery

DAY_TABLES = {model.__table__: day for model, day in DAY_SUMS.items()}
MAX_DAYS = 1100  # about three years: a longer range is refused, not left to run


@dataclass(frozen=True, slots=True)
class Scope:
    branch_ids: frozenset[int] | None  # None: every branch (and the calls of none)
    branch_codes: dict[int, str]
    agent_id: int | None = None
    campaign_id: int | None = None


async def resolve(session: AsyncSession, query: ReportQuery, principal: Principal) -> Scope:
    """The branches the reader may see and asked for, and the filters' ids. A branch, agent or
    campaign the reader may not see is unknown to them (NotFound, as everywhere else)."""
    if query.until < query.since:
        raise Refused([Violation("date_range", ("query", "until"),
                                 "until must not be before since")])
    if (query.until - query.since).days >= MAX_DAYS:
        raise Refused([Violation("date_range_too_long", ("query", "until"),
                                 f"a report covers at most {MAX_DAYS} days",
                                 {"limit": MAX_DAYS})])
    codes = dict((await session.execute(select(Branch.id, Branch.code))).all())
    visible: frozenset[int] | None = None
    if not principal.sees_all_branches:
        visible = frozenset({principal.branch_id} if principal.branch_id is not None else ())
    if query.branch is not None:
        wanted = next((bid for bid, code in codes.items() if code == query.branch), None)
        if wanted is None or not principal.may_see_branch(wanted):
            raise NotFound(f"branch {query.branch} not found")
        visible = frozenset({wanted})
    agent_id = campaign_id = None
    if query.agent is not None:
        found = (await session.execute(select(Agent.id, Agent.branch_id)
                                       .where(Agent.number == query.agent))).first()
        if found is None or not principal.may_see_branch(found.branch_id):
            raise NotFound(f"agent {query.agent} not found")
        agent_id = found.id
    if query.campaign is not None:
        campaign = (await session.execute(select(Campaign.id, Campaign.branch_id)
                                          .where(Campaign.id == query.campaign))).first()
        if campaign is None or not principal.may_see_branch(campaign.branch_id):
            raise NotFound(f"campaign {query.campaign} not found")
        campaign_id = campaign.id
    return Scope(visible, codes, agent_id, campaign_id)


def period_of(day: date, minute: int, grouping: Grouping) -> str:
    """The start of the group a local interval falls in, as a page and an export show it."""
    if grouping == Grouping.DAY:
        return day.isoformat()
    if grouping == Grouping.WEEK:
        return (day - timedelta(days=day.weekday())).isoformat()
    if grouping == Grouping.MONTH:
        return day.replace(day=1).isoformat()
    if grouping == Grouping.HOUR:
        minute -= minute % 60
    return datetime.combine(day, datetime.min.time()).replace(
        hour=minute // 60, minute=minute % 60).isoformat(timespec="minutes")


async def sums(session: AsyncSession, table: Table, query: ReportQuery, scope: Scope,
               dims: Sequence[str], measures: Sequence[str],
               equal: dict[str, Any] | None = None) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The measures summed by (period, branch_id, *dims) over the query's local days, within
    the scope and where each column of `equal` has its value; keys in order."""
    fine = query.grouping in (Grouping.INTERVAL, Grouping.HOUR)
    if not fine:  # by day, week or month: the day sums
        table = DAY_TABLES.get(table, table)
    c = table.c
    keys = [c.local_day, *([c.local_minute] if fine else []), c.branch_id, *(c[d] for d in dims)]
    stmt = (select(*keys, *(func.sum(c[m]) for m in measures))
            .where(c.local_day >= query.since, c.local_day <= query.until,
                   *(c[name] == value for name, value in (equal or {}).items()))
            .group_by(*keys))
    if scope.branch_ids is not None:
        stmt = stmt.where(c.branch_id.in_(scope.branch_ids))
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in await session.execute(stmt):
        day, rest = row[0], list(row[1:])
        minute = rest.pop(0) if fine else 0
        n = 1 + len(dims)
        key = (period_of(day, minute, query.grouping), *rest[:n])
        group = out.setdefault(key, dict.fromkeys(measures, 0))
        for name, value in zip(measures, rest[n:], strict=True):
            group[name] += value or 0
    return dict(sorted(out.items(), key=lambda item: tuple(
        "" if k is None else str(k) for k in item[0])))


def total(groups: Iterable[dict[str, Any]], measures: Sequence[str]) -> dict[str, Any]:
    out = dict.fromkeys(measures, 0)
    for group in groups:
        for name in measures:
            out[name] += group[name]
    return out


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
