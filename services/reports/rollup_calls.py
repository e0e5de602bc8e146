"""The call-center facts from the raw rows (services.reports.rollup runs them for a range):

- an inbound call counts in the interval it was offered in, once it has ended; its talk and hold
  (from the call's Hold/Resume events) with it;
- an agent's time in each state is split over the intervals it spans, up to now; the wrap-up
  after a call counts, by the same split, for the call's queue too;
- an IVR step by when it was entered, a PIN attempt by when it was made, an outbound attempt by
  when it was dialed, a callback request by when it was asked, a quality score by when it was
  scored."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from acd.agent_state import AgentState, PauseReason
from acd.tracker import IVR_DONE, IVR_VOICEMAIL
from dialer.figures import person_answered
from models import (
    Agent,
    AgentTransition,
    AttemptOutcome,
    Call,
    CallbackRequest,
    CallbackStatus,
    CallDirection,
    CallEvent,
    CallOutcome,
    Contact,
    ContactAttempt,
    IvrStep,
    Retailer,
    SelfServiceAttempt,
)
from models.quality import CallScore
from models.reports import (
    AgentInterval,
    CampaignInterval,
    CampaignResult,
    IvrInterval,
    PinInterval,
    QueueInterval,
)
from services.reports.facts import DEFAULT_SL_SECONDS, Facts
from services.reports.facts import table_of as _t

DEFAULT_SL_TARGET = 80
MAX_CALL = timedelta(days=1)  # how long a call's holds and wrap-up may run after it was offered
ABANDON_BUCKETS = ((10, "abandoned_10s"), (30, "abandoned_30s"), (60, "abandoned_60s"),
                   (120, "abandoned_120s"))
# a pause by another reason counts as other
PAUSE_REASONS = tuple(r.value for r in PauseReason if r != PauseReason.OTHER)
STATE_COLUMNS = {s.value: f"{s.value}_s" for s in AgentState
                 if s not in (AgentState.LOGGED_OUT,)}
IVR_RESULTS = ("ok", "invalid", "timeout", "hangup")


async def compute(session: AsyncSession, facts: Facts, start: datetime, end: datetime,
                  now: datetime) -> None:
    """The call-center facts of the range into `facts`; what is still open counts up to `now`."""
    await _calls(session, facts, start, end)
    await _agent_states(session, facts, start, end, now)
    await _scores(session, facts, start, end)
    await _ivr(session, facts, start, end)
    await _pins(session, facts, start, end)
    await _attempts(session, facts, start, end)
    await _callbacks(session, facts, start, end)


def _queue_dims(queue: str | None, business_type: str | None) -> dict[str, Any]:
    return {"queue": queue or "", "business_type": business_type or ""}


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
                   a.c.connected_at, a.c.ended_at, a.c.disposition,
                   person_answered(a.c).label("live"))
            .where(a.c.started_at >= start, a.c.started_at < end)):
        branch = facts.org.campaign_branch.get(row.campaign_id)
        dims = {"campaign_id": row.campaign_id}
        talk = ((row.ended_at - row.connected_at).total_seconds()
                if row.connected_at is not None and row.ended_at is not None else 0.0)
        reached = row.outcome in (AttemptOutcome.ANSWERED, AttemptOutcome.MACHINE)
        live = bool(row.live)  # a machine its agent marked is reached, and not live
        facts.add(CampaignInterval, row.started_at, branch, dims, dialed=1,
                  reached=int(reached), live=int(live), machines=int(reached and not live),
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

