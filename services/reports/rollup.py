"""The interval facts (models/reports.py) from the raw rows: `recompute` deletes and computes an
interval range afresh, so it is idempotent and a rebuild gives the same figures; `roll` finds
the intervals touched since its marks (new rows by id, a call's new events, the agents' states up
to now) and recomputes them; `rebuild_day` recomputes a local day.

What counts where:
- an inbound call counts in the interval it was offered in, once it has ended; its talk and hold
  (from the call's Hold/Resume events) with it;
- an agent's time in each state is split over the intervals it spans, up to now; the wrap-up
  after a call counts, by the same split, for the call's queue too;
- an IVR step by when it was entered, a PIN attempt by when it was made, an outbound attempt by
  when it was dialed, a callback request by when it was asked, a quality score by when it was
  scored."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.agent_state import AgentState, PauseReason
from acd.tracker import IVR_DONE, IVR_VOICEMAIL
from models import (
    Agent,
    AgentTransition,
    AttemptOutcome,
    Branch,
    BusinessType,
    Call,
    CallbackRequest,
    CallbackStatus,
    CallDirection,
    CallEvent,
    CallOutcome,
    Campaign,
    Contact,
    ContactAttempt,
    IvrStep,
    QueueSettings,
    Retailer,
    SelfServiceAttempt,
)
from models.quality import CallScore
from models.reports import (
    DAY_SUMS,
    AgentInterval,
    CampaignInterval,
    CampaignResult,
    IvrInterval,
    PinInterval,
    QueueInterval,
    RollupMark,
)

log = logging.getLogger("hotline.reports")

INTERVAL = timedelta(minutes=15)
DEFAULT_ZONE = "Asia/Shanghai"
DEFAULT_SL_SECONDS = 20  # a queue without settings (models.acd.QueueSettings' default)
DEFAULT_SL_TARGET = 80
MAX_CALL = timedelta(days=1)  # how long a call's holds and wrap-up may run after it was offered
ABANDON_BUCKETS = ((10, "abandoned_10s"), (30, "abandoned_30s"), (60, "abandoned_60s"),
                   (120, "abandoned_120s"))
# a pause by another reason counts as other
PAUSE_REASONS = tuple(r.value for r in PauseReason if r != PauseReason.OTHER)
STATE_COLUMNS = {s.value: f"{s.value}_s" for s in AgentState
                 if s not in (AgentState.LOGGED_OUT,)}
IVR_RESULTS = ("ok", "invalid", "timeout", "hangup")
RECENT_CALLS = 20000  # the calls whose servers are the PBXs in use
ID_LOOKBACK = 500  # ids a slow transaction may still commit below the mark
UPDATE_MARGIN = timedelta(minutes=5)  # rows updated with a time this much before the last run
FACTS = (QueueInterval, AgentInterval, IvrInterval, PinInterval, CampaignInterval,
         CampaignResult)


def interval_of(at: datetime) -> datetime:
    at = at.astimezone(UTC)
    return at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


@dataclass
class Organisation:
    """What the roll-up needs to place a row: zones, queue thresholds, whose branch."""
    zones: dict[int | None, ZoneInfo]
    branch_codes: dict[str, int]
    sl_seconds: dict[str, int]  # queue name -> threshold
    agent_branch: dict[int, int]
    campaign_branch: dict[int, int | None]
    servers: set[str]  # the PBXs whose calls are on record (a call's key is server, linkedid)

    def zone(self, branch_id: int | None) -> ZoneInfo:
        return self.zones.get(branch_id) or self.zones[None]

    def queue_branch(self, queue: str | None) -> int | None:
        return self.branch_codes.get((queue or "").partition("-")[0])

    @staticmethod
    async def load(session: AsyncSession) -> Organisation:
        branches = (await session.execute(select(Branch.id, Branch.code, Branch.timezone,
                                                 Branch.is_headquarters))).all()
        hq = next((tz for _, _, tz, is_hq in branches if is_hq), DEFAULT_ZONE)
        zones: dict[int | None, ZoneInfo] = {None: ZoneInfo(hq)}
        zones |= {bid: ZoneInfo(tz) for bid, _, tz, _ in branches}
        sl = {f"{code}-{bt}": seconds for code, bt, seconds in await session.execute(
            select(Branch.code, BusinessType.code, QueueSettings.service_level_seconds)
            .join(Branch, QueueSettings.branch_id == Branch.id)
            .join(BusinessType, QueueSettings.business_type_id == BusinessType.id))}
        agents = dict((await session.execute(select(Agent.id, Agent.branch_id))).all())
        campaigns = dict((await session.execute(select(Campaign.id, Campaign.branch_id))).all())
        last = await session.scalar(select(func.max(Call.id))) or 0
        servers = set(await session.scalars(select(Call.pbx_server).distinct().where(
            Call.id > last - RECENT_CALLS))) | {"local"}
        return Organisation(zones, {code: bid for bid, code, _, _ in branches}, sl, agents,
                            campaigns, servers)


SECONDS = 900  # INTERVAL in seconds


@dataclass
class Facts:
    """The fact rows of a range being computed, keyed by their dimensions. Times are handled
    as epoch seconds here: a day of calls is hundreds of thousands of additions."""
    org: Organisation
    rows: dict[type, dict[tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict))

    def row(self, model: type, at: datetime | float, branch_id: int | None, **dims: Any
            ) -> dict[str, Any]:
        ts = at if isinstance(at, (int, float)) else at.timestamp()
        slot = int(ts // SECONDS) * SECONDS
        key = (slot, branch_id, *dims.values())
        table = self.rows[model]
        found = table.get(key)
        if found is None:
            start = datetime.fromtimestamp(slot, UTC)
            local = start.astimezone(self.org.zone(branch_id))
            found = table[key] = {
                "interval_start": start, "local_day": local.date(),
                "local_minute": local.hour * 60 + local.minute, "branch_id": branch_id, **dims}
        return found

    def add(self, model: type, at: datetime | float, branch_id: int | None,
            dims: dict[str, Any], **measures: float) -> None:
        row = self.row(model, at, branch_id, **dims)
        for name, value in measures.items():
            row[name] = row.get(name, 0) + value

    def spread(self, model: type, start: datetime | float, end: datetime | float,
               branch_id: int | None, dims: dict[str, Any], *columns: str) -> None:
        """Seconds from `start` to `end`, each interval's share in its own row."""
        at = start if isinstance(start, (int, float)) else start.timestamp()
        stop = end if isinstance(end, (int, float)) else end.timestamp()
        while at < stop:
            upto = min(stop, (at // SECONDS + 1) * SECONDS)
            row = self.row(model, at, branch_id, **dims)
            for column in columns:
                row[column] = row.get(column, 0) + (upto - at)
            at = upto


def _queue_dims(queue: str | None, business_type: str | None) -> dict[str, Any]:
    return {"queue": queue or "", "business_type": business_type or ""}


async def recompute(session: AsyncSession, start: datetime, end: datetime,
                    now: datetime) -> None:
    """The facts of the intervals from `start` to `end` (UTC, on interval bounds), afresh from
    the raw rows, in the session's transaction; what is still open counts up to `now`."""
    facts = Facts(await Organisation.load(session))
    await _calls(session, facts, start, end)
    await _agent_states(session, facts, start, end, now)
    await _scores(session, facts, start, end)
    await _ivr(session, facts, start, end)
    await _pins(session, facts, start, end)
    await _attempts(session, facts, start, end)
    await _callbacks(session, facts, start, end)
    for model in FACTS:
        table = _t(model)
        await session.execute(delete(table).where(table.c.interval_start >= start,
                                                  table.c.interval_start < end))
        rows = list(facts.rows[model].values())
        if rows:
            for same in _by_columns(rows):
                await session.execute(insert(table), same)
    await _days(session, facts.org, start, end)


DIMENSIONS = {"local_day", "branch_id", "queue", "business_type", "agent_id", "state",
              "reason", "campaign_id", "result"}


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


async def _calls(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    c, e = _t(Call), _t(CallEvent)
    in_range = and_(c.c.offered_at >= start, c.c.offered_at < end, c.c.ended_at.is_not(None))
    holds: dict[int, float] = defaultdict(float)
    transfers: dict[int, int] = defaultdict(int)
    held_since: dict[int, datetime] = {}
    events = await session.execute(
        select(e.c.call_id, e.c.kind, e.c.at).join(c, c.c.id == e.c.call_id)
        .where(in_range, e.c.kind.in_(("Hold", "Resume", "Transfer")), e.c.at >= start,
               e.c.at < end + MAX_CALL).order_by(e.c.call_id, e.c.at, e.c.id))
    calls = (await session.execute(
        select(c.c.id, c.c.direction, c.c.branch_id, c.c.queue, c.c.business_type,
               c.c.queued_at, c.c.agent_id, c.c.offered_at, c.c.connected_at, c.c.ended_at,
               c.c.outcome, c.c.last_step, c.c.survey_rating).where(in_range))).all()
    ended = {row.id: row.ended_at for row in calls}
    for call_id, kind, at in events:
        if kind == "Transfer":
            transfers[call_id] += 1
        elif kind == "Hold":
            held_since.setdefault(call_id, at)
        elif call_id in held_since:
            holds[call_id] += (min(at, ended[call_id]) - held_since.pop(call_id)).total_seconds()
    for call_id, since in held_since.items():  # on hold when the call ended
        holds[call_id] += max(0.0, (ended[call_id] - since).total_seconds())
    for call in calls:
        hold = holds.get(call.id, 0.0)
        talk = ((call.ended_at - call.connected_at).total_seconds() - hold
                if call.connected_at is not None else 0.0)
        if call.agent_id is not None and call.connected_at is not None:
            facts.add(AgentInterval, call.offered_at, facts.org.agent_branch.get(call.agent_id),
                      {"agent_id": call.agent_id}, calls_handled=1, talk_s=talk, hold_s=hold,
                      transfers=transfers.get(call.id, 0),
                      survey_count=int(call.survey_rating is not None),
                      survey_sum=call.survey_rating or 0)
        if call.direction != CallDirection.INBOUND:
            continue
        branch = call.branch_id if call.branch_id is not None else facts.org.queue_branch(
            call.queue)
        m = _queue_measures(call, facts.org.sl_seconds.get(call.queue or "", DEFAULT_SL_SECONDS))
        if call.connected_at is not None:
            m |= {"talk_s": talk, "hold_s": hold, "transfers": transfers.get(call.id, 0)}
        facts.add(QueueInterval, call.offered_at, branch,
                  _queue_dims(call.queue, call.business_type), **m)


def _queue_measures(call: Any, sl_seconds: int) -> dict[str, float]:
    """How one ended inbound call counts (acd.tracker.figure's classes)."""
    m: dict[str, float] = {"offered": 1}
    if call.survey_rating is not None:
        m |= {"survey_count": 1, "survey_sum": call.survey_rating}
    if call.connected_at is not None:
        wait = (call.connected_at - (call.queued_at or call.offered_at)).total_seconds()
        return m | {"answered": 1, "answered_in_sl": int(wait <= sl_seconds),
                    "wait_answered_s": wait}
    if call.last_step == IVR_VOICEMAIL:
        return m | {"voicemails": 1}
    if call.outcome == CallOutcome.ABANDONED:
        queued = call.queued_at is not None
        wait = (call.ended_at - (call.queued_at if queued else call.offered_at)).total_seconds()
        bucket = next((name for limit, name in ABANDON_BUCKETS if wait < limit),
                      "abandoned_longer")
        where = "abandoned_queue" if queued else "abandoned_ivr"
        return m | {where: 1, bucket: 1, "wait_abandoned_s": wait}
    if call.outcome == CallOutcome.COMPLETED and call.last_step == IVR_DONE:
        return m | {"self_served": 1}
    return m | {"other": 1}


async def _agent_states(session: AsyncSession, facts: Facts, start: datetime, end: datetime,
                        now: datetime) -> None:
    t = _t(AgentTransition)
    a = _t(Agent)
    upto = min(end, now)
    if upto <= start:
        return
    before = t.alias("before")
    latest = (select(before.c.id).where(before.c.agent_id == a.c.id, before.c.at < start)
              .order_by(before.c.at.desc(), before.c.id.desc()).limit(1).scalar_subquery())
    first = {agent_id: (state, reason, linkedid) for agent_id, state, reason, linkedid in
             await session.execute(select(t.c.agent_id, t.c.to_state, t.c.reason,
                                          t.c.call_linkedid).where(t.c.id.in_(
                                              select(latest).select_from(a))))}
    changes: dict[int, list[tuple[float, str, str | None, str | None]]] = defaultdict(list)
    for agent_id, at, state, reason, linkedid in await session.execute(
            select(t.c.agent_id, t.c.at, t.c.to_state, t.c.reason, t.c.call_linkedid)
            .where(t.c.at >= start, t.c.at < upto).order_by(t.c.agent_id, t.c.at, t.c.id)):
        changes[agent_id].append((at.timestamp(), state, reason, linkedid))
    wraps: list[tuple[int, str, float, float]] = []
    for agent_id in first.keys() | changes.keys():
        state, reason, linkedid = first.get(agent_id, ("logged_out", None, None))
        since = start.timestamp()
        for at, *after in [*changes.get(agent_id, []), (upto.timestamp(), "", None, None)]:
            _agent_time(facts, agent_id, state, reason, since, at)
            if state == "wrap_up" and linkedid and at > since:
                wraps.append((agent_id, linkedid, since, at))
            (state, reason, linkedid), since = after, at
    await _queue_wraps(session, facts, wraps, start, end)


def _agent_time(facts: Facts, agent_id: int, state: str, reason: str | None,
                since: float, until: float) -> None:
    if state == "logged_out" or until <= since:
        return
    columns = ["logged_in_s"]
    if state in STATE_COLUMNS:
        columns.append(STATE_COLUMNS[state])
    if state == "paused":
        columns.append(f"paused_{reason if reason in PAUSE_REASONS else 'other'}_s")
    facts.spread(AgentInterval, since, until, facts.org.agent_branch.get(agent_id),
                 {"agent_id": agent_id}, *columns)


async def _queue_wraps(session: AsyncSession, facts: Facts,
                       wraps: list[tuple[int, str, float, float]], start: datetime,
                       end: datetime) -> None:
    """The wrap-up after an inbound call, for the call's queue, in the intervals it fell in."""
    if not wraps:
        return
    servers = facts.org.servers
    c = _t(Call)
    linkedids = sorted({linkedid for _, linkedid, _, _ in wraps})
    queues = {}
    for chunk in (linkedids[i:i + 500] for i in range(0, len(linkedids), 500)):
        # by the calls' key alone: a planner offered the time too may scan a day of calls
        for linkedid, branch, queue, bt, direction, offered in await session.execute(
                select(c.c.linkedid, c.c.branch_id, c.c.queue, c.c.business_type,
                       c.c.direction, c.c.offered_at)
                .where(c.c.pbx_server.in_(servers), c.c.linkedid.in_(chunk))):
            if direction == CallDirection.INBOUND and start - MAX_CALL <= offered < end:
                queues[linkedid] = (branch if branch is not None
                                    else facts.org.queue_branch(queue), _queue_dims(queue, bt))
    for _, linkedid, since, until in wraps:
        if linkedid in queues:
            branch, dims = queues[linkedid]
            facts.spread(QueueInterval, since, until, branch, dims, "wrap_s")


async def _scores(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    s = _t(CallScore)
    for agent_id, at, total in await session.execute(
            select(s.c.agent_id, s.c.scored_at, s.c.total)
            .where(s.c.scored_at >= start, s.c.scored_at < end)):
        facts.add(AgentInterval, at, facts.org.agent_branch.get(agent_id),
                  {"agent_id": agent_id}, qa_count=1, qa_sum=float(total))


async def _ivr(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    st, c = _t(IvrStep), _t(Call)
    seen: set[tuple[Any, ...]] = set()
    for linkedid, state, result, at, ms, branch in await session.execute(
            select(st.c.linkedid, st.c.state, st.c.result, st.c.entered_at, st.c.duration_ms,
                   c.c.branch_id)
            .outerjoin(c, and_(c.c.pbx_server == st.c.pbx_server, c.c.linkedid == st.c.linkedid))
            .where(st.c.entered_at >= start, st.c.entered_at < end)):
        row = facts.row(IvrInterval, at, branch, state=state)
        key = (row["interval_start"], branch, state, linkedid)
        if key not in seen:
            seen.add(key)
            row["calls"] = row.get("calls", 0) + 1
        row["entered"] = row.get("entered", 0) + 1
        row["duration_s"] = row.get("duration_s", 0) + ms / 1000
        if result in IVR_RESULTS:
            row[result] = row.get(result, 0) + 1


async def _pins(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    p, r = _t(SelfServiceAttempt), _t(Retailer)
    for at, reason, branch in await session.execute(
            select(p.c.at, p.c.reason, r.c.branch_id).outerjoin(r, r.c.id == p.c.retailer_id)
            .where(p.c.at >= start, p.c.at < end)):
        facts.add(PinInterval, at, branch, {"reason": reason}, attempts=1)


async def _attempts(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    a = _t(ContactAttempt)
    for row in await session.execute(
            select(a.c.campaign_id, a.c.started_at, a.c.outcome, a.c.abandoned,
                   a.c.connected_at, a.c.ended_at, a.c.disposition)
            .where(a.c.started_at >= start, a.c.started_at < end)):
        branch = facts.org.campaign_branch.get(row.campaign_id)
        dims = {"campaign_id": row.campaign_id}
        talk = ((row.ended_at - row.connected_at).total_seconds()
                if row.connected_at is not None and row.ended_at is not None else 0.0)
        facts.add(CampaignInterval, row.started_at, branch, dims, dialed=1,
                  reached=int(row.outcome in (AttemptOutcome.ANSWERED, AttemptOutcome.MACHINE)),
                  live=int(row.outcome == AttemptOutcome.ANSWERED),
                  machines=int(row.outcome == AttemptOutcome.MACHINE),
                  abandoned=int(bool(row.abandoned)), connected=int(row.connected_at is not None),
                  talk_s=talk)
        if row.disposition:
            facts.add(CampaignResult, row.started_at, branch,
                      dims | {"result": row.disposition}, attempts=1)


async def _callbacks(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    cb, ct = _t(CallbackRequest), _t(Contact)
    for at, queue, status, campaign_id in await session.execute(
            select(cb.c.requested_at, cb.c.queue, cb.c.status, ct.c.campaign_id)
            .outerjoin(ct, ct.c.id == cb.c.contact_id)
            .where(cb.c.requested_at >= start, cb.c.requested_at < end)):
        done = int(status == CallbackStatus.DONE)
        facts.add(QueueInterval, at, facts.org.queue_branch(queue),
                  _queue_dims(queue, queue.partition("-")[2] or None), callbacks_requested=1,
                  callbacks_done=done)
        if campaign_id is not None:
            facts.add(CampaignInterval, at, facts.org.campaign_branch.get(campaign_id),
                      {"campaign_id": campaign_id}, callbacks_requested=1, callbacks_kept=done)


# -- incremental ------------------------------------------------------------------------------

SOURCES = {"calls": Call, "call_events": CallEvent, "agent_transitions": AgentTransition,
           "ivr_steps": IvrStep, "self_service_attempts": SelfServiceAttempt,
           "contact_attempts": ContactAttempt, "callback_requests": CallbackRequest,
           "call_scores": CallScore}


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
                         ("call_scores", "scored_at")):
        table = _t(SOURCES[name])
        add(await session.scalars(select(table.c[column]).where(new(name))))
    # rows updated since (an attempt's end, a callback's handling); on a first roll every row
    # is new
    recent = (last_run or now) - UPDATE_MARGIN
    a = _t(ContactAttempt)
    add(await session.scalars(select(a.c.started_at).where(
        or_(new("contact_attempts"), a.c.ended_at >= recent))))
    cb = _t(CallbackRequest)
    add(await session.scalars(select(cb.c.requested_at).where(
        or_(new("callback_requests"), cb.c.handled_at >= recent))))
    return {at for at in out if at <= now}, tops


def ranges(intervals: Iterable[datetime], longest: int = 96) -> list[tuple[datetime, datetime]]:
    """Contiguous runs of intervals as (start, end), none longer than `longest` intervals."""
    out: list[tuple[datetime, datetime]] = []
    for at in sorted(intervals):
        if out and out[-1][1] == at and (at - out[-1][0]) < INTERVAL * longest:
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
    for start, end in ranges(intervals):
        async with session.begin():
            await recompute(session, start, end, now)
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

