"""An agent's consultation (attended transfer): the caller waits on hold with music while the
person consulted (a supervisor's phone, an outside number, or another agent, whose session leg
comes over from its holding bridge) is called and, once answered, talks with the agent alone;
the agent then completes the transfer (the caller and that person together, the agent wrapping
up), makes it a three-way call, or goes back to the caller (the person consulted hung up). Each
step is typed actions on the channels; the PBX's events say when the person answers or hangs
up."""
import itertools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from acd.agent_state import AgentState, CallEnded, ConnectCall, ReleaseReservation, Transition
from acd.sessions import AgentSessions, CallControlRefused
from asterisk import dialplan as dp
from asterisk.actions import HangUp, Originate, Redirect
from asterisk.ami import AmiItem
from asterisk.events import BridgeEnter, Hangup, Newchannel, OriginateResponse

CONSULTING, THREE_WAY = "consulting", "three_way"


@dataclass
class Consult:
    caller: str  # the caller's channel, on hold (or in the three-way conference)
    uniqueid: str  # the person consulted: its channel's uniqueid ...
    name: str | None = None  # ... and name, once the PBX has made it
    answered: bool = False  # bridged with the agent's leg
    phase: str = CONSULTING
    agent: int | None = None  # another agent consulted (its leg), reserved for the call ...
    call_id: str = ""  # ... for this call


