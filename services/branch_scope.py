"""What a user sees of the live call center: a user of a branch its branch's agents, queues
and monitorings; a user of headquarters (or of no branch) all of them. Another branch's agent
is not found, as an unknown one, except to monitor: refused naming the rule."""
from collections.abc import Mapping

from acd.desk import Desk
from acd.monitoring import Monitoring, Monitors
from acd.roster import AgentInfo
from acd.routing import QueuePolicy
from services.errors import NotAllowed, NotFound, Violation
from services.principal import Principal


def sees_agent(viewer: Principal, agent: AgentInfo) -> bool:
    return agent.id == viewer.agent_id or viewer.may_see_branch_code(agent.branch)


def agents(desk: Desk, viewer: Principal) -> list[AgentInfo]:
    return sorted((a for a in desk.agents.values() if sees_agent(viewer, a)),
                  key=lambda a: a.number)


def agent(desk: Desk, viewer: Principal, number: str) -> AgentInfo:
    found = desk.agent_by_number(number)
    if found is None or not sees_agent(viewer, found):
        raise NotFound([Violation("unknown_agent", ("path", "number"),
                                  f"agent {number} not found", {"agent": number})])
    return found


def agent_to_monitor(desk: Desk, viewer: Principal, number: str) -> AgentInfo:
    found = desk.agent_by_number(number)
    if found is None:
        raise NotFound([Violation("unknown_agent", ("body", "agent"),
                                  f"agent {number} not found", {"agent": number})])
    if not sees_agent(viewer, found):
        raise NotAllowed([Violation(
            "branch_scope", ("body", "agent"),
            f"agent {number} is of branch {found.branch}; a supervisor of branch "
            f"{viewer.branch_code} monitors its own branch's agents")])
    return found


def queue_policies(policies: Mapping[str, QueuePolicy], viewer: Principal
                   ) -> dict[str, QueuePolicy]:
    return {name: p for name, p in policies.items() if viewer.may_see_branch_code(p.branch)}


def _on_visible_agent(desk: Desk, viewer: Principal, m: Monitoring) -> bool:
    agent = desk.agents.get(m.agent_id)
    return agent is not None and sees_agent(viewer, agent)


def monitorings(monitors: Monitors, desk: Desk, viewer: Principal) -> list[Monitoring]:
    return [m for m in monitors.active.values()
            if m.user_id == viewer.user_id or _on_visible_agent(desk, viewer, m)]


def monitoring(monitors: Monitors, desk: Desk, viewer: Principal, monitor_id: str) -> Monitoring:
    m = monitors.active.get(monitor_id)
    if m is None or not (m.user_id == viewer.user_id or _on_visible_agent(desk, viewer, m)):
        raise NotFound([Violation("monitoring_active", ("path", "monitor_id"),
                                  f"monitoring {monitor_id} is not active")])
    return m
