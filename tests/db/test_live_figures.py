"""The figures the engine keeps as calls change (acd.live_figures), on SQLite and PostgreSQL:
over a generated stream of calls (answered, abandoned in the queue and in the IVR, transferred
to another queue, outbound ones an agent took, wrap-ups that end late or never, a key the PBX
reuses), written by the real call log and journal, they equal at every checkpoint a recount of
the rows (acd.figures.load_since, queue_figures and the trend): before and after the engine
restarts with calls in progress that end afterwards, after a queue's threshold changes, and
across local midnight."""
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from acd.board import interval_starts, trend
from acd.call_log import CallLog
from acd.figures import load_since, queue_figures
from acd.live_figures import LiveFigures
from acd.routing import QueuePolicy
from acd.tracker import CallDelta
from models import Agent, AgentTransition
from models.journal import Journal
from services.demo import seed

pytestmark = pytest.mark.db

DAY_ONE = datetime(2026, 11, 20, tzinfo=UTC)
DAY_TWO = DAY_ONE + timedelta(days=1)
QUEUES = ("BJ-order", "BJ-complaint", "SH-order")


@dataclass
class Day:
    """The figures' clock: where today begins."""

    since: datetime = DAY_ONE

    def __call__(self) -> datetime:
        return self.since


@dataclass(order=True)
class Step:
    at: float
    seq: int
    delta: CallDelta | None = field(compare=False, default=None)
    wrap: tuple[str, str] | None = field(compare=False, default=None)  # from, to
    linkedid: str = field(compare=False, default="")
    agent: int = field(compare=False, default=0)


def stream(rng: random.Random, agents: list[int], calls: int) -> list[Step]:
    """The calls' deltas and the agents' transitions, in time order: from 18:00 of day one to
    06:00 of day two."""
    steps: list[Step] = []
    seq = iter(range(10**9))

    def delta(at: float, linkedid: str, closed: bool = False, **fields: Any) -> None:
        steps.append(Step(at, next(seq), CallDelta("local", linkedid, fields, None, closed)))

    def wrap(at: float, linkedid: str, agent: int, before: str, after: str) -> None:
        steps.append(Step(at, next(seq), wrap=(before, after), linkedid=linkedid, agent=agent))

    start = (DAY_ONE + timedelta(hours=18)).timestamp()
    times = {f"c{n}": start + rng.uniform(0, 12 * 3600) for n in range(calls)}
    # the last call: the PBX hands out again the key of a call of the small hours, long over
    reused = next(k for k, t in times.items() if 1 < (t - DAY_TWO.timestamp()) / 3600 < 4)
    for linkedid, t in [*times.items(), (reused, start + 13 * 3600)]:
        delta(t, linkedid, uniqueid=linkedid, direction="inbound", caller_number="139",
              offered_at=t, outcome="in_progress")
        agent = rng.choice(agents)
        kind = rng.random()
        if kind < 0.1:  # gone in the IVR
            delta(t + rng.uniform(5, 40), linkedid, True, ended_at=t + 40, outcome="abandoned")
            continue
        if kind < 0.2:  # an outbound call an agent took: handled, in no queue
            delta(t + 1, linkedid, direction="outbound", agent_id=agent)
            delta(t + 3, linkedid, connected_at=t + 3)
            delta(t + 90, linkedid, True, ended_at=t + 90, outcome="completed")
            continue
        queued = t + rng.uniform(5, 30)
        delta(queued - 0.5, linkedid, queue=rng.choice(QUEUES), card_number="110100001")
        delta(queued, linkedid, queued_at=queued)
        wait = rng.expovariate(1 / 25)
        if rng.random() < 0.25:  # abandoned in the queue, within the threshold or after
            delta(queued + wait, linkedid, True, ended_at=queued + wait, outcome="abandoned")
            continue
        connected = queued + wait
        delta(connected - 0.1, linkedid, agent_id=agent)
        delta(connected, linkedid, connected_at=connected)
        wrap(connected, linkedid, agent, "reserved", "on_call")
        ended = connected + rng.uniform(20, 400)
        if rng.random() < 0.1:  # transferred to another queue: it counts in that one
            delta(ended - 5, linkedid, queue=rng.choice(QUEUES))
        delta(ended, linkedid, True, ended_at=ended, outcome="completed")
        wrap(ended, linkedid, agent, "on_call", "wrap_up")
        if rng.random() < 0.9:  # the rest are still in wrap-up
            after = rng.choice(("available", "paused"))
            wrap(ended + rng.uniform(1, 60), linkedid, agent, "wrap_up", after)
    # queued before midnight, answered after it and over before the new day is noticed: the
    # new day's calls handled count it, not its queue figures
    t, agent = DAY_TWO.timestamp() - 60, agents[0]
    delta(t, "m1", uniqueid="m1", direction="inbound", offered_at=t, outcome="in_progress")
    delta(t + 20, "m1", queue="BJ-order", queued_at=t + 20)
    delta(t + 90, "m1", agent_id=agent, connected_at=t + 90)
    delta(t + 300, "m1", True, ended_at=t + 300, outcome="completed")
    return sorted(steps)


