"""The agent's state as an explicit state machine: events in, transitions out, no I/O.

The engine feeds what happens to an agent (login, the phone leg joining or leaving the agent's
bridge, a call reserved, connected, ended, pauses) with the time it happened. Every transition is
logged as `state -event-> state` and returned for the engine to persist; an event the state does
not allow raises InvalidTransition and changes nothing.

Login opens the session, but calls can only be delivered once the agent's phone leg is in the
agent's bridge: Login -> paused (reason "login"), then SessionUp -> available.
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

log = logging.getLogger("hotline.acd")


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RESERVED = "reserved"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    SESSION_LOST = "session_lost"


class PauseReason(StrEnum):
    BREAK = "break"
    MEAL = "meal"
    TRAINING = "training"
    MEETING = "meeting"
    AFTER_CALL_WORK = "after_call_work"
    OTHER = "other"
    LOGIN = "login"  # set by the machine only: logged in, phone leg not in the bridge yet


# -- events -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Login:
    resumed: bool = False  # the engine found the session on the PBX after a restart


@dataclass(frozen=True, slots=True)
class Logout:
    pass


@dataclass(frozen=True, slots=True)
class SessionUp:
    """The agent's phone leg joined the agent's bridge."""


@dataclass(frozen=True, slots=True)
class SessionLost:
    """The agent's phone leg dropped."""


@dataclass(frozen=True, slots=True)
class Reserve:
    call_id: str


@dataclass(frozen=True, slots=True)
class ConnectCall:
    call_id: str
    wrap_up_seconds: float | None = None  # the queue's; None: the machine's default


@dataclass(frozen=True, slots=True)
class ReleaseReservation:
    """The connect failed or the caller left before it: the agent never had the call."""

    call_id: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    call_id: str
    wrap_up_seconds: float | None = None  # overrides the one given with ConnectCall


@dataclass(frozen=True, slots=True)
class WrapUpDone:
    timer: bool = False  # True: the wrap-up time ran out (tick), False: the agent ended it


@dataclass(frozen=True, slots=True)
class WrapUpResumed:
    """After a restart: the agent was wrapping this call up, until `until`."""

    call_id: str
    until: float


@dataclass(frozen=True, slots=True)
class Pause:
    reason: PauseReason


@dataclass(frozen=True, slots=True)
class Unpause:
    pass


AgentEvent = (Login | Logout | SessionUp | SessionLost | Reserve | ConnectCall | ReleaseReservation
              | CallEnded | WrapUpDone | WrapUpResumed | Pause | Unpause)


class InvalidTransition(Exception):
    """`rule` names why, as the API's code: the state does not allow the event (agent_state),
    or the phone has not answered the login yet (session_not_up)."""

    def __init__(self, agent_id: int, state: AgentState, event: AgentEvent, why: str = "",
                 rule: str = "agent_state") -> None:
        self.agent_id, self.state, self.event, self.rule = agent_id, state, event, rule
        detail = f" ({why})" if why else ""
        super().__init__(f"agent {agent_id}: {type(event).__name__} not allowed in {state}{detail}")


@dataclass(frozen=True, slots=True)
class Transition:
    agent_id: int
    before: AgentState
    after: AgentState
    event: AgentEvent
    at: float
    released_call: str | None = None  # reserved, never connected: back to the head of its queue
    dropped_call: str | None = None  # connected when the phone leg dropped


LOGGED_IN = frozenset(AgentState) - {AgentState.LOGGED_OUT}
Change = tuple[AgentState, str | None, str | None]  # after, released call, dropped call


