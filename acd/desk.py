"""The ACD at work: callers wait in the PBX's queue (music, position announcements, and voicemail
after the maximum wait, even while the engine is away); the router picks the agent and the
caller is taken out by Redirect and bridged with that agent's leg."""
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.agent_state import (
    AgentState,
    InvalidTransition,
    Login,
    Logout,
    Pause,
    PauseReason,
    SessionUp,
    Transition,
    Unpause,
    WrapUpDone,
    WrapUpResumed,
)
from acd.kept_places import KeptPlace, Turn, stand_in
from acd.notices import AgentChanged, CallOffered, Notice
from acd.queues import FALLBACK_ROUTE
from acd.recorder import Recorder
from acd.roster import AgentInfo, LastState, load_roster
from acd.routing import (
    AgentProfile,
    Assignment,
    MaxWaitReached,
    QueuePolicy,
    Router,
    WaitingCall,
)
from acd.sessions import AgentSessions
from asterisk import dialplan as dp
from asterisk.actions import HangUp, Pbx, Redirect
from asterisk.ami import AmiError, AmiItem
from asterisk.events import Channel, Hangup, QueueCallerAbandon, QueueCallerJoin, VarSet
from models import (
    AgentTransition,
    CallbackRequest,
    MaxWaitOffer,
    RecordingPolicy,
    utcnow,
)
from models.journal import Journal
from telemetry import log_context

log = logging.getLogger("hotline.acd")

CALLER_FACTS = {dp.VAR_RETAILER_CLASS: "class", dp.VAR_LANGUAGE: "language",
                dp.VAR_RETAILER: "retailer"}


