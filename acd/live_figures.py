"""Today's figures kept as calls change: per queue what acd.figures counts since midnight
(offered, answered, abandoned, the service level's calls, the waits and handle times) and the
15-minute trend, and per agent the calls handled today. Loaded from the database once, as the
engine starts; from then on updated from what the call log and the journal are handed to write
(the very values a recount reads back from those rows), so that the wallboard's snapshot, GET
/queues and the agents' calls handled cost the queues and agents, not the day's calls.

At local midnight (`start_of_today`) the figures start again from the calls kept in memory:
every call seen since the last start of a day stays until the next one (a call of the new day
joined its queue or reached its agent after midnight, so it is among them), and the wrap-ups'
transitions of the day's last hours are kept for the next day's replay. Nothing is reread, so
nothing races the writers. What the engine did not write itself (a row added to the database
by someone else while it runs) is counted only from the next start.
"""
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import AgentState
from acd.board import INTERVAL, KINDS
from acd.call_log import column_value
from acd.figures import (
    QueuedCall,
    QueueFigures,
    QueueTally,
    WrapUps,
    figures_of,
    start_of_today,
    wrap_up_transitions,
)
from acd.routing import QueuePolicy, WaitingCall
from acd.tracker import CallDelta
from models import AgentTransition, Base, Call, CallOutcome

COLUMNS = ("queue", "queued_at", "connected_at", "ended_at", "outcome", "agent_id")
# the threshold of a queue the policies do not name (yet)
DEFAULT_THRESHOLD = QueuePolicy("", "", "").service_level_seconds
# Wrap-up transitions kept for the next day's replay: those of the day's last hours (a day is
# 23 hours at the shortest).
KEEP_AFTER = timedelta(hours=20)
DAY_CHECK_SECONDS = 60.0  # how often the writers' side looks for a new day


@dataclass(slots=True)
class _Call:
    """What the figures read of a call's row."""

    linkedid: str
    queue: str | None = None
    queued_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: CallOutcome = CallOutcome.IN_PROGRESS
    agent_id: int | None = None


Transition = tuple[str, str, str, datetime]  # call linkedid, from state, to state, at


