"""What every report over the interval facts shares, the one way a report groups into its
branch's local periods: who sees which branch, the filters named by code resolved to ids, the
facts summed by period and dimensions, and a table of figures from those sums.

The SQL sums the facts by local day (and by the minute of the day for hours and intervals), so
the database does the heavy part; the days are folded into weeks and months here. A period is
named by its local start: a date (day, week from Monday, month from the 1st) or a local date
and time ("2025-03-03 10:00", for hours and intervals). Derived figures (an average, a ratio)
are computed from the sums at each level, never averaged from averages."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent, Branch, Campaign
from models.reports import DAY_SUMS
from services.errors import NotFound, Refused, Violation
from services.principal import Principal
from services.reports.query import Column, ColumnKind, Grouping, ReportQuery, ReportTable

DAY_TABLES = {model.__table__: day for model, day in DAY_SUMS.items()}
CENTS = Decimal("0.01")
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
    return f"{day.isoformat()} {minute // 60:02d}:{minute % 60:02d}"


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


@dataclass(frozen=True, slots=True)
class Figure:
    """A column of a table and how its value comes from a level's sums."""
    column: Column
    value: Callable[[dict[str, Any]], Any]


def summed(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda sums: sums.get(key, 0)


def counted(key: str) -> Callable[[dict[str, Any]], Any]:
    """How many distinct things a set of the sums holds (the retailers that ordered)."""
    return lambda sums: len(sums.get(key, ()))


def share(part: str, whole: str) -> Callable[[dict[str, Any]], Any]:
    """part / whole; None when there is no whole (nothing to average)."""
    return lambda sums: ratio(sums.get(part, 0), sums.get(whole, 0))


def _add(into: dict[str, Any], sums: dict[str, Any]) -> None:
    for key, value in sums.items():
        if isinstance(value, set | frozenset):
            into.setdefault(key, set()).update(value)
        elif value is not None:
            into[key] = into.get(key, 0) + value


def table(name: str, keys: Sequence[Column], figures: Sequence[Figure],
          groups: Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]],
          period_key: str = "period") -> ReportTable:
    """A table of (period, key values, sums) groups: a row a period and keys (groups that share
    them are summed), one a period (by_period) and the range's totals, each figure computed
    from the sums of its level."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    periods: dict[str, dict[str, Any]] = defaultdict(dict)
    whole: dict[str, Any] = {}
    for period, values, sums in groups:
        for level in (rows[(period, *values)], periods[period], whole):
            _add(level, sums)

    def said(sums: dict[str, Any]) -> dict[str, Any]:
        return {f.column.key: _rounded(f.value(sums), f.column.kind) for f in figures}

    ordered = sorted(rows.items(), key=lambda item: tuple(
        "" if v is None else str(v) for v in item[0]))
    return ReportTable(
        name, [Column(period_key, ColumnKind.PERIOD), *keys, *(f.column for f in figures)],
        [{period_key: key[0], **{c.key: v for c, v in zip(keys, key[1:], strict=True)},
          **said(sums)} for key, sums in ordered],
        totals=said(whole),
        by_period=[{period_key: p, **said(sums)} for p, sums in sorted(periods.items())]
        if keys else [])


def _rounded(value: Any, kind: ColumnKind) -> Any:
    if value is None:
        return None
    if kind == ColumnKind.MONEY:
        return Decimal(str(value)).quantize(CENTS, ROUND_HALF_UP)
    if kind == ColumnKind.COUNT:
        return int(value)
    if kind == ColumnKind.SECONDS:
        return round(float(value))
    if kind in (ColumnKind.RATIO, ColumnKind.NUMBER):
        return round(float(value), 4)
    return value
