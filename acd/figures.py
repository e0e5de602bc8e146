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
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, or_, select
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


def queue_figures(policies: Mapping[str, QueuePolicy], calls: Iterable[QueuedCall],
                  waiting: Iterable[WaitingCall], now: float) -> list[QueueFigures]:
    """`now` on the router's clock (the waiting calls' enqueued_at)."""
    by_queue: dict[str, list[QueuedCall]] = defaultdict(list)
    for c in calls:
        by_queue[c.queue].append(c)
    waits: dict[str, list[float]] = defaultdict(list)
    for w in waiting:
        waits[w.queue].append(now - w.enqueued_at)
    out = []
    for name in sorted(policies):
        policy = policies[name]
        threshold = policy.service_level_seconds
        rows = by_queue.get(name, [])
        answered = [(c.connected_at - c.queued_at).total_seconds() for c in rows if c.connected_at]
        abandoned = [c for c in rows if c.abandoned and c.connected_at is None]
        late_abandons = sum(1 for c in abandoned if c.ended_at
                            and (c.ended_at - c.queued_at).total_seconds() > threshold)
        counted = len(answered) + late_abandons
        handled = [(c.ended_at - c.connected_at).total_seconds() + c.wrap_up_seconds
                   for c in rows if c.connected_at and c.ended_at]
        within = sum(1 for s in answered if s <= threshold)
        level = within / counted if counted else None
        longest = round(max(waits[name], default=0.0), 1)
        by_wait = wait_alert(longest, policy.wait_amber_seconds, policy.wait_red_seconds)
        by_service = service_alert(level, counted, policy.service_level_target)
        out.append(QueueFigures(
            queue=name, branch=policy.branch, waiting=len(waits[name]),
            longest_wait_seconds=longest,
            offered=len(rows), answered=len(answered), abandoned=len(abandoned),
            service_level=level, service_level_seconds=threshold,
            average_speed_of_answer_seconds=_mean(answered),
            average_handle_seconds=_mean(handled),
            service_level_target=policy.service_level_target, answered_within=within,
            counted=counted, wait_amber_seconds=policy.wait_amber_seconds,
            wait_red_seconds=policy.wait_red_seconds, wait_alert=by_wait,
            service_alert=by_service, alert=worst(by_wait, by_service)))
    return out


def start_of_today() -> datetime:
    """Local midnight on the engine's machine: where "today" of the figures begins."""
    return datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


async def load_since(sessions: async_sessionmaker[AsyncSession], server: str,
                     since: datetime) -> tuple[list[QueuedCall], dict[int, int]]:
    """Calls that joined a queue since `since` (with the wrap-up that followed each), and the
    calls each agent was connected to since then."""
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
        wraps = (await s.execute(
            select(AgentTransition.call_linkedid, AgentTransition.from_state,
                   AgentTransition.to_state, AgentTransition.at)
            .where(AgentTransition.at >= since, AgentTransition.call_linkedid.is_not(None),
                   or_(AgentTransition.to_state == AgentState.WRAP_UP,
                       AgentTransition.from_state == AgentState.WRAP_UP))
            .order_by(AgentTransition.id))).all()
    started: dict[str, datetime] = {}
    wrap_up: dict[str, float] = defaultdict(float)
    for linkedid, before, after, at in wraps:
        assert linkedid is not None  # call_linkedid IS NOT NULL in the query
        if after == AgentState.WRAP_UP:
            started[linkedid] = at
        elif before == AgentState.WRAP_UP and linkedid in started:
            wrap_up[linkedid] += (at - started.pop(linkedid)).total_seconds()
    calls = [QueuedCall(r.queue, r.queued_at, r.connected_at, r.ended_at,
                        r.outcome == CallOutcome.ABANDONED, wrap_up.get(r.linkedid, 0.0))
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
