"""What the dialer may ask of the ACD, and nothing more: the agents who work a campaign and what
they are doing, claiming one for an answered call, handing the call over, releasing a claim."""
from collections.abc import Callable
from dataclasses import dataclass

from acd.agent_state import AgentState
from acd.desk import Desk
from acd.notices import OutboundOffered
from acd.roster import AgentInfo
from acd.routing import AgentProfile
from models import RecordingPolicy

Works = Callable[[AgentInfo], bool]  # does this agent work the campaign?


@dataclass(frozen=True, slots=True)
class AgentNow:
    """An agent of the campaign, logged in."""

    agent_id: int
    state: AgentState
    time_in_state: float


class OutboundDesk:
    def __init__(self, desk: Desk) -> None:
        self._desk = desk

    def works(self, agent_id: int, works: Works) -> bool:
        info = self._desk.agents.get(agent_id)
        return info is not None and works(info)

    def free_agents(self, works: Works) -> list[AgentProfile]:
        """The campaign's agents available now, as the router has them."""
        agents = self._desk.agents
        return [p for p in self._desk.router.available_agents()
                if p.agent_id in agents and works(agents[p.agent_id])]

    def logged_in(self, works: Works, now: float) -> list[AgentNow]:
        agents = self._desk.agents
        return [AgentNow(agent_id, m.state, m.time_in_state(now))
                for agent_id, m in self._desk.sessions.machines.items()
                if m.state != AgentState.LOGGED_OUT and agent_id in agents
                and works(agents[agent_id])]

    def claim(self, call_id: str, agent_id: int, wrap_up_seconds: float | None) -> bool:
        """Reserve this agent, if still available, for the call."""
        return self._desk.claim_agent(call_id, agent_id, wrap_up_seconds)

    def holds(self, agent_id: int, call_id: str) -> bool:
        """The agent is still reserved for this call."""
        machine = self._desk.sessions.machine(agent_id)
        return machine.state == AgentState.RESERVED and machine.current_call == call_id

    async def hand_over(self, offer: OutboundOffered, channel: str,
                        recording: RecordingPolicy) -> None:
        """The claimed agent gets the screen-pop and the call. Raises AmiError (the agent is
        released) or InvalidTransition."""
        self._desk.notify(offer)
        await self._desk.connect_claimed(offer.agent_id, offer.call_id, channel,
                                         recording=recording, campaign=offer.campaign)

    async def release(self, agent_id: int, call_id: str) -> None:
        """A claimed agent whose call will not come."""
        if self.holds(agent_id, call_id):
            await self._desk.release(agent_id, call_id)
