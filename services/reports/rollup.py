"""The interval facts (models/reports.py) from the raw rows: `recompute` deletes and computes an
interval range afresh, so it is idempotent and a rebuild gives the same figures; `roll` finds
the intervals touched since its marks (new rows by id, a call's new events, the agents' states up
to now, rows changed since the last run) and recomputes them; `rebuild_day` recomputes a local
day. What counts where: rollup_calls.py for the call center's facts, rollup_business.py for
orders, refusals, opinions and work-order steps."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    AgentTransition,
    Branch,
    Call,
    CallbackRequest,
    CallEvent,
    ContactAttempt,
    IvrStep,
    Order,
    OrderRefusal,
    SelfServiceAttempt,
)
from models.opinions import Opinion, WorkOrder, WorkOrderStep
from models.quality import CallScore
from models.reports import DAY_SUMS, DIMENSIONS, FACTS, RollupMark
from services.reports import rollup_business, rollup_calls
from services.reports.facts import (
    DEFAULT_ZONE,
    INTERVAL,
    Facts,
    Organisation,
    interval_of,
)
from services.reports.facts import table_of as _t

log = logging.getLogger("hotline.reports")

ID_LOOKBACK = 500  # ids a slow transaction may still commit below the mark
UPDATE_MARGIN = timedelta(minutes=5)  # rows updated with a time this much before the last run
# a roll's ranges go on over gaps this many intervals long: a first roll of sparse business rows
# (an order every half hour) is a range a day, not a range an order
BRIDGE = 8
__all__ = ["Facts", "Organisation", "interval_of", "rebuild_day", "recompute", "roll",
           "sum_days"]


ROLLUP_LOCK = 0x686F746C  # "hotl": the advisory lock recomputing facts holds on PostgreSQL


async def recompute(session: AsyncSession, start: datetime, end: datetime,
                    now: datetime, org: Organisation | None = None) -> None:
    """The facts of the intervals from `start` to `end` (UTC, on interval bounds), afresh from
    the raw rows, in the session's transaction; what is still open counts up to `now`. `org`:
    the organisation as loaded for a roll of many ranges."""
    await _one_at_a_time(session)
    facts = Facts(org or await Organisation.load(session))
    await rollup_calls.compute(session, facts, start, end, now)
    await rollup_business.compute(session, facts, start, end, now)
    for model in FACTS:
        table = _t(model)
        await session.execute(delete(table).where(table.c.interval_start >= start,
                                                  table.c.interval_start < end))
        rows = list(facts.rows[model].values())
        if rows:
            for same in _by_columns(rows):
                await session.execute(insert(table), same)
    await _days(session, facts.org, start, end)


async def _one_at_a_time(session: AsyncSession) -> None:
    """Two rolls at once (the engine's and `hotline reports rebuild`) would both delete a range
    and both insert its facts: on PostgreSQL the second waits here for the first's transaction
    to end. SQLite lets one transaction write at a time; the other fails, and is rolled again."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(ROLLUP_LOCK)))


async def _days(session: AsyncSession, org: Organisation, start: datetime,
                end: datetime) -> None:
    """The day sums of every local day the range touches, in any branch's zone."""
    days: set[date] = set()
    for zone in set(org.zones.values()):
        day, last = start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(
            zone).date()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    await sum_days(session, days)


async def sum_days(session: AsyncSession, days: Iterable[date]) -> None:
    """The day sums of these local days afresh from the interval facts."""
    ordered = sorted(days)
    for model, day_table in DAY_SUMS.items():
        source = _t(model)
        keys = [c.name for c in day_table.c if c.name in DIMENSIONS]
        measures = [c.name for c in day_table.c if c.name not in DIMENSIONS and c.name != "id"]
        for chunk in (ordered[i:i + 400] for i in range(0, len(ordered), 400)):
            await session.execute(delete(day_table).where(day_table.c.local_day.in_(chunk)))
            await session.execute(insert(day_table).from_select(
                keys + measures,
                select(*(source.c[k] for k in keys),
                       *(func.sum(source.c[m]) for m in measures))
                .where(source.c.local_day.in_(chunk)).group_by(*(source.c[k] for k in keys))))


def _by_columns(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    groups: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[frozenset(row)].append(row)
    return groups.values()


# -- incremental ------------------------------------------------------------------------------

SOURCES = {"calls": Call, "call_events": CallEvent, "agent_transitions": AgentTransition,
           "ivr_steps": IvrStep, "self_service_attempts": SelfServiceAttempt,
           "contact_attempts": ContactAttempt, "callback_requests": CallbackRequest,
           "call_scores": CallScore, "orders": Order, "order_refusals": OrderRefusal,
           "opinions": Opinion, "work_orders": WorkOrder, "work_order_steps": WorkOrderStep}


async def touched(session: AsyncSession, now: datetime, lookback: int = ID_LOOKBACK
                  ) -> tuple[set[datetime], dict[str, int]]:
    """The intervals whose raw rows changed since the marks, and the marks to move to; rows
    are read again from `lookback` ids below a mark."""
    marks = {m.source: m for m in await session.scalars(select(RollupMark))}
    last = {name: (marks[name].last_id if name in marks else 0) for name in SOURCES}
    last_run = min((m.at for m in marks.values() if m.at is not None), default=None)
    tops = {name: int(await session.scalar(select(func.coalesce(func.max(_t(model).c.id), 0)))
                      or 0) for name, model in SOURCES.items()}

    def new(name: str) -> Any:
        return _t(SOURCES[name]).c.id > last[name] - (lookback if last[name] else 0)

    out: set[datetime] = set()

    def add(times: Iterable[datetime | None]) -> None:
        out.update(interval_of(at) for at in times if at is not None)

    c, e = _t(Call), _t(CallEvent)
    changed = select(e.c.call_id).where(new("call_events"))
    add(await session.scalars(select(c.c.offered_at).where(or_(new("calls"),
                                                               c.c.id.in_(changed)))))
    t = _t(AgentTransition)
    since = await session.scalar(select(func.min(t.c.at)).where(new("agent_transitions")))
    if last_run is not None:  # an open state counted up to the last run goes on
        since = min(since, last_run) if since is not None else last_run
    if since is not None:
        at = interval_of(since)
        while at <= now:
            out.add(at)
            at += INTERVAL
    for name, column in (("ivr_steps", "entered_at"), ("self_service_attempts", "at"),
                         ("call_scores", "scored_at"), ("order_refusals", "at")):
        table = _t(SOURCES[name])
        add(await session.scalars(select(table.c[column]).where(new(name))))
    # rows updated since (an attempt's end, a callback's handling); on a first roll every row
    # is new
    recent = (last_run or now) - UPDATE_MARGIN
    a = _t(ContactAttempt)
    add(await session.scalars(select(a.c.started_at).where(
        or_(new("contact_attempts"), a.c.ended_at >= recent, a.c.result_at >= recent))))
    cb = _t(CallbackRequest)
    add(await session.scalars(select(cb.c.requested_at).where(
        or_(new("callback_requests"), cb.c.handled_at >= recent))))
    # a work-order step may be due later than now: its interval is rolled already
    business = {interval_of(at) for at in await _business_touched(session, new, recent, now)}
    return {at for at in out if at <= now} | business, tops


async def _business_touched(session: AsyncSession, new: Any, recent: datetime,
                            now: datetime) -> list[datetime]:
    """When the business rows that changed are dated: an order whose status changed, an opinion
    changed (closed) or given a work order, a step done, or one that fell due open since."""
    o, op, w, s = _t(Order), _t(Opinion), _t(WorkOrder), _t(WorkOrderStep)
    times = list(await session.scalars(select(o.c.created_at).where(
        or_(new("orders"), o.c.status_changed_at >= recent))))
    times += await session.scalars(select(op.c.created_at).where(
        or_(new("opinions"), op.c.updated_at >= recent,
            op.c.id.in_(select(w.c.opinion_id).where(new("work_orders"))))))
    times += await session.scalars(select(s.c.due_at).where(or_(
        new("work_order_steps"), s.c.done_at >= recent,
        and_(s.c.done_at.is_(None), s.c.due_at >= recent, s.c.due_at <= now))))
    return times


def ranges(intervals: Iterable[datetime], longest: int = 96,
           bridge: int = 0) -> list[tuple[datetime, datetime]]:
    """Runs of intervals as (start, end), none longer than `longest` intervals; a run goes on
    over a gap of up to `bridge` intervals (recomputing them costs less than another range)."""
    out: list[tuple[datetime, datetime]] = []
    for at in sorted(intervals):
        if (out and at - out[-1][1] <= INTERVAL * bridge
                and (at - out[-1][0]) < INTERVAL * longest):
            out[-1] = (out[-1][0], at + INTERVAL)
        else:
            out.append((at, at + INTERVAL))
    return out


async def roll(session: AsyncSession, now: datetime, lookback: int = ID_LOOKBACK) -> int:
    """Recomputes the intervals touched since the last roll and moves the marks; returns how
    many intervals were recomputed. Each range commits on its own; the marks move last, so a
    roll cut short is done again in full next time."""
    intervals, tops = await touched(session, now, lookback)
    await session.rollback()
    async with session.begin():
        org = await Organisation.load(session)
    for start, end in ranges(intervals, bridge=BRIDGE):
        async with session.begin():
            await recompute(session, start, end, now, org)
    async with session.begin():
        marks = {m.source: m for m in await session.scalars(select(RollupMark))}
        for name, top in tops.items():
            mark = marks.get(name) or RollupMark(source=name)
            mark.last_id, mark.at = top, now
            session.add(mark)
    return len(intervals)


async def day_bounds(session: AsyncSession, day: date) -> tuple[datetime, datetime]:
    """From the earliest local midnight starting `day` to the latest ending it, over the
    branches' time zones, in UTC."""
    zones = set(await session.scalars(select(Branch.timezone))) or {DEFAULT_ZONE}
    starts, ends = [], []
    for name in zones:
        zone = ZoneInfo(name)
        starts.append(datetime.combine(day, datetime.min.time(), zone).astimezone(UTC))
        ends.append(datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                     zone).astimezone(UTC))
    return interval_of(min(starts)), interval_of(max(ends) + INTERVAL - timedelta(
        microseconds=1))


async def rebuild_day(session: AsyncSession, day: date, now: datetime) -> tuple[datetime,
                                                                                 datetime]:
    """The facts of a local day (every branch's) afresh from the raw rows; returns the UTC
    range rebuilt."""
    start, end = await day_bounds(session, day)
    await session.rollback()
    async with session.begin():
        await recompute(session, start, end, now)
    return start, end


