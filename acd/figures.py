"""Live figures for supervisors: per queue (waiting now, longest wait, and since midnight:
offered, answered, abandoned, service level, average speed of answer, handle time) and per
agent (state, time in state, calls handled today).

Service level = calls answered within the queue's threshold / (answered + abandoned after the
threshold): callers who hang up within the threshold count neither way. Handle time = talk
(connected -> ended) + the agent's wrap-up after the call.
"""
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState
from acd.desk import Desk
from acd.roster import AgentInfo
from acd.routing import QueuePolicy, WaitingCall
from acd.thresholds import service_alert, wait_alert, worst
from models import AgentTransition, Call, CallOutcome


@dataclass(frozen=True, slots=True)
class QueuedCall:
    queue: str
    queued_at: datetime
    connected_at: datetime | None
    ended_at: datetime | None
    abandoned: bool
    wrap_up_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class QueueFigures:
    queue: str
    branch: str  # the queue's branch code
    waiting: int
    longest_wait_seconds: float
    offered: int
    answered: int
    abandoned: int
    service_level: float | None  # 0..1; None before any call counts
    service_level_seconds: float
    average_speed_of_answer_seconds: float | None
    average_handle_seconds: float | None
    service_level_target: int = 80  # percent
    answered_within: int = 0  # the service level's numerator
    counted: int = 0  # and its denominator
    wait_amber_seconds: float = 30.0
    wait_red_seconds: float = 60.0
    wait_alert: str = "ok"  # acd.thresholds.Alert
    service_alert: str = "ok"
    alert: str = "ok"  # the worse of the two


MICROS = 1_000_000


def micros(span: timedelta) -> int:
    """A stretch of time in whole microseconds, the stored times' own precision."""
    return (span.days * 86_400 + span.seconds) * MICROS + span.microseconds


@dataclass(slots=True)
class QueueTally:
    """One queue's calls of the day summed as its figures need them: counts, and times summed
    in whole microseconds, so that calls counted in and out again in any order (as
    acd.live_figures does while they change) leave the tally a recount of the calls gives.
    `within` and `late_abandons` hold against `threshold`, the queue's service level seconds."""

    threshold: float
    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    within: int = 0  # answered within the threshold
    late_abandons: int = 0  # gave up after it: counted against the service level
    wait_micros: int = 0  # the answered calls' waits
    handled: int = 0  # connected and ended
    handle_micros: int = 0  # their talk and wrap-up

    def count(self, call: QueuedCall, sign: int = 1) -> None:
        """The call counted in (1), or out again (-1) as it was counted in."""
        self.offered += sign
        if call.connected_at is not None:
            wait = micros(call.connected_at - call.queued_at)
            self.answered += sign
            self.wait_micros += sign * wait
            self.within += sign * (wait / MICROS <= self.threshold)
            if call.ended_at is not None:
                self.handled += sign
                self.handle_micros += sign * (micros(call.ended_at - call.connected_at)
                                              + round(call.wrap_up_seconds * MICROS))
        elif call.abandoned:
            self.abandoned += sign
            self.late_abandons += sign * (call.ended_at is not None and micros(
                call.ended_at - call.queued_at) / MICROS > self.threshold)


def tallied(policies: Mapping[str, QueuePolicy], calls: Iterable[QueuedCall]
            ) -> dict[str, QueueTally]:
    """The calls of the policies' queues, tallied per queue against its threshold."""
    tallies = {name: QueueTally(p.service_level_seconds) for name, p in policies.items()}
    for c in calls:
        tally = tallies.get(c.queue)
        if tally is not None:
            tally.count(c)
    return tallies


def queue_figures(policies: Mapping[str, QueuePolicy], calls: Iterable[QueuedCall],
                  waiting: Iterable[WaitingCall], now: float) -> list[QueueFigures]:
    """`now` on the router's clock (the waiting calls' enqueued_at)."""
    return figures_of(policies, tallied(policies, calls), waiting, now)


def figures_of(policies: Mapping[str, QueuePolicy], tallies: Mapping[str, QueueTally],
               waiting: Iterable[WaitingCall], now: float) -> list[QueueFigures]:
    """Each policy's queue from its tally (tallied against the policy's own threshold) and
    its callers waiting now."""
    waits: dict[str, list[float]] = defaultdict(list)
    for w in waiting:
        waits[w.queue].append(now - w.enqueued_at)
    out = []
    for name in sorted(policies):
        policy = policies[name]
        threshold = policy.service_level_seconds
        t = tallies.get(name) or QueueTally(threshold)
        counted = t.answered + t.late_abandons
        level = t.within / counted if counted else None
        longest = round(max(waits[name], default=0.0), 1)
        by_wait = wait_alert(longest, policy.wait_amber_seconds, policy.wait_red_seconds)
        by_service = service_alert(level, counted, policy.service_level_target)
        out.append(QueueFigures(
            queue=name, branch=policy.branch, waiting=len(waits[name]),
            longest_wait_seconds=longest,
            offered=t.offered, answered=t.answered, abandoned=t.abandoned,
            service_level=level, service_level_seconds=threshold,
            average_speed_of_answer_seconds=_mean(t.wait_micros, t.answered),
            average_handle_seconds=_mean(t.handle_micros, t.handled),
            service_level_target=policy.service_level_target, answered_within=t.within,
            counted=counted, wait_amber_seconds=policy.wait_amber_seconds,
            wait_red_seconds=policy.wait_red_seconds, wait_alert=by_wait,
            service_alert=by_service, alert=worst(by_wait, by_service)))
    return out


