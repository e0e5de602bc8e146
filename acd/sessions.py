"""Agent sessions on the PBX: at login the engine calls the agent's phone into the agent's own
bridge, where it stays for the shift; a caller is delivered by Redirect into that bridge (no
ringing). The PBX's events drive each agent's state machine (acd/agent_state.py)."""
import logging
import time
import uuid
from collections.abc import Callable

from acd.agent_state import (
    AgentMachine, AgentState, CallEnded, ConnectCall, Login, ReleaseReservation, Reserve, SessionLost,
    SessionUp, Transition,
)
from asterisk import dialplan as dp
from asterisk.ami import AmiClient, AmiError, AmiItem
from asterisk.events import ConfbridgeJoin, ConfbridgeLeave, Hangup, OriginateResponse

log = logging.getLogger("hotline.acd.sessions")


class AgentSessions:
    def __init__(self, ami: AmiClient, clock: Callable[[], float] = time.time) -> None:
        self.ami = ami
        self.clock = clock
        self.machines: dict[int, AgentMachine] = {}
        self._legs: dict[str, int] = {}  # the phone leg's uniqueid -> agent
        self._calls: dict[str, tuple[int, str]] = {}  # caller's channel name -> (agent, call id)

    def machine(self, agent_id: int) -> AgentMachine:
        return self.machines.setdefault(agent_id, AgentMachine(agent_id))

    async def login(self, agent_id: int, endpoint: str) -> Transition:
        """Start the shift: the agent's phone rings once and joins the agent's bridge."""
        transition = self.machine(agent_id).feed(Login(), self.clock())
        leg = f"agent-{agent_id}-{uuid.uuid4().hex[:12]}"
        self._legs[leg] = agent_id
        try:
            await self.ami.originate(f"PJSIP/{endpoint}", context=dp.CTX_SESSION,
                                     exten=str(agent_id), caller_id=f"hotline <{agent_id}>",
                                     channel_id=leg)
        except AmiError:
            self._legs.pop(leg, None)
            self.machine(agent_id).feed(SessionLost(), self.clock())
            raise
        return transition

    def forget_leg(self, agent_id: int) -> str | None:
        """At logout: the leg's end is no longer a lost session. Returns the leg's uniqueid."""
        leg = next((u for u, a in self._legs.items() if a == agent_id), None)
        if leg is not None:
            del self._legs[leg]
        return leg

    async def deliver(self, agent_id: int, call_id: str, channel: str) -> None:
        """Move a waiting caller into the agent's bridge. On failure the agent is free again and
        the caller stays where it was: the router puts the call back at the head."""
        machine = self.machine(agent_id)
        machine.feed(Reserve(call_id), self.clock())
        self._calls[channel] = (agent_id, call_id)
        try:
            await self.ami.action("Redirect", {"Channel": channel, "Context": dp.CTX_CONNECT,
                                               "Exten": str(agent_id), "Priority": "1"})
        except AmiError:
            self._calls.pop(channel, None)
            machine.feed(ReleaseReservation(call_id), self.clock())
            raise

    def feed(self, item: AmiItem) -> list[Transition]:
        """The PBX's events, in order; the agent transitions they caused."""
        now = self.clock()
        match item:
            case ConfbridgeJoin(channel=ch, conference=conference):
                if ch.uniqueid in self._legs:
                    return [self.machine(self._legs[ch.uniqueid]).feed(SessionUp(), now)]
                agent_call = self._calls.get(ch.name)
                if agent_call and conference == f"{dp.AGENT_BRIDGE_PREFIX}{agent_call[0]}":
                    agent_id, call_id = agent_call
                    return [self.machine(agent_id).feed(ConnectCall(call_id), now)]
            case ConfbridgeLeave(channel=ch) if ch.name in self._calls:
                agent_id, call_id = self._calls.pop(ch.name)
                return [self.machine(agent_id).feed(CallEnded(call_id), now)]
            case Hangup(channel=ch) if ch.uniqueid in self._legs:
                return [self._lost(self._legs.pop(ch.uniqueid), now)]
            case Hangup(channel=ch) if ch.name in self._calls:  # gone while being connected
                agent_id, call_id = self._calls.pop(ch.name)
                machine = self.machine(agent_id)
                if machine.state == AgentState.RESERVED:
                    return [machine.feed(ReleaseReservation(call_id), now)]
            case OriginateResponse(uniqueid=leg, response="Failure") if leg in self._legs:
                return [self._lost(self._legs.pop(leg), now)]
        return []

    def _lost(self, agent_id: int, now: float) -> Transition:
        log.warning("agent session lost", extra={"agent_id": agent_id})
        for channel, (owner, _) in list(self._calls.items()):
            if owner == agent_id:  # the bridge released the caller with the agent's leg
                del self._calls[channel]
        return self.machine(agent_id).feed(SessionLost(), now)
