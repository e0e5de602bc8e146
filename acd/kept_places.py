"""Virtual hold: a caller who asks to be called back at the maximum wait keeps its place. A
stand-in waits in the router with the caller's time of joining and its priority; when its turn
comes, the agent chosen is reserved and the caller is called back (the dialer's part), to reach
that agent when it answers: no earlier than its turn, and no later."""
import uuid
from dataclasses import dataclass

from acd.routing import QueuePolicy, WaitingCall


@dataclass(frozen=True, slots=True)
class KeptPlace:
    call_id: str  # the stand-in's, and the call back's own channel id
    linkedid: str  # the call that asked
    caller_number: str
    branch: str  # the queue's
    retailer_id: int | None


@dataclass(frozen=True, slots=True)
class Turn:
    """A kept place's turn: its agent is reserved for the call back."""

    agent_id: int
    place: KeptPlace


def stand_in(policy: QueuePolicy, linkedid: str, caller_number: str, joined: float,
             facts: dict[str, str]) -> tuple[KeptPlace, WaitingCall]:
    """The kept place and the call that waits for it in the router, where the caller was."""
    retailer = facts.get("retailer", "")
    place = KeptPlace(f"dial-{uuid.uuid4().hex}", linkedid, caller_number, policy.branch,
                      int(retailer) if retailer.isdigit() else None)
    return place, WaitingCall(place.call_id, policy.name, policy.branch, policy.business_type,
                              joined, language=facts.get("language") or "zh",
                              priority=policy.priority_of(facts.get("class")))