@dataclass(frozen=True, slots=True)
class BridgeMember:
    """A channel found in an agent's session at resync: the agent's leg or its caller."""

    agent_id: int
    channel: Channel
    is_agent_leg: bool


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A caller found waiting in a PBX queue at resync (QueueStatus)."""

    channel: Channel
    queue: str
    wait_seconds: float


class Desk:
    def __init__(self, pbx: Pbx, journal: Journal | None = None, server: str = "local",
                 clock: Callable[[], float] = time.monotonic,
                 notify: Callable[[Notice], None] = lambda notice: None,
                 recorder: Recorder | None = None,
                 on_turn: Callable[[Turn], Awaitable[None]] | None = None) -> None:
        """`on_turn`: calls back a caller whose kept place's turn came (virtual hold); without
        it, a callback asked for at the maximum wait keeps no place."""
        self.pbx = pbx
        self.on_turn = on_turn
        self.recorder = recorder
        self.notify = notify
        self.journal = journal
        self.server = server
        self.clock = clock
        self.sessions = AgentSessions(pbx, clock)
        self.router = Router([])
        self.agents: dict[int, AgentInfo] = {}
        self.last_states: dict[int, LastState] = {}
        self._waiting: dict[str, str] = {}  # call id -> the caller's channel name
        self._joined: dict[str, float] = {}  # call id -> when it first joined a queue
        self._offered: set[str] = set()  # calls offered voicemail or a callback at the max wait
        self._facts: dict[str, dict[str, str]] = {}  # call id -> what the IVR learned
        self._queue_of: dict[str, str] = {}  # call id -> its queue, while in the ACD
        self._kept: dict[str, KeptPlace] = {}  # stand-ins for callers called back at their turn
        self._deliveries: asyncio.TaskGroup | None = None  # while the desk runs
        self._connecting: set[asyncio.Task] = set()  # deliveries awaiting the PBX's reply

    # configuration --------------------------------------------------------------------------------

    async def load(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Queues, agents and their skills, and each agent's last stored state."""
        self.configure(*await load_roster(sessions))

    def configure(self, policies: Iterable[QueuePolicy], agents: dict[int, AgentInfo],
                  last_states: dict[int, LastState] | None = None) -> None:
        """The queues the desk routes for and the agents it knows (and, at start, the state
        each agent was last in)."""
        self.router = Router(list(policies))
        self.agents = agents
        self.last_states = last_states or {}

    def use_policies(self, policies: Iterable[QueuePolicy]) -> None:
        """Queues added or changed by an administrator: calls that join from now on are routed
        by them; calls waiting keep the settings they joined with."""
        self.router.use_policies(policies)

    def update_agent(self, info: AgentInfo | None, agent_id: int) -> None:
        """An agent an administrator created, changed (`info`) or retired (None): known, or
        forgotten, at once; a routable agent is routed with its new branch and skills."""
        if info is None:
            self.agents.pop(agent_id, None)
        else:
            self.agents[agent_id] = info
        self.router.remove_agent(agent_id)
        self._sync(agent_id)

    def on_a_call(self, agent_id: int) -> bool:
        return self.sessions.machine(agent_id).current_call is not None

    def logged_in(self, agent_id: int) -> bool:
        return self.sessions.machine(agent_id).state != AgentState.LOGGED_OUT

    def agent_by_number(self, number: str) -> AgentInfo | None:
        return next((a for a in self.agents.values() if a.number == number), None)

    # what agents do -------------------------------------------------------------------------------

    async def login(self, agent: AgentInfo) -> AgentState:
        with log_context.bound(agent=agent.id):
            self._record(await self.sessions.login(agent.id, agent.endpoint))
        return self.sessions.machine(agent.id).state

    def login_from_phone(self, agent: AgentInfo, uniqueid: str) -> AgentState:
        """The agent dialed the login code: that call becomes the session leg."""
        self._record(self.sessions.adopt_leg(agent.id, uniqueid))
        return self.sessions.machine(agent.id).state

    async def logout(self, agent: AgentInfo) -> AgentState:
        machine = self.sessions.machine(agent.id)
        with log_context.bound(agent=agent.id):
            self._record(machine.feed(Logout(), self.clock()))  # refused during a call
            self.router.remove_agent(agent.id)
            leg = self.sessions.forget_leg(agent.id)
            if leg is not None:
                try:
                    await self.pbx.perform(HangUp(leg))
                except AmiError:
                    log.warning("agent leg already gone")
        return machine.state

    async def pause(self, agent: AgentInfo, reason: PauseReason) -> AgentState:
        return await self._agent_event(agent, Pause(reason))

    async def unpause(self, agent: AgentInfo) -> AgentState:
        return await self._agent_event(agent, Unpause())

    async def end_wrap_up(self, agent: AgentInfo) -> AgentState:
        return await self._agent_event(agent, WrapUpDone())

    async def _agent_event(self, agent: AgentInfo, event: Pause | Unpause | WrapUpDone
                           ) -> AgentState:
        with log_context.bound(agent=agent.id):
            self._apply(self.sessions.machine(agent.id).feed(event, self.clock()))
        await self._route()
        return self.sessions.machine(agent.id).state

    # the dialer's interface -----------------------------------------------------------------------

    def claim_agent(self, call_id: str, agent_id: int,
                    wrap_up_seconds: float | None = None) -> bool:
        """Reserve this agent, if still available, for an answered outbound call (the dialer
        chose among the campaign's agents)."""
        if self.router.remove_agent(agent_id) is None:
            return False
        self._record(self.sessions.reserve(agent_id, call_id, wrap_up_seconds))
        return True

    async def connect_claimed(self, agent_id: int, call_id: str, channel: str,
                              recording: RecordingPolicy = RecordingPolicy.NEVER,
                              campaign: str | None = None) -> None:
        """Raises AmiError (the agent is released) or InvalidTransition."""
        try:
            await self.sessions.connect(agent_id, call_id, channel,
                                        self.recording_context(call_id, channel, agent_id, campaign,
                                                       recording))
        except AmiError:
            await self.release(agent_id, call_id)
            raise

    def apply(self, transitions: Iterable[Transition]) -> None:
        """Agents' transitions made outside the desk's own events (call control's)."""
        for transition in transitions:
            self._apply(transition)

    def policy_of_call(self, call_id: str) -> QueuePolicy | None:
        """The policy of the queue the call came through (while the ACD knows the call)."""
        return self._policy(self._queue_of.get(call_id, ""))

    def waits_afresh(self, call_id: str) -> None:
        """The call will join another queue (a transfer): it waits there from when it joins,
        and may be offered that queue's maximum-wait choices."""
        self._joined.pop(call_id, None)
        self._offered.discard(call_id)

    async def release(self, agent_id: int, call_id: str) -> None:
        self._apply(self.sessions.release(agent_id, call_id))
        await self._route()

    # the PBX's events -----------------------------------------------------------------------------

    async def on_event(self, item: AmiItem) -> None:
        changed = False
        for transition in self.sessions.feed(item):
            self._apply(transition)
            changed = True
        now = self.clock()
        match item:
            case VarSet(channel=ch, variable=var, value=value):
                name = var.lstrip("_")
                if name in CALLER_FACTS:
                    self._facts.setdefault(ch.linkedid, {})[CALLER_FACTS[name]] = value
                elif name == dp.VAR_CALLBACK and value == "1":
                    self._callback_requested(ch)
            case QueueCallerJoin(channel=ch, queue=queue) if self._policy(queue):
                self._enqueue(ch, queue, self._joined.setdefault(ch.linkedid, now))
                changed = True
            case QueueCallerAbandon(channel=ch) if ch.linkedid in self._waiting:
                self._waiting.pop(ch.linkedid, None)
                self.router.dequeue(ch.linkedid)
            case Hangup(channel=ch):
                if self._waiting.pop(ch.linkedid, None) is not None:
                    self.router.dequeue(ch.linkedid)
                if ch.uniqueid == ch.linkedid:  # the caller's own channel: the call is over
                    for known in (self._joined, self._facts, self._queue_of):
                        known.pop(ch.linkedid, None)
                    self._offered.discard(ch.linkedid)
        if changed:  # most events change nothing the router knows
            await self._route()

    async def tick(self) -> None:
        """What time alone changes: wrap-ups that end, overflow steps and maximum waits."""
        now = self.clock()
        for machine in self.sessions.machines.values():
            transition = machine.tick(now)
            if transition is not None:
                self._apply(transition)
        await self._route()

    # after an engine restart or a lost link -------------------------------------------------------

    async def resync(self, members: Iterable[BridgeMember], entries: Iterable[QueueEntry],
                     queue_of: Mapping[str, str] | None = None) -> None:
        """Rebuild sessions and waiting callers from what the PBX has now: agents whose leg is
        in their session carry on (in their last stored pause), agents whose leg is gone are
        session lost, callers bridged to agents are on call, callers in queues wait on with
        the time they already waited. `queue_of`: the queue each call on record came through
        (the wrap-up of a call taken up is its queue's)."""
        now = self.clock()
        legs: dict[int, Channel] = {}
        callers: dict[int, Channel] = {}
        for m in members:
            (legs if m.is_agent_leg else callers)[m.agent_id] = m.channel
        for agent_id, leg in legs.items():
            if agent_id in self.agents and self.sessions.leg_of(agent_id) != leg.uniqueid:
                self._resume(agent_id, leg, callers.get(agent_id), queue_of or {})
        lost = []
        for agent_id, machine in self.sessions.machines.items():
            # A phone still ringing for its login is not in its session yet: its own events
            # (its holding bridge, or the Originate failing) decide.
            joining = machine.pause_reason == PauseReason.LOGIN
            if (machine.state not in (AgentState.LOGGED_OUT, AgentState.SESSION_LOST)
                    and agent_id not in legs and not joining):
                self.sessions.forget_leg(agent_id)
                self._apply(self.sessions.lost(agent_id, now))
                lost.append(agent_id)
        for agent_id in lost:  # the PBX restarted: each phone is called back
            await self._reconnect(agent_id)
        entries = list(entries)
        present = {e.channel.linkedid for e in entries}
        for call_id in [c for c in self._waiting if c not in present]:
            del self._waiting[call_id]
            self.router.dequeue(call_id)
        for e in entries:
            if e.channel.linkedid not in self._waiting and self._policy(e.queue):
                joined = self._joined.setdefault(e.channel.linkedid, now - e.wait_seconds)
                self._enqueue(e.channel, e.queue, joined)
        await self._route()

    async def _reconnect(self, agent_id: int) -> None:
        info = self.agents.get(agent_id)
        if info is None:
            return
        try:
            await self.sessions.reconnect(agent_id, info.endpoint)
        except AmiError:
            log.warning("agent's phone not called back", extra={"agent_id": agent_id})

    def _resume(self, agent_id: int, leg: Channel, caller: Channel | None,
                queue_of: Mapping[str, str]) -> None:
        now = self.clock()
        machine = self.sessions.machine(agent_id)
        if machine.state != AgentState.LOGGED_OUT:
            log.warning("a leg in the agent's session context is not the agent's; left alone",
                        extra={"agent_id": agent_id, "channel": leg.name})
            return
        self._record(self.sessions.adopt_leg(agent_id, leg.uniqueid, resumed=True, name=leg.name))
        last = self.last_states.get(agent_id)
        until = last.wrap_up_until(now) if last is not None and caller is None else None
        if last is not None and last.call_id is not None and until is not None and until > now:
            self._apply(machine.feed(WrapUpResumed(last.call_id, until), now))
            return
        self._apply(machine.feed(SessionUp(), now))
        if caller is not None:
            policy = self.router.policies.get(queue_of.get(caller.linkedid, ""))
            wrap_up = policy.wrap_up_seconds if policy is not None else None
            for tr in self.sessions.adopt_call(agent_id, caller.linkedid, caller.name, wrap_up):
                self._apply(tr)
        elif last and last.state == AgentState.PAUSED and last.reason not in (
                None, PauseReason.LOGIN):
            self._apply(machine.feed(Pause(last.reason), now))
        log.info("agent session resumed", extra={"agent_id": agent_id, "state": machine.state})

    # internals ------------------------------------------------------------------------------------

    def _policy(self, queue: str) -> QueuePolicy | None:
        """A caller in the fallback queue (it came while the engine was away) is an operator
        call for headquarters."""
        if queue == dp.FALLBACK_QUEUE:
            queue = FALLBACK_ROUTE
        return self.router.policies.get(queue)

    def _enqueue(self, ch: Channel, queue: str, joined: float) -> None:
        policy = self._policy(queue)
        if policy is None or self.router.is_waiting(ch.linkedid):
            return
        facts = self._facts.setdefault(ch.linkedid, {})
        self._waiting[ch.linkedid] = ch.name
        self._queue_of[ch.linkedid] = policy.name
        facts.setdefault("caller", ch.caller_num)
        self.router.enqueue(WaitingCall(
            ch.linkedid, policy.name, policy.branch, policy.business_type, joined,
            language=facts.get("language") or "zh",
            priority=policy.priority_of(facts.get("class"))))

    def _apply(self, transition: Transition) -> None:
        self._record(transition)
        self._sync(transition.agent_id)

    def _record(self, tr: Transition) -> None:
        machine = self.sessions.machine(tr.agent_id)
        event = type(tr.event).__name__
        if isinstance(tr.event, Login) and tr.event.resumed:
            event = "Resume"
        call = (getattr(tr.event, "call_id", None) or tr.released_call or tr.dropped_call
                or machine.current_call)
        reason = machine.pause_reason if tr.after == AgentState.PAUSED else None
        wrap_up = (machine.wrap_up_deadline - tr.at
                   if tr.after == AgentState.WRAP_UP and machine.wrap_up_deadline else None)
        self.notify(AgentChanged(tr.agent_id, tr.before, tr.after, event, reason, call, wrap_up))
        if self.journal is not None:
            self.journal.submit(AgentTransition(
                agent_id=tr.agent_id, at=utcnow(), from_state=tr.before, to_state=tr.after,
                event=event, reason=reason, call_linkedid=call))

    def _sync(self, agent_id: int) -> None:
        machine, info = self.sessions.machine(agent_id), self.agents.get(agent_id)
        if machine.is_routable and info is not None:
            self.router.add_agent(AgentProfile(agent_id, info.branch, info.skills,
                                               machine.last_idle_since or self.clock()))
        else:
            self.router.remove_agent(agent_id)

    async def _route(self) -> None:
        # The clock is read here, not by the caller: a caller that awaited the PBX in between
        # (the resync calling phones back) would hand the router a time a tick has passed.
        for decision in self.router.route(self.clock()):
            if isinstance(decision, MaxWaitReached):
                await self._offer_after_max_wait(decision.call_id)
            elif isinstance(decision, Assignment) and (channel := self._reserve(decision)):
                # The events behind do not wait for the PBX's reply to the Redirect: under
                # load each reply took tens of ms, and every later delivery waited for them all.
                if self._deliveries is None:
                    raise RuntimeError("the desk delivers calls only while it runs")
                task = self._deliveries.create_task(self._deliver(decision, channel))
                self._connecting.add(task)
                task.add_done_callback(self._connecting.discard)

    async def run(self) -> None:
        """While this runs (the engine's lifetime), deliveries run as tasks of the desk's own
        group; they end with it."""
        async with asyncio.TaskGroup() as deliveries:
            self._deliveries = deliveries
            try:
                await asyncio.Future()  # until cancelled
            finally:
                self._deliveries = None

    async def settled(self) -> None:
        """Returns once every delivery started so far has the PBX's reply."""
        while self._connecting:
            await asyncio.wait(self._connecting)

    async def _deliver(self, decision: Assignment, channel: str) -> None:
        with log_context.bound(call=decision.call_id, agent=decision.agent_id):
            try:
                await self._connect(decision, channel)
            except Exception:  # one failed delivery must not end the others, nor the desk
                log.exception("delivery failed")

    def _reserve(self, decision: Assignment) -> str | None:
        """The chosen agent is reserved and offered the call: the caller's channel (None for a
        kept place, whose caller the agent is reserved to be called back for)."""
        place = self._kept.pop(decision.call_id, None)
        if place is not None and self.on_turn is not None and self._deliveries is not None:
            wrap_up = self.router.policies[decision.call.queue].wrap_up_seconds
            self._record(self.sessions.reserve(decision.agent_id, decision.call_id, wrap_up))
            self._deliveries.create_task(self._call_back(Turn(decision.agent_id, place)))
            return None
        channel = self._waiting.pop(decision.call_id, None)
        if channel is not None:
            wrap_up = self.router.policies[decision.call.queue].wrap_up_seconds
            self._record(self.sessions.reserve(decision.agent_id, decision.call_id, wrap_up))
            self.notify(self._offer(decision))
        return channel

    async def _connect(self, decision: Assignment, channel: str) -> None:
        try:
            policy = self.router.policies[decision.call.queue]
            await self.sessions.connect(decision.agent_id, decision.call_id, channel,
                                        self.recording_context(decision.call_id, channel,
                                                       decision.agent_id, policy.name,
                                                       policy.recording))
        except (AmiError, InvalidTransition) as exc:  # the Redirect failed, or the leg dropped
            machine = self.sessions.machine(decision.agent_id)
            # The caller's hangup may have come before this reply, freed the agent, and the
            # agent may be reserved for the next call already.
            if machine.state == AgentState.RESERVED and machine.current_call == decision.call_id:
                self._apply(self.sessions.release(decision.agent_id, decision.call_id))
            if decision.call_id not in self._joined or _gone(exc):
                # The caller hung up meanwhile (its Hangup event may still be on its way: a
                # call put back now would be tried again at every event until then).
                self.router.dequeue(decision.call_id)
                return
            log.warning("delivery failed (%s); the caller goes back to the head of the queue",
                        exc, extra={"call_id": decision.call_id, "agent_id": decision.agent_id})
            self._waiting[decision.call_id] = channel
            self.router.requeue_front(decision.call)

    def recording_context(self, call_id: str, channel: str, agent_id: int, queue: str | None,
                  policy: RecordingPolicy) -> str:
        """The context a delivered call goes through: recorded from the bridge on, or not."""
        if self.recorder is not None and policy != RecordingPolicy.NEVER:
            self.recorder.expect(call_id, channel, agent_id, queue, policy)
        return dp.CTX_CONNECT_RECORDED if policy == RecordingPolicy.ALWAYS else dp.CTX_CONNECT

    def _offer(self, decision: Assignment) -> CallOffered:
        call = decision.call
        waited = self.clock() - self._joined.get(decision.call_id, call.enqueued_at)
        return self.offer_of(decision.agent_id, decision.call_id, call.queue, call.branch,
                              call.business_type, waited)

    def offer_of(self, agent_id: int, call_id: str, queue: str, branch: str,
                  business_type: str, waited: float) -> CallOffered:
        facts = self._facts.get(call_id, {})
        retailer = facts.get("retailer", "")
        return CallOffered(
            agent_id, call_id, queue, branch, business_type, facts.get("language") or "zh",
            int(retailer) if retailer.isdigit() else None, facts.get("class"),
            facts.get("caller", ""), round(waited, 1))

    async def _offer_after_max_wait(self, call_id: str) -> None:
        """Once per call: voicemail, a callback, or keep waiting (back in the queue, ahead of
        the calls that came after it)."""
        if call_id in self._offered or call_id not in self._waiting:
            return
        self._offered.add(call_id)
        channel = self._waiting.pop(call_id)
        call = self.router.dequeue(call_id)
        policy = self._policy(call.queue) if call is not None else None
        offer = policy.max_wait_offer if policy else MaxWaitOffer.MESSAGE_OR_CALLBACK
        try:
            await self.pbx.perform(Redirect(channel, dp.CTX_MAX_WAIT,
                                            dp.MAX_WAIT_OFFER_EXTENS[offer.value]))
        except AmiError:
            log.warning("max-wait offer failed; the caller keeps waiting",
                        extra={"call_id": call_id})
            if call is not None and call_id in self._joined:
                self._waiting[call_id] = channel
                self.router.enqueue(call)

    def _callback_requested(self, ch: Channel) -> None:
        """The request is stored; with a number to call and the engine calling back, a stand-in
        keeps the caller's place in the queue (acd/kept_places.py)."""
        facts = self._facts.get(ch.linkedid, {})
        retailer = facts.get("retailer", "")
        policy = self.policy_of_call(ch.linkedid)
        keeps_place = (self.on_turn is not None and policy is not None
                       and ch.caller_num.isdigit() and ch.linkedid in self._joined)
        log.info("callback requested", extra={"call_id": ch.linkedid, "keeps_place": keeps_place})
        if self.journal is not None:
            self.journal.submit(CallbackRequest(
                pbx_server=self.server, linkedid=ch.linkedid, caller_number=ch.caller_num,
                retailer_id=int(retailer) if retailer.isdigit() else None,
                queue=self._queue_of.get(ch.linkedid, ""),
                language=facts.get("language") or "zh", keeps_place=keeps_place))
        if keeps_place:
            assert policy is not None
            place, waiting = stand_in(policy, ch.linkedid, ch.caller_num,
                                      self._joined[ch.linkedid], facts)
            self._kept[place.call_id] = place
            self.router.enqueue(waiting)

    async def _call_back(self, turn: Turn) -> None:
        assert self.on_turn is not None  # only a desk that calls back keeps places
        try:
            await self.on_turn(turn)
        except Exception:  # the agent is released by whoever failed; the others go on
            log.exception("call back at its turn failed", extra={"call_id": turn.place.call_id})



# What Asterisk 22's Redirect says of a caller who hung up: gone, or being hung up (every
# inbound caller is answered before the IVR, so a channel not up is on its way out).
GONE = ("Channel does not exist", "No such channel", "channel not up")


def _gone(exc: Exception) -> bool:
    return isinstance(exc, AmiError) and any(words in str(exc) for words in GONE)