class LiveFigures:
    """`policies`: the queues as the desk routes them now (their service level thresholds);
    `today`: where today begins (a test's clock)."""

    def __init__(self, server: str, policies: Callable[[], Mapping[str, QueuePolicy]],
                 today: Callable[[], datetime] = start_of_today) -> None:
        self.server = server
        self._policies = policies
        self._today = today
        self.since = today()
        self._calls: dict[str, _Call] = {}  # by linkedid; a retired one under a key of its own
        self._retired = 0
        self._wrap_ups = WrapUps()
        self._late_wraps: list[Transition] = []  # for the next day
        self._tallies: dict[str, QueueTally] = {}
        self._trend: dict[str, dict[int, list[int]]] = {}  # queue -> interval -> KINDS' counts
        self._handled: dict[int, int] = {}
        self._day_checked = time.monotonic()

    # -- loading ---------------------------------------------------------------------------------

    async def load(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Today's calls and wrap-ups from the database, and the calls still in progress
        there (they may join a queue or reach an agent yet): before anything is submitted to
        the writers, so no row is counted twice or missed."""
        since = self._today()
        async with sessions() as s:
            rows = (await s.execute(
                select(Call.linkedid, *(getattr(Call, c) for c in COLUMNS))
                .where(Call.pbx_server == self.server, or_(
                    and_(Call.queued_at >= since, Call.queue.is_not(None)),
                    and_(Call.connected_at >= since, Call.agent_id.is_not(None)),
                    Call.outcome == CallOutcome.IN_PROGRESS)))).all()
            wraps = (await s.execute(wrap_up_transitions(since))).all()
        self.start_day(since, (_Call(row.linkedid, _interned(row.queue), *row[2:]) for row in rows),
                       ((w.call_linkedid, w.from_state, w.to_state, w.at) for w in wraps))

    def start_day(self, since: datetime, calls: Iterable[_Call],
                  wraps: Iterable[Transition]) -> None:
        """The figures of the day from `since` counted afresh from these calls and wrap-ups."""
        self.since = since
        self._calls = {c.linkedid: c for c in calls}
        self._tallies, self._trend, self._handled = {}, {}, {}
        self._wrap_ups, self._late_wraps = WrapUps(), []
        for wrap in wraps:
            self._wrapped(wrap, None)
        for call in self._calls.values():
            self._count(call, 1)

    # -- what the writers are handed ---------------------------------------------------------------

    def calls_changed(self, deltas: list[CallDelta]) -> None:
        """The call log's deltas, as it writes them: a row opens with `offered_at`, a new call
        under a finished one's key retires the old row (which keeps its figures)."""
        self._check_day_now_and_then()
        for delta in deltas:
            if delta.server != self.server or not delta.fields:
                continue
            fields = delta.fields
            call = self._calls.get(delta.linkedid)
            if "offered_at" in fields and call is not None \
                    and call.outcome != CallOutcome.IN_PROGRESS:
                self._retire(call)
                call = None
            if call is None:
                if "offered_at" not in fields:
                    continue  # the call log writes no row for it either
                call = self._calls[delta.linkedid] = _Call(delta.linkedid)
            changes = [(c, column_value(c, fields[c])) for c in COLUMNS if c in fields]
            if "queue" in fields:  # one string per queue, not one per call held all day
                changes = [(c, _interned(v) if c == "queue" else v) for c, v in changes]
            if any(getattr(call, c) != v for c, v in changes):
                self._count(call, -1)
                for column, value in changes:
                    setattr(call, column, value)
                self._count(call, 1)

    def journaled(self, row: Base) -> None:
        """A row handed to the journal: an agent's transition into or out of a wrap-up counts."""
        if isinstance(row, AgentTransition) and row.call_linkedid is not None \
                and AgentState.WRAP_UP in (row.from_state, row.to_state):
            self._check_day_now_and_then()
            wrap = (row.call_linkedid, row.from_state, row.to_state, row.at)
            self._wrapped(wrap, self._calls.get(row.call_linkedid))

    # -- what is read ----------------------------------------------------------------------------

    def day_start(self) -> datetime:
        """Where the figures' day begins (a new day starts the figures afresh first)."""
        today = self._today()
        if today != self.since:
            self._new_day(today)
        return self.since

    def queues(self, policies: Mapping[str, QueuePolicy], waiting: Iterable[WaitingCall],
               now: float) -> list[QueueFigures]:
        """Each of these queues since midnight, as acd.figures.queue_figures counts them."""
        self.day_start()
        for name, policy in policies.items():
            tally = self._tallies.get(name)
            if tally is not None and tally.threshold != policy.service_level_seconds:
                self._recount(name, policy.service_level_seconds)  # its settings changed
        return figures_of(policies, self._tallies, waiting, now)

    def handled_today(self) -> Mapping[int, int]:
        """The calls each agent was connected to today, by agent id."""
        self.day_start()
        return self._handled

    def trend(self, starts: Sequence[datetime]) -> dict[str, dict[str, list[int]]]:
        """As acd.board.trend counts today's calls for these intervals of today."""
        since = self.day_start()
        if not starts:
            return {}
        first = (starts[0] - since) // INTERVAL
        out = {}
        for queue, counts in self._trend.items():
            window = [counts.get(first + i, (0, 0, 0)) for i in range(len(starts))]
            if any(offered for offered, _, _ in window):
                out[queue] = {kind: [c[k] for c in window] for k, kind in enumerate(KINDS)}
        return out

    # -- internals -------------------------------------------------------------------------------

    def _check_day_now_and_then(self) -> None:
        """A new day's figures start at the next read; the writers' side looks now and then
        too, so what is kept for the new day stays small while nobody reads."""
        if time.monotonic() - self._day_checked >= DAY_CHECK_SECONDS:
            self._day_checked = time.monotonic()
            self.day_start()

    def _new_day(self, today: datetime) -> None:
        kept = [c for c in self._calls.values() if c.outcome == CallOutcome.IN_PROGRESS
                or (c.queued_at is not None and c.queued_at >= today)
                or (c.connected_at is not None and c.connected_at >= today)]
        self.start_day(today, kept, [w for w in self._late_wraps if w[3] >= today])

    def _retire(self, call: _Call) -> None:
        """As the call log renames the row: its wrap-ups no longer found by its linkedid."""
        self._count(call, -1)
        del self._calls[call.linkedid]
        self._retired += 1
        call.linkedid = f"{call.linkedid}~{self._retired}"
        self._calls[call.linkedid] = call
        self._count(call, 1)

    def _wrapped(self, wrap: Transition, call: _Call | None) -> None:
        """A wrap-up's transition; `call` (counted already) has its handle time grow."""
        linkedid, before, after, at = wrap
        if at >= self.since + KEEP_AFTER:
            self._late_wraps.append(wrap)
        if at < self.since:
            return
        grown = self._wrap_ups.feed(linkedid, before, after, at)
        if grown and call is not None and call.queue is not None and self._queued_today(call) \
                and call.connected_at is not None and call.ended_at is not None:
            self._tally(call.queue).handle_micros += grown

    def _queued_today(self, call: _Call) -> bool:
        return call.queue is not None and call.queued_at is not None \
            and call.queued_at >= self.since

    def _count(self, call: _Call, sign: int) -> None:
        """The call counted in (1) or out (-1) of the queue it joined today and of the agent
        it reached today."""
        queued = self._queued(call)
        if queued is not None:
            self._tally(queued.queue).count(queued, sign)
            interval = int((queued.queued_at.timestamp() - self.since.timestamp())
                           // INTERVAL.total_seconds())
            counts = self._trend.setdefault(queued.queue, {}).setdefault(interval, [0, 0, 0])
            counts[0] += sign
            if queued.connected_at is not None:
                counts[1] += sign
            elif queued.abandoned:
                counts[2] += sign
        agent = call.agent_id
        if agent is not None and call.connected_at is not None \
                and call.connected_at >= self.since:
            handled = self._handled.get(agent, 0) + sign
            if handled:
                self._handled[agent] = handled
            else:
                del self._handled[agent]

    def _tally(self, queue: str) -> QueueTally:
        tally = self._tallies.get(queue)
        if tally is None:
            policy = self._policies().get(queue)
            tally = self._tallies[queue] = QueueTally(
                policy.service_level_seconds if policy is not None else DEFAULT_THRESHOLD)
        return tally

    def _recount(self, queue: str, threshold: float) -> None:
        tally = self._tallies[queue] = QueueTally(threshold)
        for call in self._calls.values():
            if call.queue == queue and (queued := self._queued(call)) is not None:
                tally.count(queued)

    def _queued(self, call: _Call) -> QueuedCall | None:
        """The call as its queue's tally counts it, if it joined the queue today."""
        if not self._queued_today(call):
            return None
        assert call.queue is not None and call.queued_at is not None
        return QueuedCall(call.queue, call.queued_at, call.connected_at, call.ended_at,
                          call.outcome == CallOutcome.ABANDONED,
                          self._wrap_ups.seconds(call.linkedid))



def _interned(queue: str | None) -> str | None:
    return sys.intern(queue) if queue is not None else None
