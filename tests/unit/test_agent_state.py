"""The agent state machine as a table: every state against every event, legal or refused."""
import copy
import logging

import pytest

from acd.agent_state import (
    AgentMachine,
    AgentState,
    CallEnded,
    ConnectCall,
    InvalidTransition,
    Login,
    Logout,
    Pause,
    PauseReason,
    ReleaseReservation,
    Reserve,
    SessionLost,
    SessionUp,
    Unpause,
    WrapUpDone,
    WrapUpResumed,
)

S = AgentState
WRAP = 30.0

# How to reach each state from a fresh machine (one event a second from t=1).
SETUPS = {
    "logged_out": [],
    "paused_login": [Login()],
    "available": [Login(), SessionUp()],
    "reserved": [Login(), SessionUp(), Reserve("c1")],
    "on_call": [Login(), SessionUp(), Reserve("c1"), ConnectCall("c1", WRAP)],
    "wrap_up": [Login(), SessionUp(), Reserve("c1"), ConnectCall("c1", WRAP), CallEnded("c1")],
    "paused": [Login(), SessionUp(), Pause(PauseReason.BREAK)],
    "session_lost": [Login(), SessionUp(), SessionLost()],
    "session_lost_paused": [Login(), SessionUp(), Pause(PauseReason.BREAK), SessionLost()],
}

EVENTS = {
    "Login": Login(), "Logout": Logout(), "SessionUp": SessionUp(), "SessionLost": SessionLost(),
    "Reserve": Reserve("c2"), "ConnectCall": ConnectCall("c1"),
    "ReleaseReservation": ReleaseReservation("c1"), "CallEnded": CallEnded("c1"),
    "WrapUpDone": WrapUpDone(), "Pause": Pause(PauseReason.MEAL), "Unpause": Unpause(),
    "WrapUpResumed": WrapUpResumed("c1", 150.0),
}

# (setup, event) -> state after; every other pair is refused.
LEGAL = {
    ("logged_out", "Login"): S.PAUSED,
    ("paused_login", "WrapUpResumed"): S.WRAP_UP,  # a restarted engine takes a session up
    ("paused_login", "Logout"): S.LOGGED_OUT,
    ("paused_login", "SessionUp"): S.AVAILABLE,
    ("paused_login", "SessionLost"): S.SESSION_LOST,
    ("available", "Logout"): S.LOGGED_OUT,
    ("available", "SessionLost"): S.SESSION_LOST,
    ("available", "Reserve"): S.RESERVED,
    ("available", "Pause"): S.PAUSED,
    ("reserved", "SessionLost"): S.SESSION_LOST,
    ("reserved", "ConnectCall"): S.ON_CALL,
    ("reserved", "ReleaseReservation"): S.AVAILABLE,
    ("on_call", "SessionLost"): S.SESSION_LOST,
    ("on_call", "CallEnded"): S.WRAP_UP,
    ("wrap_up", "Logout"): S.LOGGED_OUT,
    ("wrap_up", "SessionLost"): S.SESSION_LOST,
    ("wrap_up", "WrapUpDone"): S.AVAILABLE,
    ("wrap_up", "Pause"): S.PAUSED,
    ("paused", "Logout"): S.LOGGED_OUT,
    ("paused", "SessionLost"): S.SESSION_LOST,
    ("paused", "Pause"): S.PAUSED,  # a new reason code
    ("paused", "Unpause"): S.AVAILABLE,
    ("session_lost", "Logout"): S.LOGGED_OUT,
    ("session_lost", "SessionUp"): S.AVAILABLE,
    ("session_lost", "Login"): S.PAUSED,  # logs in again: the phone is called anew
    ("session_lost_paused", "Login"): S.PAUSED,
    ("session_lost_paused", "Logout"): S.LOGGED_OUT,
    ("session_lost_paused", "SessionUp"): S.PAUSED,
}

ALL = [(setup, name) for setup in SETUPS for name in EVENTS]


def machine(setup: str) -> AgentMachine:
    m = AgentMachine(7)
    for t, event in enumerate(SETUPS[setup], 1):
        m.feed(event, float(t))
    return m


@pytest.mark.parametrize(("setup", "event"), [k for k in ALL if k in LEGAL])
def test_legal_transition(setup, event, caplog):
    m = machine(setup)
    before = m.state
    caplog.set_level(logging.INFO, logger="hotline.acd")
    tr = m.feed(EVENTS[event], 100.0)
    assert tr.before == before and tr.after == LEGAL[(setup, event)] == m.state
    assert tr.event == EVENTS[event] and tr.at == 100.0 and tr.agent_id == 7
    assert m.since == 100.0
    assert f"agent 7: {before} -{event}-> {m.state}" in caplog.messages


