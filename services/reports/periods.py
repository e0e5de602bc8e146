"""From raw rows to a report's table: the database sums each row's figures by bucket of time,
and here the buckets become periods in the branch's own zone, kept when their local day lies in
the asked range. A bucket is the local day (or hour) of the row in its branch's zone when no
zone changes its clock over the range, so a year is a few hundred buckets a key; otherwise the
15-minute quarter of UTC time (every zone's offset is a whole number of quarters, so a UTC
quarter lies in one local quarter of any zone). Either is named by the UTC quarter it starts
in. Derived figures (an average, a ratio) are computed from the sums at each level, never
averaged from averages."""
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from models import Branch
from services.reports.query import Column, ColumnKind, Grouping, ReportQuery, ReportTable

QUARTER = 900  # seconds
DEFAULT_TIMEZONE = "Asia/Shanghai"  # a row of no branch: headquarters' clock
CENTS = Decimal("0.01")


def epoch(column: Any, dialect: str) -> ColumnElement[Any]:
    """Seconds since 1970 of a stored UTC time, in SQL (whole seconds on SQLite)."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return func.date_part("epoch", column)  # a double: extract's numeric is slower


def quarter(column: Any, dialect: str) -> ColumnElement[int]:
    """The number of the UTC quarter-hour a stored time falls in."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer) // QUARTER
    return cast(func.floor(func.date_part("epoch", column) / QUARTER), Integer)


BUCKET = {Grouping.INTERVAL: QUARTER, Grouping.HOUR: 3600}  # seconds; other groupings: a day


async def zone_offsets(session: AsyncSession, query: ReportQuery) -> dict[str, int] | None:
    """Each branch zone's offset from UTC in seconds, when none changes over the range's
    window; None when one does (summer time)."""
    names = set(await session.scalars(select(Branch.timezone).distinct()))
    start, end = utc_window(query)
    offsets = {}
    for name in {*(n for n in names if n), DEFAULT_TIMEZONE}:
        zone = _zone(name)
        first = start.astimezone(zone).utcoffset()
        moment = start
        while moment <= end:
            if moment.astimezone(zone).utcoffset() != first:
                return None
            moment += timedelta(hours=6)
        assert first is not None
        offsets[name] = int(first.total_seconds())
    return offsets


def bucket(column: Any, dialect: str, grouping: Grouping, zone: Any,
           offsets: dict[str, int] | None) -> ColumnElement[int]:
    """The number of the UTC quarter-hour the row's bucket starts in: its local day or hour in
    its branch's zone (`zone`, a column naming it) where `offsets` are known, else its own
    quarter."""
    size = BUCKET.get(grouping, 86400)
    if offsets is None or size == QUARTER:
        return quarter(column, dialect)
    offset = case(offsets, value=zone, else_=offsets[DEFAULT_TIMEZONE])
    if dialect == "sqlite":
        started = (cast(func.strftime("%s", column), Integer) + offset) // size
    else:
        started = func.floor((func.date_part("epoch", column) + offset) / size)
    return cast((started * size - offset) // QUARTER, Integer)


def utc_window(query: ReportQuery) -> tuple[datetime, datetime]:
    """UTC times that hold the range's local days in every time zone (offsets within 14 h)."""
    return (datetime.combine(query.since - timedelta(days=1), time(0), UTC),
            datetime.combine(query.until + timedelta(days=2), time(0), UTC))


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(moment: datetime, timezone: str | None) -> datetime:
    return moment.astimezone(_zone(timezone or DEFAULT_TIMEZONE))


def period_of(moment: datetime, grouping: Grouping) -> str:
    """The label of the period a local time falls in: its start, as an ISO date (day, week from
    Monday, month from the 1st) or a local date-time (interval, hour)."""
    if grouping == Grouping.INTERVAL:
        return moment.strftime("%Y-%m-%d %H:") + f"{moment.minute // 15 * 15:02d}"
    if grouping == Grouping.HOUR:
        return moment.strftime("%Y-%m-%d %H:00")
    day = moment.date()
    if grouping == Grouping.WEEK:
        return (day - timedelta(days=day.weekday())).isoformat()
    if grouping == Grouping.MONTH:
        return day.replace(day=1).isoformat()
    return day.isoformat()


@dataclass(frozen=True, slots=True)
class Fact:
    """Sums of raw rows in one UTC quarter, for one combination of the report's keys."""
    quarter: int
    timezone: str | None
    keys: tuple[Any, ...]  # the values of the report's key columns after the period
    sums: dict[str, Any]  # numbers, or sets (what is counted once: a retailer)
    tag: Any = None  # what a report's own periods need (a retailer's order day)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.quarter * QUARTER, UTC)


@dataclass(frozen=True, slots=True)
class Figure:
    column: Column
    value: Callable[[dict[str, Any]], Any]  # from a level's sums


def total(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda sums: sums.get(key, 0)


def distinct(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda sums: len(sums.get(key, ()))


def ratio(part: str, whole: str) -> Callable[[dict[str, Any]], Any]:
    """part / whole; None when there is no whole (nothing to average)."""
    return lambda sums: (sums.get(part, 0) / sums[whole]) if sums.get(whole) else None


@dataclass(slots=True)
class _Level:
    sums: dict[str, Any] = field(default_factory=dict)

    def add(self, sums: dict[str, Any]) -> None:
        for key, value in sums.items():
            if value is None:
                continue
            if isinstance(value, set | frozenset):
                self.sums.setdefault(key, set()).update(value)
            else:
                self.sums[key] = self.sums.get(key, 0) + value


def roll_up(name: str, query: ReportQuery, keys: Sequence[Column], figures: Sequence[Figure],
            facts: Iterable[Fact],
            period: Callable[[Fact, datetime], str] | None = None,
            period_key: str = "period") -> ReportTable:
    """The table of `facts` whose local day lies in the range: a row a period and keys, one a
    period (by_period) and the range's totals. `period` names a fact's period from its local
    time when the grouping does not (an ordering cycle)."""
    rows: dict[tuple[Any, ...], _Level] = defaultdict(_Level)
    periods: dict[str, _Level] = defaultdict(_Level)
    whole = _Level()
    for fact in facts:
        at = local(fact.at, fact.timezone)
        if not query.since <= at.date() <= query.until:
            continue
        label = period(fact, at) if period else period_of(at, query.grouping)
        rows[(label, *fact.keys)].add(fact.sums)
        periods[label].add(fact.sums)
        whole.add(fact.sums)
    columns = [Column(period_key, ColumnKind.PERIOD), *keys, *(f.column for f in figures)]

    def said(level: _Level) -> dict[str, Any]:
        return {f.column.key: _rounded(f.value(level.sums), f.column.kind) for f in figures}

    table_rows = [{period_key: key[0], **{c.key: v for c, v in zip(keys, key[1:])},
                   **said(level)} for key, level in sorted(rows.items(), key=_order)]
    return ReportTable(
        name, columns, table_rows, totals=said(whole),
        by_period=[{period_key: label, **said(level)} for label, level in sorted(periods.items())]
        if keys else [])


def _order(item: tuple[tuple[Any, ...], _Level]) -> tuple[Any, ...]:
    return tuple("" if v is None else str(v) for v in item[0])


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