class Consultations:
    def __init__(self, sessions: AgentSessions,
                 apply: Callable[[Iterable[Transition]], None]) -> None:
        """`apply`: the desk's, for the transitions of an agent consulted."""
        self.sessions, self.pbx, self.apply = sessions, sessions.pbx, apply
        self._consults: dict[int, Consult] = {}  # agent -> its consultation
        self._pairs = itertools.count(1)  # completed consultations' conferences
        self._returning: dict[int, str] = {}  # agent -> its caller, once the leg is free
        self._legs_back: dict[str, tuple[int, str]] = {}  # leg's uniqueid -> (agent, call id)

    async def start(self, agent_id: int, dial: str, caller_id: str) -> None:
        """The caller on hold (if not yet) and `dial` called (e.g. PJSIP/supervisor-1); once
        answered it is bridged with the agent's leg. Raises CallControlRefused or AmiError."""
        channel = await self._caller_on_hold(agent_id)
        consult = self._consults[agent_id] = Consult(channel, f"consult-{uuid.uuid4().hex[:16]}")
        try:
            await self.pbx.perform(Originate(dial, dp.CTX_CONSULT, str(agent_id), consult.uniqueid,
                                             caller_id=caller_id))
        except Exception:
            self._consults.pop(agent_id, None)
            raise

    async def start_with_agent(self, agent_id: int, other: int, call_id: str) -> None:
        """The caller on hold and `other`'s leg, reserved for this call already, brought from
        its holding bridge to the agent's leg. Raises CallControlRefused or AmiError."""
        leg, uniqueid = self.sessions.leg_channel(other), self.sessions.leg_of(other)
        if leg is None or uniqueid is None:
            raise CallControlRefused("agent_not_in_session", "the agent has no phone leg")
        channel = await self._caller_on_hold(agent_id)
        self._consults[agent_id] = Consult(channel, uniqueid, leg, agent=other, call_id=call_id)
        try:
            await self.pbx.perform(Redirect(leg, dp.CTX_CONSULT, str(agent_id)))
        except Exception:
            self._consults.pop(agent_id, None)
            raise

    async def _caller_on_hold(self, agent_id: int) -> str:
        """The agent's caller, put on hold if it is not yet: its channel."""
        channel = self.sessions.call_channel(agent_id)
        if channel is None:
            raise CallControlRefused("no_call", "the agent has no call")
        if agent_id in self._consults:
            raise CallControlRefused("consult_in_progress", "a consultation is in progress")
        if not self.sessions.is_held(channel):
            await self.sessions.hold(agent_id, channel)
        return channel

    async def three_way(self, agent_id: int) -> None:
        """The caller, the agent and the person consulted in one conference; the caller's
        leaving ends it for all, the person consulted may leave (the call goes on)."""
        consult = self._answered(agent_id)
        if consult.phase == THREE_WAY:
            return
        leg = self.sessions.leg_channel(agent_id)
        assert leg is not None  # the agent is on a call: its leg is up
        exten = str(agent_id)
        self.sessions.into_conference(consult.caller)
        await self.pbx.perform(Redirect(consult.caller, dp.CTX_CONSULT_JOIN, exten,
                                        also=Redirect(consult.name or "", dp.CTX_CONSULT_JOIN,
                                                      exten, dp.CONSULT_PEER_LABEL)))
        await self.pbx.perform(Redirect(leg, dp.CTX_SESSION, exten, dp.CONSULT_LABEL))
        consult.phase = THREE_WAY

    async def complete(self, agent_id: int) -> list[Transition]:
        """The caller and the person consulted together (either leaving ends it); the agent's
        call is over (wrap-up). The agent's transitions."""
        consult = self._answered(agent_id)
        pair = f"{agent_id}{next(self._pairs):06d}"
        ended = self.sessions.end_call(consult.caller)
        if consult.agent is not None:  # the caller is the other agent's call from now on
            self.sessions.take_over(consult.caller, consult.agent, consult.call_id,
                                    moving=consult.phase == THREE_WAY)
        await self.pbx.perform(Redirect(consult.caller, dp.CTX_CONSULT_PAIR, pair,
                                        also=Redirect(consult.name or "", dp.CTX_CONSULT_PAIR,
                                                      pair)))
        del self._consults[agent_id]
        return [ended]

    async def back_to_caller(self, agent_id: int) -> None:
        """The person consulted hung up (or is now), and the caller is back with the agent:
        once the agent's leg is back in its holding bridge, if the person was still on."""
        consult = self._consults.pop(agent_id, None)
        if consult is not None and consult.phase == THREE_WAY:
            await self._let_go(consult)
            return  # the caller and the agent stay in their conference
        channel = self.sessions.call_channel(agent_id)
        if channel is None or not self.sessions.is_held(channel):
            raise CallControlRefused("call_not_on_hold", "the caller is not on hold")
        if consult is not None and consult.name is not None:
            # Bridged with the leg now, the caller would take it out of the dialplan between
            # the two bridges: the caller goes once the leg is waiting again (on_event).
            self._returning[agent_id] = channel
            await self._let_go(consult)
        else:
            await self._reconnect(agent_id, channel)

    async def _let_go(self, consult: Consult, redirect: bool = True) -> None:
        """The person consulted leaves: a phone is hung up; an agent's leg goes back to its
        holding bridge (unless the conference sends it there: `redirect` False), and that agent
        wraps up once it is there: a leg on its way cannot be sent anywhere else."""
        if consult.agent is None:
            if consult.name is not None:
                await self.pbx.perform(HangUp(consult.name))
            return
        self._legs_back[consult.uniqueid] = (consult.agent, consult.call_id)
        if redirect and consult.name is not None:
            await self.pbx.perform(Redirect(consult.name, dp.CTX_SESSION, str(consult.agent),
                                            dp.IDLE_LABEL))

    def _leg_back(self, uniqueid: str) -> None:
        """A consulted agent's leg is in its holding bridge again: that agent's part is over."""
        agent_id, call_id = self._legs_back.pop(uniqueid)
        machine = self.sessions.machine(agent_id)
        if machine.current_call == call_id:
            event = CallEnded(call_id) if machine.state == AgentState.ON_CALL \
                else ReleaseReservation(call_id)
            self.apply([machine.feed(event, self.sessions.clock())])

    async def _reconnect(self, agent_id: int, channel: str) -> None:
        await self.sessions.resume(agent_id, channel)

    def _holding_bridges(self) -> dict[str, int]:
        """The holding bridges of the agents whose caller waits for the leg to be free."""
        return {f"{dp.AGENT_BRIDGE_PREFIX}{a}": a for a in self._returning}

    def _answered(self, agent_id: int) -> Consult:
        consult = self._consults.get(agent_id)
        if consult is None:
            raise CallControlRefused("no_consult", "no consultation in progress")
        if not consult.answered or consult.name is None:
            raise CallControlRefused("consult_not_answered", "the person consulted has not "
                                                             "answered yet")
        return consult

    async def on_event(self, item: AmiItem) -> None:
        """The person consulted answering, hanging up, or never reached; the caller hanging up
        while on hold hangs the person consulted up too (the agent's leg is free again)."""
        if not self._consults and not self._returning and not self._legs_back:
            return  # every event passes here: nothing to look for most of the time
        match item:
            case BridgeEnter(channel=ch, bridge_name=name) if ch.uniqueid in self._legs_back \
                    and name == f"{dp.AGENT_BRIDGE_PREFIX}{self._legs_back[ch.uniqueid][0]}":
                self._leg_back(ch.uniqueid)
            case Hangup(channel=ch) if ch.uniqueid in self._legs_back:
                self._legs_back.pop(ch.uniqueid)  # the session is lost: the desk says so
            case BridgeEnter(bridge_name=name) if self._returning and (
                    agent_id := self._holding_bridges().get(name)) is not None:
                await self._reconnect(agent_id, self._returning.pop(agent_id))
            case Hangup(channel=ch) if ch.name in self._returning.values():
                self._returning = {a: c for a, c in self._returning.items() if c != ch.name}
            case Hangup(channel=ch) if (c := self._by_caller(ch.name)) is not None:
                self._forget(c)
                await self._let_go(c, redirect=c.phase == CONSULTING)
            case Newchannel(channel=ch) if (c := self._by_uniqueid(ch.uniqueid)) is not None:
                c.name = ch.name
            case BridgeEnter(channel=ch) if (c := self._by_uniqueid(ch.uniqueid)) is not None \
                    and ch.context == dp.CTX_CONSULT and not c.answered:
                c.name, c.answered = ch.name, True
                if c.agent is not None:  # the other agent is on the call now
                    machine = self.sessions.machine(c.agent)
                    self.apply([machine.feed(ConnectCall(c.call_id), self.sessions.clock())])
            case Hangup(channel=ch) if (c := self._by_uniqueid(ch.uniqueid)) is not None:
                self._forget(c)
            case OriginateResponse(uniqueid=u, response="Failure") if (
                    c := self._by_uniqueid(u)) is not None:
                self._forget(c)

    def _by_caller(self, channel: str) -> Consult | None:
        return next((c for c in self._consults.values() if c.caller == channel), None)

    def _by_uniqueid(self, uniqueid: str) -> Consult | None:
        return next((c for c in self._consults.values() if c.uniqueid == uniqueid), None)

    def _forget(self, consult: Consult) -> None:
        """The person consulted is gone: the agent goes back to the caller when it chooses (a
        three-way call goes on as the agent's call)."""
        for agent_id, c in list(self._consults.items()):
            if c is consult:
                del self._consults[agent_id]