class World:
    def __init__(self, sessions, day: Day, policies: dict[str, QueuePolicy]) -> None:
        self.sessions, self.day, self.policies = sessions, day, policies
        self.call_log, self.journal = CallLog(sessions), Journal(sessions)
        self.figures: LiveFigures | None = None

    async def start(self) -> LiveFigures:
        """The engine (re)starts: figures loaded from the rows, then fed what is written."""
        await self.flush()
        self.call_log, self.journal = CallLog(self.sessions), Journal(self.sessions)
        self.figures = LiveFigures("local", lambda: self.policies, self.day)
        await self.figures.load(self.sessions)
        self.call_log.observe(self.figures.calls_changed)
        self.journal.observe(self.figures.journaled)
        return self.figures

    def play(self, step: Step) -> None:
        if step.delta is not None:
            self.call_log.submit([step.delta])
        else:
            assert step.wrap is not None
            self.journal.submit(AgentTransition(
                agent_id=step.agent, at=datetime.fromtimestamp(step.at, UTC),
                from_state=step.wrap[0], to_state=step.wrap[1], event="x",
                call_linkedid=step.linkedid))

    async def flush(self) -> None:
        await self.call_log.flush()
        await self.journal.flush()

    async def check(self, now: float) -> None:
        """The kept figures equal the rows' recount."""
        assert self.figures is not None
        await self.flush()
        since = self.day.since
        calls, handled = await load_since(self.sessions, "local", since)
        assert self.figures.queues(self.policies, [], 0.0) == queue_figures(
            self.policies, calls, [], 0.0)
        assert dict(self.figures.handled_today()) == handled
        for hours in (0, 3, 7):  # the trend's window at now, and earlier in the day
            moment = datetime.fromtimestamp(now, UTC) - timedelta(hours=hours)
            starts = interval_starts(since, moment) if moment >= since else []
            assert self.figures.trend(starts) == trend(calls, starts), hours
        assert self.figures.since == since


async def test_the_kept_figures_equal_a_recount_of_the_rows(sessions):
    await seed(sessions)
    async with sessions() as s:
        agents = list(await s.scalars(select(Agent.id)))
    policies = {q: QueuePolicy(q, q[:2], q[3:], service_level_seconds=20.0) for q in QUEUES}
    steps = stream(random.Random(25), agents, 400)
    day = Day()
    world = World(sessions, day, policies)
    await world.start()
    checkpoints = {len(steps) * k // 10: k for k in range(1, 11)}
    counted = {"restarted": 0, "threshold": 0, "midnight": 0}
    for i, step in enumerate(steps):
        if step.at >= (DAY_TWO + timedelta(minutes=20)).timestamp() and day.since != DAY_TWO:
            day.since = DAY_TWO  # noticed 20 minutes late: the figures start the day afresh
            counted["midnight"] += 1
            await world.check(step.at)
        world.play(step)
        k = checkpoints.get(i)
        if k is None:
            continue
        await world.check(step.at)
        if k == 3:  # a restart, with calls in progress that end later
            await world.start()
            counted["restarted"] += 1
            await world.check(step.at)
        if k == 5:  # a supervisor changes a queue's service level threshold
            policies["BJ-order"] = QueuePolicy("BJ-order", "BJ", "order",
                                               service_level_seconds=10.0)
            counted["threshold"] += 1
            await world.check(step.at)
        if k == 8:  # and the engine restarts after midnight
            await world.start()
            await world.check(step.at)
    await world.check(steps[-1].at)
    assert counted == {"restarted": 1, "threshold": 1, "midnight": 1}
    queues = world.figures.queues(policies, [], 0.0) if world.figures else []
    assert sum(q.offered for q in queues) > 50 and sum(q.abandoned for q in queues) > 5
    assert any(q.average_handle_seconds for q in queues)
