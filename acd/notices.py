"""What the desk tells the outside world as it happens (the agent desktop turns these into live
events): an agent's state changed, a call (inbound, or a campaign's) was offered to an agent."""
from dataclasses import dataclass

from acd.agent_state import AgentState, PauseReason


@dataclass(frozen=True, slots=True)
class AgentChanged:
    agent_id: int
    before: AgentState
    after: AgentState
    event: str  # the agent event's name, "Resume" for a session taken over after a restart
    reason: PauseReason | None  # while paused
    call_id: str | None  # the call reserved, on, or wrapped up (or just released or dropped)
    wrap_up_seconds: float | None  # when entering wrap-up


@dataclass(frozen=True, slots=True)
class CallOffered:
    """The router chose this agent for this call: what the desk knows without a database."""

    agent_id: int
    call_id: str
    queue: str
    branch: str
    business_type: str
    language: str
    retailer_id: int | None
    retailer_class: str | None
    caller_number: str
    waited_seconds: float


@dataclass(frozen=True, slots=True)
class OutboundOffered:
    """The dialer gave this agent an answered call of a campaign."""

    agent_id: int
    call_id: str
    campaign_id: int
    campaign: str
    attempt_id: int
    contact_id: int
    phone: str
    amd_check: bool = False  # AMD took it for a machine; the agent says whether a person is there


Notice = AgentChanged | CallOffered | OutboundOffered
