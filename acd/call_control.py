"""An agent's control of its current call: hang up (or hand the caller to the satisfaction
survey), blind transfer to a queue, a named agent or an outside number, a consultation before
transferring (acd/consultation.py), hold and resume, mute, keys to the far end. Each becomes a
typed action on the caller's channel or the agent's leg; the agent's session stays up."""
from acd.agent_state import AgentState
from acd.consultation import Consultations
from acd.desk import Desk
from acd.roster import AgentInfo
from asterisk import dialplan as dp
from asterisk.actions import HangUp, MuteAudio, Redirect, SendDigits, SetVariable
from asterisk.ami import AmiError
from models import RecordingPolicy


class NoCallToControl(Exception):
    """The agent has no call to act on."""


class UnknownQueue(Exception):
    """No queue of that name."""


class UnknownAgent(Exception):
    """No agent of that number."""


class TargetNotAvailable(Exception):
    """The agent to transfer to is not available (`state` says what it is doing)."""

    def __init__(self, number: str, state: AgentState) -> None:
        super().__init__(f"agent {number} is {state.value}")
        self.number, self.state = number, state


class CallControl:
    def __init__(self, desk: Desk, trunk: str, caller_id: str) -> None:
        """`trunk`: the PJSIP endpoint a transfer to an outside number goes out through;
        `caller_id`: the number a consultation's call shows."""
        self.desk, self.sessions, self.pbx, self.trunk = desk, desk.sessions, desk.pbx, trunk
        self.caller_id = caller_id
        self.consultations = Consultations(desk.sessions, desk.apply)

    async def hang_up_caller(self, agent: AgentInfo) -> tuple[str, bool]:
        """The agent ends the call: the caller's channel is hung up, or sent to rate the service
        when its queue asks, and the agent's phone leg, the session, goes back to waiting
        (wrap-up, then the next call). The call's id, and whether the caller was surveyed."""
        channel, call_id = self._current_call(agent)
        policy = self.desk.policy_of_call(call_id)
        survey = policy is not None and policy.survey
        await self.pbx.perform(Redirect(channel, dp.CTX_SURVEY, "s") if survey
                               else HangUp(channel))
        return call_id, survey

    async def transfer_to_queue(self, agent: AgentInfo, queue: str) -> str:
        """Blind transfer: the caller leaves the agent (who wraps up) and waits in `queue` with
        the call's facts, routed by the ACD like any caller there, its waiting counted from
        now. The call's id."""
        channel, call_id = self._settled_call(agent)
        if queue not in self.desk.router.policies:
            raise UnknownQueue(queue)
        self.desk.waits_afresh(call_id)
        await self.pbx.perform(Redirect(channel, dp.CTX_TRANSFER, queue))
        return call_id

    async def transfer_to_agent(self, agent: AgentInfo, number: str) -> str:
        """Blind transfer to a named agent, available now: the caller with its facts and the
        screen-pop, this agent wrapping up. The call's id."""
        channel, call_id = self._settled_call(agent)
        target = self._offered(agent, number, call_id)
        policy = self.desk.policy_of_call(call_id)
        context = self.desk.recording_context(
            call_id, channel, target.id, policy.name if policy else None,
            policy.recording if policy else RecordingPolicy.NEVER)
        try:  # the caller moves from this agent's bridge to the other's leg
            self.desk.apply(await self.sessions.hand_over(channel, target.id, context))
        except AmiError:
            await self.desk.release(target.id, call_id)
            raise
        return call_id

    def _offered(self, agent: AgentInfo, number: str, call_id: str) -> AgentInfo:
        """Another agent, available now, reserved for the agent's call and offered it with
        its facts (the screen-pop)."""
        other = self.desk.agent_by_number(number)
        if other is None or other.id == agent.id:
            raise UnknownAgent(number)
        policy = self.desk.policy_of_call(call_id)
        if not self.desk.claim_agent(call_id, other.id,
                                     policy.wrap_up_seconds if policy else None):
            raise TargetNotAvailable(number, self.sessions.machine(other.id).state)
        self.desk.notify(self.desk.offer_of(other.id, call_id, policy.name if policy else "",
                                            policy.branch if policy else other.branch,
                                            policy.business_type if policy else "", 0.0))
        return other

    async def transfer_out(self, agent: AgentInfo, number: str) -> str:
        """Blind transfer to an outside number through the trunk: the caller leaves the ACD,
        this agent wraps up. The call's id."""
        channel, call_id = self._settled_call(agent)
        await self.pbx.perform(SetVariable(channel, dp.OUTSIDE_TRUNK_VAR, self.trunk))
        self.desk.apply(await self.sessions.send_away(
            channel, Redirect(channel, dp.CTX_TRANSFER_OUT, number)))
        return call_id

    async def consult(self, agent: AgentInfo, step: str, *, phone: str | None = None,
                      to_agent: str | None = None) -> str:
        """Attended transfer, step by step: `start` (the caller on hold, and `phone` called:
        a phone's endpoint, or digits for an outside number; or `to_agent`, available now,
        brought over on its session leg with the call's screen-pop), then `three_way`,
        `complete` (this agent wraps up) or `return` (back to the caller). The call's id."""
        channel, call_id = self._settled_call(agent)
        consultations = self.consultations
        if step == "start" and to_agent is not None:
            other = self._offered(agent, to_agent, call_id)
            try:
                await consultations.start_with_agent(agent.id, other.id, call_id)
            except Exception:
                await self.desk.release(other.id, call_id)
                raise
        elif step == "start":
            assert phone is not None  # the route asks for one of them
            dial = f"PJSIP/{phone}@{self.trunk}" if phone.isdigit() else f"PJSIP/{phone}"
            await consultations.start(agent.id, dial, self.caller_id)
        elif step == "three_way":
            await consultations.three_way(agent.id)
        elif step == "complete":
            self.desk.apply(await consultations.complete(agent.id))
        else:
            await consultations.back_to_caller(agent.id)
        return call_id

    async def hold(self, agent: AgentInfo, resume: bool = False) -> str:
        """The caller on hold with music (the agent stays on the call), or back with the agent.
        The call's id."""
        channel, call_id = self._settled_call(agent)
        await (self.sessions.resume if resume else self.sessions.hold)(agent.id, channel)
        return call_id

    async def mute(self, agent: AgentInfo, muted: bool) -> str:
        """The agent's microphone off (or on again): the caller hears nothing of the agent,
        the agent still hears the caller. The call's id."""
        call_id, leg = self._current_leg(agent)
        await self.pbx.perform(MuteAudio(leg, muted))
        return call_id

    async def send_digits(self, agent: AgentInfo, digits: str) -> str:
        """DTMF to the far end of the agent's call, as if keyed on the agent's phone. The
        call's id."""
        call_id, leg = self._current_leg(agent)
        await self.pbx.perform(SendDigits(leg, digits))
        return call_id

    def _current_call(self, agent: AgentInfo) -> tuple[str, str]:
        """The customer's channel and the call's id of the agent's current call."""
        channel = self.sessions.call_channel(agent.id)
        call_id = self.sessions.call_of(channel) if channel else None
        if channel is None or call_id is None:
            raise NoCallToControl(agent.number)
        return channel, call_id

    def _settled_call(self, agent: AgentInfo) -> tuple[str, str]:
        """The current call, unless its caller is on the way back from hold (a redirect
        then would break the call)."""
        channel, call_id = self._current_call(agent)
        self.sessions.refuse_if_returning(channel)
        return channel, call_id

    def _current_leg(self, agent: AgentInfo) -> tuple[str, str]:
        """The call's id and the agent's phone leg on it."""
        _, call_id = self._current_call(agent)
        leg = self.sessions.leg_channel(agent.id)
        if leg is None:
            raise NoCallToControl(agent.number)
        return call_id, leg
