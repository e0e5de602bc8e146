"""The wallboard's picture of the call center: every queue's figures, every agent's state and
time in state, and who is being monitored. One snapshot a second at most, however many
wallboards are open; a viewer of a branch is shown its branch's queues and agents."""
import dataclasses
import time
from typing import Any

from acd.figures import load_since, queue_figures, session_status, start_of_today
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
        desk = self.engine.desk
        calls, handled = await load_since(self.engine.sessions, desk.server, start_of_today())
        queues = queue_figures(desk.router.policies, calls, desk.router.waiting_calls(),
                               desk.clock())
        monitored = {m.agent_id: {"id": m.id, "supervisor": m.supervisor, "state": m.state}
                     for m in self.engine.monitors.active.values()}
        agents = [session_status(desk, a) | {"calls_handled_today": handled.get(a.id, 0),
                                             "monitored": monitored.get(a.id)}
                  for a in sorted(desk.agents.values(), key=lambda a: a.number)]
        return {"queues": [dataclasses.asdict(q) for q in queues], "agents": agents}


def _seen_by(viewer: Principal, whole: dict[str, Any]) -> dict[str, Any]:
    if viewer.sees_all_branches:
        return whole
    return {"queues": [q for q in whole["queues"] if viewer.may_see_branch_code(q["branch"])],
            "agents": [a for a in whole["agents"] if viewer.may_see_branch_code(a["branch"])]}