def start_of_today() -> datetime:
    """Local midnight on the engine's machine: where "today" of the figures begins."""
    return datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def _mean(total_micros: int, count: int) -> float | None:
    """To a tenth of a second, from the exact sum (an integer division rounds once)."""
    return round(total_micros / (count * MICROS), 1) if count else None


class WrapUps:
    """Each call's wrap-up time, from the agents' transitions in the order they are written:
    an entry to wrap-up after a call (by its linkedid) starts it, the next exit from wrap-up
    for that call ends it, and a call may have several."""

    def __init__(self) -> None:
        self.started: dict[str, datetime] = {}
        self.micros: dict[str, int] = defaultdict(int)

    def feed(self, linkedid: str, before: str, after: str, at: datetime) -> int:
        """How much the call's wrap-up grew by this transition (microseconds)."""
        if after == AgentState.WRAP_UP:
            self.started[linkedid] = at
        elif before == AgentState.WRAP_UP and linkedid in self.started:
            grown = micros(at - self.started.pop(linkedid))
            self.micros[linkedid] += grown
            return grown
        return 0

    def seconds(self, linkedid: str) -> float:
        return self.micros.get(linkedid, 0) / MICROS


def wrap_up_transitions(since: datetime) -> Select[str | None, str, str, datetime]:
    """The transitions into or out of a wrap-up after a call since `since`, as written."""
    return (select(AgentTransition.call_linkedid, AgentTransition.from_state,
                   AgentTransition.to_state, AgentTransition.at)
            .where(AgentTransition.at >= since, AgentTransition.call_linkedid.is_not(None),
                   or_(AgentTransition.to_state == AgentState.WRAP_UP,
                       AgentTransition.from_state == AgentState.WRAP_UP))
            .order_by(AgentTransition.id))


async def load_since(sessions: async_sessionmaker[AsyncSession], server: str,
                     since: datetime) -> tuple[list[QueuedCall], dict[int, int]]:
    """Calls that joined a queue since `since` (with the wrap-up that followed each), and the
    calls each agent was connected to since then: the figures recounted from the rows (the
    engine keeps them as calls change, acd.live_figures)."""
    async with sessions() as s:
        rows = (await s.execute(
            select(Call.linkedid, Call.queue, Call.queued_at, Call.connected_at, Call.ended_at,
                   Call.outcome)
            .where(Call.pbx_server == server, Call.queued_at >= since,
                   Call.queue.is_not(None)))).all()
        handled = cast(dict[int, int], dict((await s.execute(  # agent_id IS NOT NULL
            select(Call.agent_id, func.count())
            .where(Call.pbx_server == server, Call.connected_at >= since,
                   Call.agent_id.is_not(None))
            .group_by(Call.agent_id))).all()))
        wraps = (await s.execute(wrap_up_transitions(since))).all()
    wrap_ups = WrapUps()
    for linkedid, before, after, at in wraps:
        assert linkedid is not None  # call_linkedid IS NOT NULL in the query
        wrap_ups.feed(linkedid, before, after, at)
    calls = [QueuedCall(r.queue, r.queued_at, r.connected_at, r.ended_at,
                        r.outcome == CallOutcome.ABANDONED, wrap_ups.seconds(r.linkedid))
             for r in rows]
    return calls, dict(handled)


def agents_by_state(desk: Desk) -> dict[tuple[str, str], int]:
    """How many of the desk's agents are in each state, per branch: (state, branch) -> count,
    every state of every branch named (zero too), so a series never vanishes."""
    counts = {(state.value, branch): 0 for branch in {a.branch for a in desk.agents.values()}
              for state in AgentState}
    for agent in desk.agents.values():
        machine = desk.sessions.machines.get(agent.id)
        state = machine.state if machine is not None else AgentState.LOGGED_OUT
        counts[(state.value, agent.branch)] += 1
    return counts


def session_status(desk: Desk, agent: AgentInfo) -> dict[str, Any]:
    """The agent's session as the desk holds it now (the live feed's snapshot too)."""
    m = desk.sessions.machine(agent.id)
    return {"id": agent.id, "number": agent.number, "branch": agent.branch, "state": m.state,
            "pause_reason": m.pause_reason if m.state == AgentState.PAUSED else None,
            "time_in_state_seconds": round(m.time_in_state(desk.clock()), 1)
            if m.state != AgentState.LOGGED_OUT else 0.0,
            "current_call": m.current_call}