@pytest.mark.parametrize(("setup", "event"), [k for k in ALL if k not in LEGAL])
def test_illegal_transition_raises_and_changes_nothing(setup, event):
    m = machine(setup)
    snapshot = copy.deepcopy(m)
    with pytest.raises(InvalidTransition) as err:
        m.feed(EVENTS[event], 100.0)
    assert err.value.state == snapshot.state and err.value.event == EVENTS[event]
    assert event in str(err.value) and str(snapshot.state) in str(err.value)
    assert m == snapshot


@pytest.mark.parametrize(("setup", "event"), [
    ("reserved", ConnectCall("other")),
    ("reserved", ReleaseReservation("other")),
    ("on_call", CallEnded("other")),
    ("wrap_up", WrapUpDone(timer=True)),  # the timer cannot end it before the deadline
    ("available", Pause(PauseReason.LOGIN)),  # the machine's own reason
    ("paused_login", Pause(PauseReason.BREAK)),  # the session is not up yet
    ("paused_login", Unpause()),
])
def test_refused_for_the_details(setup, event):
    m = machine(setup)
    snapshot = copy.deepcopy(m)
    with pytest.raises(InvalidTransition):
        m.feed(event, 6.5)
    assert m == snapshot


def test_a_full_call_is_stored_with_every_time():
    m = AgentMachine(7)
    events = [(Login(), 10.0), (SessionUp(), 12.0), (Reserve("c1"), 20.0),
              (ConnectCall("c1", 5), 20.5), (CallEnded("c1"), 80.0), (WrapUpDone(), 82.0)]
    history = [m.feed(event, t) for event, t in events]
    assert [(h.before, h.after, h.at) for h in history] == [
        (S.LOGGED_OUT, S.PAUSED, 10.0), (S.PAUSED, S.AVAILABLE, 12.0),
        (S.AVAILABLE, S.RESERVED, 20.0), (S.RESERVED, S.ON_CALL, 20.5),
        (S.ON_CALL, S.WRAP_UP, 80.0), (S.WRAP_UP, S.AVAILABLE, 82.0),
    ]
    assert [h.event for h in history] == [e for e, _ in events]
    assert m.calls_handled == 1 and m.current_call is None and m.last_idle_since == 82.0


def test_login_waits_for_the_phone_leg():
    m = machine("paused_login")
    assert m.state == S.PAUSED and m.pause_reason == PauseReason.LOGIN and not m.is_routable
    m.feed(SessionUp(), 5.0)
    assert m.is_routable and m.pause_reason is None and m.last_idle_since == 5.0


def test_wrap_up_ends_by_the_timer_at_the_deadline():
    m = machine("on_call")
    m.feed(CallEnded("c1"), 100.0)
    assert m.state == S.WRAP_UP and m.wrap_up_deadline == 100.0 + WRAP
    assert m.current_call == "c1"  # the call being wrapped up
    assert m.tick(100.0 + WRAP - 0.001) is None and m.state == S.WRAP_UP
    tr = m.tick(100.0 + WRAP)
    assert tr is not None and tr.event == WrapUpDone(timer=True) and m.state == S.AVAILABLE
    assert m.wrap_up_deadline is None and m.current_call is None
    assert m.last_idle_since == 100.0 + WRAP and m.tick(1000.0) is None


def test_wrap_up_ended_by_the_agent():
    m = machine("wrap_up")
    m.feed(WrapUpDone(), 7.0)
    assert m.state == S.AVAILABLE and m.wrap_up_deadline is None and m.last_idle_since == 7.0


@pytest.mark.parametrize(("at_connect", "at_end", "deadline"), [
    (None, None, None),  # the default, 0: straight back to available
    (15, None, 115.0),
    (15, 40, 140.0),  # CallEnded's seconds win
    (15, 0, None),
])
def test_wrap_up_seconds_per_call(at_connect, at_end, deadline):
    m = machine("reserved")
    m.feed(ConnectCall("c1", at_connect), 50.0)
    tr = m.feed(CallEnded("c1", at_end), 100.0)
    assert m.wrap_up_deadline == deadline
    assert tr.after == (S.AVAILABLE if deadline is None else S.WRAP_UP)
    assert m.calls_handled == 1


def test_default_wrap_up_seconds_of_the_machine():
    m = AgentMachine(7, default_wrap_up_seconds=10)
    for t, event in enumerate(SETUPS["on_call"][:-1] + [ConnectCall("c1")], 1):
        m.feed(event, float(t))
    m.feed(CallEnded("c1"), 50.0)
    assert m.wrap_up_deadline == 60.0


