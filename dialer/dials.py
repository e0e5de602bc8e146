"""A call the dialer placed and has not yet seen end."""
from dataclasses import dataclass, field
from datetime import datetime

from dialer.plan import Plan


@dataclass
class Dial:
    plan: Plan
    attempt_id: int
    contact_id: int
    attempts: int  # this one included
    phone: str
    channel_id: str
    dial_string: str
    started: float  # the dialer's clock
    answered: float | None = None
    live: bool = False
    channel: str | None = None  # its name, once it exists
    agent_id: int | None = None
    connected: float | None = None
    refused: float | None = None  # when the PBX said it failed, waiting for the Hangup's cause
    pinned_agent_id: int | None = None  # claimed before dialing: a callback's, or previewing
    amd_check: bool = False  # kept on to an agent if AMD takes it for a machine
    amd_result: str | None = None  # AMDSTATUS:AMDCAUSE, as the dialplan said
    times: dict[str, datetime] = field(default_factory=dict)  # answered_at, connected_at

    @property
    def checked(self) -> bool:
        """AMD took it for a machine, and it went on to an agent to check."""
        return self.amd_check and self.live and (self.amd_result or "").startswith("MACHINE")
