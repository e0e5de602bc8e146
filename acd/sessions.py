"""Agent sessions on the PBX: at login the engine calls the agent's phone, which stays on the
line for the shift, waiting in a silent holding bridge of its own; a caller is delivered by a
Redirect to the dialplan that bridges it with the agent's leg (no ringing). The PBX's events
drive each agent's state machine (acd/agent_state.py)."""
import logging
import time
import uuid
from collections.abc import Callable

from acd.agent_state import (
    AgentMachine,
    AgentState,
    CallEnded,
    ConnectCall,
    InvalidTransition,
    Login,
    PauseReason,
    ReleaseReservation,
    Reserve,
    SessionLost,
    SessionUp,
    Transition,
)
from asterisk import dialplan as dp
from asterisk.actions import Originate, Pbx, Redirect
from asterisk.ami import AmiError, AmiItem
from asterisk.events import BridgeEnter, BridgeLeave, Hangup, OriginateResponse, QueueCallerJoin

log = logging.getLogger("hotline.acd.sessions")


class CallControlRefused(Exception):
    """The call is not in a state for this (`rule` names why)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class AgentSessions:
    def __init__(self, pbx: Pbx, clock: Callable[[], float] = time.time) -> None:
        self.pbx = pbx
        self.clock = clock
        self.machines: dict[int, AgentMachine] = {}
        self._legs: dict[str, int] = {}  # the phone leg's uniqueid -> agent
        self._calls: dict[str, tuple[int, str]] = {}  # caller's channel name -> (agent, call id)
        self._wrap_up: dict[str, float] = {}  # call id -> the queue's wrap-up seconds
        self._leg_names: dict[int, str] = {}  # agent -> the phone leg's channel name
        self._conferences: set[str] = set()  # callers whose call was moved into a conference
        self._moving: set[str] = set()  # of those, the ones on their way there
        self._held: set[str] = set()  # callers the agent put on hold (out of its bridge)
        self._returning: set[str] = set()  # of those, the ones on their way back to the agent
        self._handoff: dict[str, int] = {}  # callers on their way to another agent (transfer)

    def machine(self, agent_id: int) -> AgentMachine:
        return self.machines.setdefault(agent_id, AgentMachine(agent_id))

    async def login(self, agent_id: int, endpoint: str) -> Transition:
        """Start the shift: the agent's phone rings once and waits in its holding bridge."""
        transition = self.machine(agent_id).feed(Login(), self.clock())
        self.forget_leg(agent_id)  # a lost session's call back, if one was ringing
        try:
            await self._call_phone(agent_id, endpoint)
        except AmiError:
            self.machine(agent_id).feed(SessionLost(), self.clock())
            raise
        return transition

    async def reconnect(self, agent_id: int, endpoint: str) -> None:
        """A session the PBX lost (it restarted): the phone is called back, and the agent is
        where it was (available, or in its pause) once it answers; until then, and if it does
        not, session lost. Raises AmiError."""
        if self.machine(agent_id).state != AgentState.SESSION_LOST:
            raise InvalidTransition(agent_id, self.machine(agent_id).state, SessionUp(),
                                    "the session is not lost")
        await self._call_phone(agent_id, endpoint)

    async def _call_phone(self, agent_id: int, endpoint: str) -> None:
        leg = f"agent-{agent_id}-{uuid.uuid4().hex[:12]}"
        self._legs[leg] = agent_id
        try:
            await self.pbx.perform(Originate(f"PJSIP/{endpoint}", dp.CTX_SESSION, str(agent_id),
                                             leg, caller_id=f"hotline <{agent_id}>"))
        except AmiError:
            self._legs.pop(leg, None)
            raise

    def adopt_leg(self, agent_id: int, uniqueid: str, resumed: bool = False,
                  name: str | None = None) -> Transition:
        """A phone leg already on the PBX becomes the agent's session: the agent logged in by
        the feature code, or the engine found the leg in its session after a restart."""
        transition = self.machine(agent_id).feed(Login(resumed), self.clock())
        self._legs[uniqueid] = agent_id
        if name:
            self._leg_names[agent_id] = name
        return transition

    def leg_of(self, agent_id: int) -> str | None:
        return next((u for u, a in self._legs.items() if a == agent_id), None)

    def forget_leg(self, agent_id: int) -> str | None:
        """At logout: the leg's end is no longer a lost session. Returns the leg's uniqueid."""
        leg = self.leg_of(agent_id)
        if leg is not None:
            del self._legs[leg]
        self._leg_names.pop(agent_id, None)
        return leg

    def reserve(self, agent_id: int, call_id: str, wrap_up_seconds: float | None = None
                ) -> Transition:
        transition = self.machine(agent_id).feed(Reserve(call_id), self.clock())
        if wrap_up_seconds is not None:
            self._wrap_up[call_id] = wrap_up_seconds
        return transition

    def release(self, agent_id: int, call_id: str) -> Transition:
        """A reserved agent whose call will not come (the dialer's customer did not answer)."""
        self._wrap_up.pop(call_id, None)
        return self.machine(agent_id).feed(ReleaseReservation(call_id), self.clock())

    async def connect(self, agent_id: int, call_id: str, channel: str,
                      context: str = dp.CTX_CONNECT) -> None:
        """The reserved agent's call: Redirect its channel to CTX_CONNECT, which bridges it
        with the agent's leg (by way of CTX_CONNECT_RECORDED for a call that is recorded)."""
        machine = self.machine(agent_id)
        if machine.state != AgentState.RESERVED or machine.current_call != call_id:
            raise InvalidTransition(agent_id, machine.state, ConnectCall(call_id),
                                    "the agent is not reserved for this call")
        self._calls[channel] = (agent_id, call_id)
        try:
            await self.pbx.perform(Redirect(channel, context, str(agent_id)))
        except AmiError:  # the agent stays reserved: the caller decides (release, or retry)
            self._calls.pop(channel, None)
            raise

    async def hold(self, agent_id: int, channel: str) -> None:
        """The caller waits with music, out of the agent's bridge: the agent hears nothing of it
        and stays on the call. Raises CallControlRefused or AmiError."""
        if self.machine(agent_id).state != AgentState.ON_CALL:
            raise CallControlRefused("call_not_connected", "the call is not connected yet")
        if channel in self._held:
            raise CallControlRefused("call_on_hold", "the caller is on hold already")
        if channel in self._conferences:
            raise CallControlRefused("call_in_conference", "a supervisor is in this call")
        self._held.add(channel)
        try:
            await self.pbx.perform(Redirect(channel, dp.CTX_HOLD, "s"))
        except AmiError:
            self._held.discard(channel)
            raise

    async def resume(self, agent_id: int, channel: str) -> None:
        """The held caller back in a bridge with the agent's leg. Raises CallControlRefused or
        AmiError."""
        if channel not in self._held:
            raise CallControlRefused("call_not_on_hold", "the caller is not on hold")
        # Held until its BridgeEnter: no hold or consultation may redirect it on the way.
        self._returning.add(channel)
        try:
            await self.pbx.perform(Redirect(channel, dp.CTX_CONNECT, str(agent_id)))
        except AmiError:
            self._returning.discard(channel)
            raise

    def refuse_if_returning(self, channel: str) -> None:
        """A caller redirected back to its agent cannot be redirected again until it is there
        (the PBX would refuse, or the caller would be left in a bridge the agent's leg leaves)."""
        if channel in self._returning:
            raise CallControlRefused("call_returning", "the caller is on the way back to the agent")

    async def hand_over(self, channel: str, agent_id: int, context: str) -> list[Transition]:
        """Blind transfer to a named agent, reserved for the call already: the caller leaves
        its agent (who wraps up) for `agent_id`'s leg, by way of `context`. Raises AmiError."""
        first, call_id = self._calls[channel]
        ended = self._leave_held(channel)
        if ended:  # on hold, out of the first agent's bridge already
            self._calls[channel] = (agent_id, call_id)
        else:
            self._handoff[channel] = agent_id
        try:
            await self.pbx.perform(Redirect(channel, context, str(agent_id)))
        except AmiError:
            self._handoff.pop(channel, None)
            if ended:
                self._calls[channel] = (first, call_id)  # the held caller is still the first's
                self._held.add(channel)
            raise
        return [self.machine(first).feed(CallEnded(call_id), self.clock())] if ended else []

    async def send_away(self, channel: str, redirect: Redirect) -> list[Transition]:
        """The caller leaves its agent for a place outside the ACD (an outside number): the
        agent wraps up. Raises AmiError."""
        await self.pbx.perform(redirect)
        if channel in self._held:  # no BridgeLeave will come: the call ends here
            return [self.end_call(channel)]
        return []

    def end_call(self, channel: str) -> Transition:
        """The caller has left its agent (outside the agent's bridge): the agent wraps up."""
        agent_id, call_id = self._pop_call(channel)
        return self.machine(agent_id).feed(CallEnded(call_id), self.clock())

    def take_over(self, channel: str, agent_id: int, call_id: str, moving: bool) -> None:
        """The caller is `agent_id`'s call now (a consultation completed to that agent, already
        on the call); `moving`: out of a conference, whose leaving is not the call's end."""
        self._calls[channel] = (agent_id, call_id)
        if moving:
            self._moving.add(channel)

    def is_held(self, channel: str) -> bool:
        return channel in self._held

    def into_conference(self, channel: str) -> None:
        """The caller is moving from hold into a conference with its agent (a three-way call):
        still the agent's call, and not to be held or barged again."""
        self._held.discard(channel)
        self._conferences.add(channel)

    def _leave_held(self, channel: str) -> bool:
        """Whether the caller was on hold (and is not any more)."""
        held = channel in self._held
        self._held.discard(channel)
        return held

    async def conference(self, agent_id: int) -> None:
        """Move the agent's call, caller and leg together, into a conference of the agent's
        that a supervisor can join: a two-party bridge ends when any of its channels hangs up,
        so it cannot take a third party. Once per call. Raises LookupError (no call to move)
        or AmiError."""
        channel, leg = self.call_channel(agent_id), self._leg_names.get(agent_id)
        if channel is None or leg is None or self.machine(agent_id).state != AgentState.ON_CALL:
            raise LookupError("the agent has no call to barge into")
        if channel in self._conferences:
            return
        self._conferences.add(channel)
        self._moving.add(channel)
        exten = str(agent_id)
        try:
            await self.pbx.perform(Redirect(
                channel, dp.CTX_CONNECT, exten, dp.BARGE_LABEL,
                also=Redirect(leg, dp.CTX_SESSION, exten, dp.BARGE_LABEL)))
        except AmiError:
            self._conferences.discard(channel)
            self._moving.discard(channel)
            raise

    def call_channel(self, agent_id: int) -> str | None:
        """The customer's channel of the agent's current call."""
        return next((ch for ch, (a, _) in self._calls.items() if a == agent_id), None)

    def call_of(self, channel: str) -> str | None:
        """The id of the call whose customer is on `channel`."""
        found = self._calls.get(channel)
        return found[1] if found else None

    def leg_channel(self, agent_id: int) -> str | None:
        return self._leg_names.get(agent_id)

    def adopt_call(self, agent_id: int, call_id: str, channel: str,
                   wrap_up_seconds: float | None = None) -> list[Transition]:
        """A caller found bridged to the agent after a restart: the agent is on that call, and
        wraps it up as its queue says."""
        machine = self.machine(agent_id)
        self._calls[channel] = (agent_id, call_id)
        now = self.clock()
        return [machine.feed(Reserve(call_id), now),
                machine.feed(ConnectCall(call_id, wrap_up_seconds), now)]

    def feed(self, item: AmiItem) -> list[Transition]:
        """The PBX's events, in order; the agent transitions they caused."""
        now = self.clock()
        match item:
            case BridgeEnter(channel=ch) if ch.uniqueid in self._legs:
                # Into its holding bridge at the start (the session is up), and again after
                # every call; into a caller's bridge for each call.
                self._leg_names[self._legs[ch.uniqueid]] = ch.name
                machine = self.machine(self._legs[ch.uniqueid])
                if (machine.pause_reason != PauseReason.LOGIN
                        and machine.state != AgentState.SESSION_LOST):
                    return []  # already up: the engine resumed it from the PBX's own list
                return [machine.feed(SessionUp(), now)]
            case BridgeEnter(channel=ch) if ch.name in self._held:
                self._held.discard(ch.name)  # back with the agent after a hold
                self._returning.discard(ch.name)
            case BridgeEnter(channel=ch) if ch.name in self._calls:
                agent_id, call_id = self._calls[ch.name]
                machine = self.machine(agent_id)
                if machine.state != AgentState.RESERVED or machine.current_call != call_id:
                    return []
                wrap_up = self._wrap_up.pop(call_id, None)
                return [machine.feed(ConnectCall(call_id, wrap_up), now)]
            case QueueCallerJoin(channel=ch) if ch.name in self._calls:
                # The dialplan sent the caller back: the agent's leg was gone or busy.
                agent_id, call_id = self._pop_call(ch.name)
                machine = self.machine(agent_id)
                if machine.state == AgentState.RESERVED and machine.current_call == call_id:
                    return [machine.feed(ReleaseReservation(call_id), now)]
                if machine.state == AgentState.ON_CALL and machine.current_call == call_id:
                    return [machine.feed(CallEnded(call_id), now)]  # transferred from hold
            case BridgeLeave(channel=ch) if ch.name in self._held:
                pass  # on hold: still the agent's call
            case BridgeLeave(channel=ch) if ch.name in self._moving:
                self._moving.discard(ch.name)  # into the conference: still on the call
            case BridgeLeave(channel=ch) if ch.name in self._calls:
                to = self._handoff.pop(ch.name, None)
                wrap_up = self._wrap_up.get(self._calls[ch.name][1])
                agent_id, call_id = self._pop_call(ch.name)
                if to is not None:  # transferred: on its way to the next agent's leg
                    self._calls[ch.name] = (to, call_id)
                    if wrap_up is not None:
                        self._wrap_up[call_id] = wrap_up
                return [self.machine(agent_id).feed(CallEnded(call_id), now)]
            case Hangup(channel=ch) if ch.uniqueid in self._legs:
                return [self.lost(self._legs.pop(ch.uniqueid), now)]
            case Hangup(channel=ch) if ch.name in self._calls:
                # The PBX may report the caller's hangup before its BridgeLeave.
                agent_id, call_id = self._pop_call(ch.name)
                machine = self.machine(agent_id)
                if machine.current_call != call_id:
                    return []
                if machine.state == AgentState.RESERVED:  # gone while being connected
                    return [machine.feed(ReleaseReservation(call_id), now)]
                if machine.state == AgentState.ON_CALL:
                    return [machine.feed(CallEnded(call_id), now)]
            case OriginateResponse(uniqueid=leg, response="Failure") if leg in self._legs:
                agent_id = self._legs.pop(leg)
                if self.machine(agent_id).state == AgentState.SESSION_LOST:
                    return []  # a call back unanswered: lost it stays
                return [self.lost(agent_id, now)]
        return []

    def lost(self, agent_id: int, now: float) -> Transition:
        """The agent's phone leg is gone (forget_leg it first when it was not seen going)."""
        log.warning("agent session lost", extra={"agent_id": agent_id})
        self._leg_names.pop(agent_id, None)
        for channel, (owner, _) in list(self._calls.items()):
            if owner == agent_id:  # the bridge released the caller with the agent's leg
                self._pop_call(channel)
        return self.machine(agent_id).feed(SessionLost(), now)

    def _pop_call(self, channel: str) -> tuple[int, str]:
        """The call of this caller's channel is over here: forget all that was kept of it."""
        self._conferences.discard(channel)
        self._moving.discard(channel)
        self._held.discard(channel)
        self._returning.discard(channel)
        self._handoff.pop(channel, None)
        agent_id, call_id = self._calls.pop(channel)
        self._wrap_up.pop(call_id, None)
        return agent_id, call_id