def test_session_lost_releases_a_reserved_call():
    m = machine("reserved")
    tr = m.feed(SessionLost(), 9.0)
    assert tr.released_call == "c1" and tr.dropped_call is None
    assert m.state == S.SESSION_LOST and m.current_call is None and not m.is_routable
    assert m.feed(SessionUp(), 12.0).after == S.AVAILABLE and m.last_idle_since == 12.0


def test_session_lost_on_a_call_reports_the_dropped_call():
    m = machine("on_call")
    tr = m.feed(SessionLost(), 9.0)
    assert tr.dropped_call == "c1" and tr.released_call is None
    assert m.calls_handled == 1 and m.current_call is None


def test_session_lost_while_paused_comes_back_paused_with_the_reason():
    m = machine("session_lost_paused")
    assert m.pause_reason == PauseReason.BREAK
    m.feed(SessionUp(), 20.0)
    assert m.state == S.PAUSED and m.pause_reason == PauseReason.BREAK


def test_session_lost_during_login_comes_back_available():
    m = machine("paused_login")
    m.feed(SessionLost(), 3.0)
    assert m.feed(SessionUp(), 4.0).after == S.AVAILABLE and m.pause_reason is None


@pytest.mark.parametrize("setup", ["reserved", "on_call"])
def test_logout_refused_with_a_call(setup):
    m = machine(setup)
    with pytest.raises(InvalidTransition, match="Logout not allowed in"):
        m.feed(Logout(), 50.0)
    assert m.state == S(setup) and m.current_call == "c1"


def test_pause_during_wrap_up_is_after_call_work():
    m = machine("wrap_up")
    m.feed(Pause(PauseReason.AFTER_CALL_WORK), 20.0)
    assert m.state == S.PAUSED and m.pause_reason == PauseReason.AFTER_CALL_WORK
    assert m.wrap_up_deadline is None and m.current_call is None
    assert m.tick(1000.0) is None  # the wrap-up timer no longer applies
    m.feed(Unpause(), 95.0)
    assert m.state == S.AVAILABLE and m.last_idle_since == 95.0 and m.pause_reason is None


def test_release_keeps_the_agents_place_in_the_idle_order():
    m = machine("available")
    idle = m.last_idle_since
    m.feed(Reserve("c9"), 40.0)
    tr = m.feed(ReleaseReservation("c9"), 41.0)
    assert tr.released_call == "c9" and m.state == S.AVAILABLE and m.current_call is None
    assert m.last_idle_since == idle and m.calls_handled == 0


def test_calls_handled_and_idle_since_over_calls():
    m = machine("available")
    t = 10.0
    for i in range(3):
        m.feed(Reserve(f"c{i}"), t)
        m.feed(ConnectCall(f"c{i}", 0), t + 1)
        m.feed(CallEnded(f"c{i}"), t + 60)
        assert m.state == S.AVAILABLE and m.last_idle_since == t + 60
        t += 100
    assert m.calls_handled == 3
    m.feed(Reserve("x"), t)
    m.feed(ReleaseReservation("x"), t + 1)
    assert m.calls_handled == 3


def test_logout_clears_the_session():
    m = machine("wrap_up")
    m.feed(Logout(), 50.0)
    assert m.state == S.LOGGED_OUT and m.current_call is None and m.wrap_up_deadline is None
    assert m.pause_reason is None and m.time_in_state(80.0) == 30.0


def test_not_an_event():
    with pytest.raises(TypeError):
        AgentMachine(7).feed("Login", 1.0)  # type: ignore[arg-type]


def test_a_wrap_up_taken_up_after_a_restart_ends_at_its_deadline():
    m = machine("paused_login")
    m.feed(WrapUpResumed("c1", 150.0), 100.0)
    assert m.current_call == "c1" and m.tick(149.0) is None
    assert m.tick(150.0).after == S.AVAILABLE and m.current_call is None


def test_a_restarted_engine_wraps_up_from_the_stored_end_of_the_call_else_from_now():
    from acd.roster import LastState
    wrapping = LastState(S.WRAP_UP, None, "c1", at=100.0, wrap_up_seconds=30.0)
    assert wrapping.wrap_up_until(now=110.0) == 130.0
    # the engine died before it stored the call's end: the wrap-up starts now
    on_call = LastState(S.ON_CALL, None, "c1", at=50.0, wrap_up_seconds=30.0)
    assert on_call.wrap_up_until(now=110.0) == 140.0
    assert LastState(S.PAUSED, PauseReason.MEAL).wrap_up_until(now=110.0) is None
    assert LastState(S.RESERVED, None, "c1", 50.0, 30.0).wrap_up_until(now=110.0) is None
