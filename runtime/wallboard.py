"""The wallboard's picture of the call center: every queue's figures and colour, the totals,
every agent's state and time in state (and the agents counted by state), who is being monitored,
and the trend of the last hours per 15 minutes, from the figures the engine keeps as calls
change (acd.live_figures). One picture a second at most, however many wallboards are open; a
viewer of a branch is shown its branch's queues and agents, and totals and a trend of those
alone."""
import dataclasses
import time
from datetime import datetime
from typing import Any

from acd.board import agents_counted, interval_starts, summed, totals
from acd.figures import session_status
from services.principal import Principal

FRESH_SECONDS = 1.0


class Wallboard:
    def __init__(self, engine) -> None:
        self.engine = engine
        self._cached: tuple[float, dict[str, Any]] | None = None

    async def snapshot(self, viewer: Principal) -> dict[str, Any]:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] >= FRESH_SECONDS:
            self._cached = (now, await self._build())
        return _seen_by(viewer, self._cached[1])

    async def _build(self) -> dict[str, Any]:
        desk, figures = self.engine.desk, self.engine.figures
        midnight = figures.day_start()
        queues = figures.queues(desk.router.policies, desk.router.waiting_calls(), desk.clock())
        handled = figures.handled_today()
        monitored = {m.agent_id: {"id": m.id, "supervisor": m.supervisor, "state": m.state}
                     for m in self.engine.monitors.active.values()}
        agents = [session_status(desk, a) | {"calls_handled_today": handled.get(a.id, 0),
                                             "monitored": monitored.get(a.id)}
                  for a in sorted(desk.agents.values(), key=lambda a: a.number)]
        starts = interval_starts(midnight, datetime.now().astimezone())
        return {"queues": [dataclasses.asdict(q) for q in queues], "agents": agents,
                "trend_starts": [s.isoformat() for s in starts],
                "trend": figures.trend(starts)}


def _seen_by(viewer: Principal, whole: dict[str, Any]) -> dict[str, Any]:
    queues, agents = whole["queues"], whole["agents"]
    if not viewer.sees_all_branches:
        queues = [q for q in queues if viewer.may_see_branch_code(q["branch"])]
        agents = [a for a in agents if viewer.may_see_branch_code(a["branch"])]
    starts = whole["trend_starts"]
    return {"queues": queues, "agents": agents, "totals": totals(queues),
            "agents_by_state": agents_counted(agents),
            "trend": {"starts": starts, **summed(whole["trend"], (q["queue"] for q in queues),
                                                 len(starts))}}