@dataclass
class AgentMachine:
    agent_id: int
    state: AgentState = AgentState.LOGGED_OUT
    since: float = 0.0  # when the current state began
    current_call: str | None = None  # reserved, on the call, or wrapping it up
    pause_reason: PauseReason | None = None  # kept while session_lost: SessionUp restores it
    default_wrap_up_seconds: float = 0.0
    wrap_up_seconds: float = 0.0  # for the current call
    wrap_up_deadline: float | None = None
    calls_handled: int = 0
    last_idle_since: float | None = None  # when the agent last became available

    @property
    def is_routable(self) -> bool:
        return self.state == AgentState.AVAILABLE

    def time_in_state(self, now: float) -> float:
        return now - self.since

    def feed(self, event: AgentEvent, now: float) -> Transition:
        handler = _HANDLERS.get(type(event))
        if handler is None:
            raise TypeError(f"not an agent event: {event!r}")
        before = self.state
        after, released, dropped = handler(self, event, now)  # raises before changing anything
        self.state, self.since = after, now
        tr = Transition(self.agent_id, before, after, event, now, released, dropped)
        log.info("agent %s: %s -%s-> %s", self.agent_id, before, type(event).__name__, after,
                 extra={"agent_id": self.agent_id})
        return tr

    def tick(self, now: float) -> Transition | None:
        """Ends a wrap-up whose time ran out; call it from the engine's timer."""
        if self.state == AgentState.WRAP_UP and self._deadline_passed(now):
            return self.feed(WrapUpDone(timer=True), now)
        return None

    # transitions: check everything first, then change ------------------------------------------

    def _login(self, event: Login, now: float) -> Change:
        # After a lost session the agent logs in again: the phone is called anew.
        self._require(event, {AgentState.LOGGED_OUT, AgentState.SESSION_LOST})
        self.pause_reason = PauseReason.LOGIN
        return AgentState.PAUSED, None, None

    def _logout(self, event: Logout, now: float) -> Change:
        self._require(event, LOGGED_IN - {AgentState.RESERVED, AgentState.ON_CALL})
        self._clear_call()
        self.pause_reason = None
        return AgentState.LOGGED_OUT, None, None

    def _session_up(self, event: SessionUp, now: float) -> Change:
        if self.state == AgentState.PAUSED and self.pause_reason != PauseReason.LOGIN:
            raise InvalidTransition(self.agent_id, self.state, event, "the session is already up")
        self._require(event, {AgentState.PAUSED, AgentState.SESSION_LOST})
        if self.pause_reason not in (None, PauseReason.LOGIN):
            return AgentState.PAUSED, None, None
        return self._become_available(now), None, None

    def _session_lost(self, event: SessionLost, now: float) -> Change:
        self._require(event, LOGGED_IN - {AgentState.SESSION_LOST})
        released = self.current_call if self.state == AgentState.RESERVED else None
        dropped = self.current_call if self.state == AgentState.ON_CALL else None
        if dropped is not None:
            self.calls_handled += 1
        if self.state != AgentState.PAUSED:
            self.pause_reason = None
        self._clear_call()
        return AgentState.SESSION_LOST, released, dropped

    def _reserve(self, event: Reserve, now: float) -> Change:
        self._require(event, {AgentState.AVAILABLE})
        self.current_call = event.call_id
        return AgentState.RESERVED, None, None

    def _connect(self, event: ConnectCall, now: float) -> Change:
        self._require(event, {AgentState.RESERVED}, event.call_id)
        if event.wrap_up_seconds is not None:
            self.wrap_up_seconds = event.wrap_up_seconds
        else:
            self.wrap_up_seconds = self.default_wrap_up_seconds
        return AgentState.ON_CALL, None, None

    def _release(self, event: ReleaseReservation, now: float) -> Change:
        self._require(event, {AgentState.RESERVED}, event.call_id)
        self._clear_call()
        # last_idle_since is kept: the agent took no call, so it keeps its place in the idle order.
        return AgentState.AVAILABLE, event.call_id, None

    def _call_ended(self, event: CallEnded, now: float) -> Change:
        self._require(event, {AgentState.ON_CALL}, event.call_id)
        seconds = self.wrap_up_seconds if event.wrap_up_seconds is None else event.wrap_up_seconds
        self.calls_handled += 1
        if seconds <= 0:
            self._clear_call()
            return self._become_available(now), None, None
        self.wrap_up_seconds, self.wrap_up_deadline = seconds, now + seconds
        return AgentState.WRAP_UP, None, None  # current_call stays: the call being wrapped up

    def _wrap_up_done(self, event: WrapUpDone, now: float) -> Change:
        self._require(event, {AgentState.WRAP_UP})
        if event.timer and not self._deadline_passed(now):
            raise InvalidTransition(self.agent_id, self.state, event, "wrap-up time not over")
        self._clear_call()
        return self._become_available(now), None, None

    def _wrap_up_resumed(self, event: WrapUpResumed, now: float) -> Change:
        if self.pause_reason != PauseReason.LOGIN:  # only as the session is taken up
            raise InvalidTransition(self.agent_id, self.state, event, "not resuming a session")
        self._require(event, {AgentState.PAUSED})
        self.pause_reason, self.current_call = None, event.call_id
        self.wrap_up_seconds, self.wrap_up_deadline = event.until - now, event.until
        return AgentState.WRAP_UP, None, None

    def _pause(self, event: Pause, now: float) -> Change:
        if event.reason == PauseReason.LOGIN:
            raise InvalidTransition(self.agent_id, self.state, event, "reason reserved for login")
        if self.state == AgentState.PAUSED and self.pause_reason == PauseReason.LOGIN:
            raise InvalidTransition(self.agent_id, self.state, event, "session not up yet",
                                    "session_not_up")
        # Paused -> paused changes the reason code (break -> meal) and is stored like any other.
        self._require(event, {AgentState.AVAILABLE, AgentState.WRAP_UP, AgentState.PAUSED})
        self._clear_call()  # pausing during wrap-up ends the wrap-up: after-call work
        self.pause_reason = event.reason
        return AgentState.PAUSED, None, None

    def _unpause(self, event: Unpause, now: float) -> Change:
        if self.pause_reason == PauseReason.LOGIN:
            raise InvalidTransition(self.agent_id, self.state, event, "session not up yet",
                                    "session_not_up")
        self._require(event, {AgentState.PAUSED})
        return self._become_available(now), None, None

    # helpers ------------------------------------------------------------------------------------

    def _require(self, event: AgentEvent, states: set[AgentState] | frozenset[AgentState],
                 call_id: str | None = None) -> None:
        if self.state not in states:
            raise InvalidTransition(self.agent_id, self.state, event)
        if call_id is not None and call_id != self.current_call:
            raise InvalidTransition(self.agent_id, self.state, event,
                                    f"call {call_id}, the agent's is {self.current_call}")

    def _become_available(self, now: float) -> AgentState:
        self.pause_reason = None
        self.last_idle_since = now
        return AgentState.AVAILABLE

    def _clear_call(self) -> None:
        self.current_call, self.wrap_up_deadline = None, None

    def _deadline_passed(self, now: float) -> bool:
        return self.wrap_up_deadline is not None and now >= self.wrap_up_deadline


# each handler takes its own event type; feed() picks it by type(event)
_HANDLERS: dict[type, Callable[[AgentMachine, Any, float], Change]] = {
    Login: AgentMachine._login, Logout: AgentMachine._logout, SessionUp: AgentMachine._session_up,
    SessionLost: AgentMachine._session_lost, Reserve: AgentMachine._reserve,
    ConnectCall: AgentMachine._connect, ReleaseReservation: AgentMachine._release,
    CallEnded: AgentMachine._call_ended, WrapUpDone: AgentMachine._wrap_up_done,
    WrapUpResumed: AgentMachine._wrap_up_resumed,
    Pause: AgentMachine._pause, Unpause: AgentMachine._unpause,
}
