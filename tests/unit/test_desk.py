"""The desk as pure code over a recording AMI: timers, priority by retailer class, the maximum
wait, wrap-up per queue, the dialer's claim, the journal, and the resync after a restart."""
import asyncio
import dataclasses

import pytest

from acd.agent_state import AgentState, Login, PauseReason, SessionUp
from acd.desk import BridgeMember, Desk, QueueEntry
from acd.notices import AgentChanged, CallOffered, OutboundOffered
from acd.outbound import OutboundDesk
from acd.roster import AgentInfo, LastState
from acd.routing import OverflowStep, QueuePolicy
from asterisk.actions import AmiPbx
from asterisk.ami import AmiError
from asterisk.events import (
    BridgeEnter,
    BridgeLeave,
    Channel,
    Hangup,
    QueueCallerJoin,
    VarSet,
)
from models import RecordingPolicy

BJ_ORDER = QueuePolicy("BJ-order", "BJ", "order", overflow=(OverflowStep(60.0, branches=("HQ",)),),
                       wrap_up_seconds=15, max_wait_seconds=180,
                       class_priority=(("A", 2), ("B", 1)))


class RecordingAmi:
    def __init__(self) -> None:
        self.actions: list[tuple[str, dict]] = []
        self.fail: set[str] = set()

    async def action(self, name, fields=None, **_):
        self.actions.append((name, dict(fields or {})))
        if name in self.fail:
            raise AmiError(f"{name} refused")

    def names(self) -> list[str]:
        return [name for name, _ in self.actions]


class Rows:
    def __init__(self) -> None:
        self.rows = []

    def submit(self, row) -> None:
        self.rows.append(row)


def channel(n: int, **kw) -> Channel:
    base = dict(name=f"PJSIP/anonymous-{n:08d}", uniqueid=f"1.{n}", linkedid=f"1.{n}", state=6,
                caller_num=f"139{n}", caller_name="", connected_num="", connected_name="",
                context="hotline-acd", exten="s", language="zh")
    return Channel(**base | kw)


def enter(ch: Channel, bridge: str = "b-1") -> BridgeEnter:
    return BridgeEnter(server="s", timestamp=None, channel=ch, bridge_id=bridge,
                       bridge_type="basic", bridge_num_channels=2)


def leave(ch: Channel, bridge: str = "b-1") -> BridgeLeave:
    return BridgeLeave(server="s", timestamp=None, channel=ch, bridge_id=bridge,
                       bridge_num_channels=1)


def join(n: int, queue: str = "BJ-order") -> QueueCallerJoin:
    return QueueCallerJoin(server="s", timestamp=None, channel=channel(n), queue=queue, position=1)


@pytest.fixture
def clock():
    return [1000.0]


class SettledDesk(Desk):
    """Whatever routes calls returns once the deliveries it started have the PBX's reply."""

    async def _route(self) -> None:
        await super()._route()
        await self.settled()


@pytest.fixture
async def start():
    """Runs the desks a test makes (their deliveries belong to them) for as long as the test."""
    async with asyncio.TaskGroup() as tg:
        running = []

        async def run(desk: Desk) -> Desk:
            running.append(tg.create_task(desk.run()))
            while desk._deliveries is None:
                await asyncio.sleep(0)  # a turn of the loop: the desk's run has begun
            return desk
        yield run
        for task in running:
            task.cancel()


@pytest.fixture
async def desk(clock, start):
    d = SettledDesk(AmiPbx(RecordingAmi()), Rows(), clock=lambda: clock[0])
    d.configure([BJ_ORDER], {1: AgentInfo(1, "8001", "agent-8001", "BJ", {"order": 5}),
                             5: AgentInfo(5, "8005", "agent-8005", "HQ", {"order": 5})})
    return await start(d)


def available(desk: Desk, agent_id: int, at: float) -> None:
    machine = desk.sessions.machine(agent_id)
    machine.feed(Login(), at)
    machine.feed(SessionUp(), at)
    desk._sync(agent_id)


def redirected_to(desk: Desk) -> list[tuple[str, str]]:
    return [(f["Channel"], f["Exten"]) for name, f in desk.pbx.ami.actions if name == "Redirect"]


async def test_a_waiting_call_overflows_to_headquarters_on_the_timer_alone(desk, clock):
    available(desk, 5, clock[0])
    await desk.on_event(join(1))
    assert desk.pbx.ami.actions == []  # a headquarters agent may not take a Beijing call yet
    clock[0] += 59.5
    await desk.tick()
    assert desk.pbx.ami.actions == []
    clock[0] += 0.5
    await desk.tick()
    assert desk.pbx.ami.names() == ["Redirect"]  # the dialplan sets HOTLINE_AGENT from the exten
    assert desk.pbx.ami.actions[0][1] == {"Channel": channel(1).name,  # recorded by default
                                      "Context": "hotline-connect-recorded",
                                      "Exten": "5", "Priority": "1"}
    assert desk.sessions.machine(5).state == AgentState.RESERVED


@pytest.mark.parametrize("policy, context", [("always", "hotline-connect-recorded"),
                                             ("on_demand", "hotline-connect"),
                                             ("never", "hotline-connect")])
async def test_the_queues_recording_policy_picks_the_way_into_the_bridge(desk, clock, policy,
                                                                         context):
    desk.configure([dataclasses.replace(BJ_ORDER, recording=policy)], desk.agents)
    available(desk, 1, clock[0])
    await desk.on_event(join(1))
    assert [f["Context"] for name, f in desk.pbx.ami.actions if name == "Redirect"] == [context]


async def test_a_class_a_retailer_goes_before_callers_who_waited_longer(desk, clock):
    await desk.on_event(join(1))  # no class: priority 0
    clock[0] += 5
    await desk.on_event(VarSet(server="s", timestamp=None, channel=channel(2),
                               variable="HOTLINE_RETAILER_CLASS", value="A"))
    await desk.on_event(join(2))
    assert [c.call_id for c in desk.router.waiting_calls()] == ["1.2", "1.1"]
    available(desk, 1, clock[0])
    await desk.on_event(QueueCallerJoin(server="s", timestamp=None, channel=channel(3),
                                        queue="BJ-order", position=3))  # anything that routes
    assert redirected_to(desk) == [(channel(2).name, "1")]


async def test_the_queue_wrap_up_time_applies_after_the_call(desk, clock):
    available(desk, 1, clock[0])
    await desk.on_event(join(1))
    ch = channel(1)
    await desk.on_event(enter(ch))
    machine = desk.sessions.machine(1)
    assert machine.state == AgentState.ON_CALL
    await desk.on_event(leave(ch))
    assert machine.state == AgentState.WRAP_UP
    clock[0] += 14.9
    await desk.tick()
    assert machine.state == AgentState.WRAP_UP
    clock[0] += 0.1
    await desk.tick()
    assert machine.state == AgentState.AVAILABLE


async def test_the_callers_hangup_reported_before_its_leave_still_ends_the_call(desk, clock):
    available(desk, 1, clock[0])
    await desk.on_event(join(1))
    await desk.on_event(enter(channel(1)))
    await desk.on_event(Hangup(server="s", timestamp=None, channel=channel(1), cause=16,
                               cause_text=""))
    assert desk.sessions.machine(1).state == AgentState.WRAP_UP
    await desk.on_event(leave(channel(1)))
    assert desk.sessions.machine(1).state == AgentState.WRAP_UP


async def test_a_caller_the_dialplan_sends_back_frees_the_agent_and_keeps_its_place(desk, clock):
    """The connect context found the agent's leg gone or busy: the caller is back in its queue,
    the agent is not left reserved for it, and the caller goes before a later one."""
    available(desk, 1, clock[0])
    await desk.on_event(join(1))
    clock[0] += 5
    await desk.on_event(join(2))
    assert desk.sessions.machine(1).current_call == "1.1"
    clock[0] += 1
    await desk.on_event(join(1))  # back from hotline-connect
    assert redirected_to(desk) == [(channel(1).name, "1")] * 2
    assert desk.sessions.machine(1).current_call == "1.1"
    assert [c.call_id for c in desk.router.waiting_calls()] == ["1.2"]
    assert [(r.event, r.to_state) for r in desk.journal.rows][-2:] == [
        ("ReleaseReservation", "available"), ("Reserve", "reserved")]


async def test_the_maximum_wait_is_offered_once_and_a_caller_who_stays_keeps_the_place(desk, clock):
    await desk.on_event(join(1))
    clock[0] += 10
    await desk.on_event(join(2))
    clock[0] += 170
    await desk.tick()
    assert redirected_to(desk) == [(channel(1).name, "s")]
    assert desk.pbx.ami.actions[-1][1]["Context"] == "hotline-max-wait"
    assert not desk.router.is_waiting("1.1")
    clock[0] += 8  # the caller pressed nothing: back in the queue
    await desk.on_event(join(1))
    clock[0] += 10
    await desk.tick()  # call 2's max wait; call 1 is not offered again
    assert redirected_to(desk) == [(channel(1).name, "s"), (channel(2).name, "s")]
    await desk.on_event(join(2))
    assert [c.call_id for c in desk.router.waiting_calls()] == ["1.1", "1.2"]


async def test_a_callback_request_is_kept_with_the_caller_and_queue(desk, clock):
    await desk.on_event(VarSet(server="s", timestamp=None, channel=channel(1),
                               variable="HOTLINE_RETAILER", value="42"))
    await desk.on_event(join(1))
    await desk.on_event(VarSet(server="s", timestamp=None, channel=channel(1),
                               variable="HOTLINE_CALLBACK", value="1"))
    [row] = [r for r in desk.journal.rows if type(r).__name__ == "CallbackRequest"]
    assert (row.linkedid, row.caller_number, row.retailer_id, row.queue) == (
        "1.1", "1391", 42, "BJ-order")


async def test_a_caller_called_back_keeps_its_place_and_its_turn_reserves_the_agent(
        clock, start):
    turns = []

    async def call_back(turn):
        turns.append(turn)
    d = await start(SettledDesk(AmiPbx(RecordingAmi()), Rows(), clock=lambda: clock[0],
                                on_turn=call_back))
    d.configure([BJ_ORDER], {1: AgentInfo(1, "8001", "agent-8001", "BJ", {"order": 5})})
    await d.on_event(join(1))  # the first caller, who will ask for a callback
    clock[0] += 5
    await d.on_event(join(2))  # a caller who came after it
    clock[0] += 175
    await d.tick()  # the first caller's maximum wait: offered the choice
    await d.on_event(VarSet(server="s", timestamp=None, channel=channel(1),
                            variable="HOTLINE_CALLBACK", value="1"))
    await d.on_event(Hangup(server="s", timestamp=None, channel=channel(1), cause=16,
                            cause_text=""))
    [row] = [r for r in d.journal.rows if type(r).__name__ == "CallbackRequest"]
    assert row.keeps_place
    [stand_in, second] = d.router.waiting_calls()
    assert (stand_in.enqueued_at, second.call_id) == (1000.0, "1.2")  # ahead, where it was
    assert turns == []  # nobody free: no call back yet

    available(d, 1, clock[0])
    await d._route()
    await asyncio.sleep(0)  # the call back runs as the desk's task
    [turn] = turns
    assert (turn.agent_id, turn.place.call_id, turn.place.caller_number) == (
        1, stand_in.call_id, "1391")
    machine = d.sessions.machine(1)
    assert (machine.state, machine.current_call) == (AgentState.RESERVED, stand_in.call_id)
    assert [c.call_id for c in d.router.waiting_calls()] == ["1.2"]  # the later caller waits


async def test_a_failed_redirect_puts_the_call_back_at_the_head(desk, clock):
    available(desk, 1, clock[0])
    desk.pbx.ami.fail.add("Redirect")
    await desk.on_event(join(1))
    assert desk.router.is_waiting("1.1")
    assert desk.sessions.machine(1).state == AgentState.AVAILABLE


async def test_transitions_are_journaled_with_reason_and_call(desk, clock):
    info = desk.agents[1]
    desk.login_from_phone(info, "9.1")
    await desk.on_event(enter(channel(9, uniqueid="9.1", linkedid="9.1")))
    await desk.pause(info, PauseReason.MEAL)
    await desk.unpause(info)
    await desk.on_event(join(1))
    rows = [(r.event, r.from_state, r.to_state, r.reason, r.call_linkedid)
            for r in desk.journal.rows]
    assert rows == [("Login", "logged_out", "paused", "login", None),
                    ("SessionUp", "paused", "available", None, None),
                    ("Pause", "available", "paused", "meal", None),
                    ("Unpause", "paused", "available", None, None),
                    ("Reserve", "available", "reserved", None, "1.1")]


async def test_the_dialer_claims_a_free_agent_and_releases_it(desk, clock):
    available(desk, 1, clock[0])
    outbound = OutboundDesk(desk)
    assert outbound.free_agents(lambda info: info.branch == "HQ") == []
    [agent] = outbound.free_agents(lambda info: info.branch in ("BJ", "HQ"))
    assert outbound.claim("out-1", agent.agent_id, None)
    assert agent.agent_id == 1 and desk.sessions.machine(1).state == AgentState.RESERVED
    await desk.on_event(join(1))
    assert redirected_to(desk) == []  # the claimed agent takes no inbound call
    await outbound.release(1, "out-1")
    assert redirected_to(desk) == [(channel(1).name, "1")]


async def test_a_claimed_agent_gets_the_answered_call(desk, clock):
    available(desk, 1, clock[0])
    outbound = OutboundDesk(desk)
    assert outbound.claim("out-1", 1, None)
    offer = OutboundOffered(1, "out-1", 3, "Survey", 7, 9, "13311110001")
    await outbound.hand_over(offer, "PJSIP/customer-1", RecordingPolicy.NEVER)
    assert redirected_to(desk) == [("PJSIP/customer-1", "1")]


async def test_resync_resumes_sessions_calls_pauses_and_waiting_callers(desk, clock):
    desk.agents[2] = AgentInfo(2, "8002", "agent-8002", "BJ", {"order": 3})
    desk.agents[3] = AgentInfo(3, "8003", "agent-8003", "BJ", {"order": 3})
    desk.last_states = {1: LastState(AgentState.ON_CALL, None),
                        2: LastState(AgentState.PAUSED, PauseReason.TRAINING)}
    members = [BridgeMember(1, channel(11), True), BridgeMember(1, channel(12), False),
               BridgeMember(2, channel(21), True), BridgeMember(3, channel(31), True)]
    entries = [QueueEntry(channel(4), "BJ-order", 30.0)]
    await desk.resync(members, entries)
    state = {a: desk.sessions.machine(a).state for a in (1, 2, 3)}
    assert state == {1: AgentState.ON_CALL, 2: AgentState.PAUSED, 3: AgentState.RESERVED}
    assert desk.sessions.machine(2).pause_reason == PauseReason.TRAINING
    assert redirected_to(desk) == [(channel(4).name, "3")]  # the waiting caller reached 8003
    assert {r.event for r in desk.journal.rows if r.agent_id == 1} >= {"Resume"}
    # The leg of agent 1 hangs up later: session lost, as for any leg.
    await desk.on_event(Hangup(server="s", timestamp=None, channel=channel(11), cause=16,
                               cause_text="Normal Clearing"))
    assert desk.sessions.machine(1).state == AgentState.SESSION_LOST


async def test_resync_marks_agents_whose_leg_is_gone_as_session_lost_and_calls_back(desk, clock):
    available(desk, 1, clock[0])
    desk.sessions._legs["7.7"] = 1
    await desk.resync([], [])
    assert desk.sessions.machine(1).state == AgentState.SESSION_LOST
    assert desk.sessions.leg_of(1) not in (None, "7.7")  # the phone's new call
    [call_back] = [f for name, f in desk.pbx.ami.actions if name == "Originate"]
    assert call_back["Channel"] == f"PJSIP/{desk.agents[1].endpoint}"


async def test_a_tick_while_the_resync_calls_a_phone_back_does_not_turn_the_routers_time_back(
        desk, clock):
    available(desk, 1, clock[0])
    desk.sessions._legs["7.7"] = 1
    call_back = desk.sessions.reconnect

    async def slow_call_back(agent_id, endpoint):
        clock[0] += 1.0
        await desk.tick()  # the engine's timer fires while the PBX has not yet answered
        await call_back(agent_id, endpoint)

    desk.sessions.reconnect = slow_call_back
    await desk.resync([], [])
    assert desk.sessions.machine(1).state == AgentState.SESSION_LOST


async def test_resync_drops_callers_no_longer_waiting(desk, clock):
    await desk.on_event(join(1))
    await desk.resync([], [QueueEntry(channel(2), "BJ-order", 5.0)])
    assert [c.call_id for c in desk.router.waiting_calls()] == ["1.2"]
    assert desk.router.waiting_calls()[0].enqueued_at == clock[0] - 5.0


async def test_a_caller_in_the_fallback_queue_is_an_operator_call_for_headquarters(desk, clock):
    desk.configure([BJ_ORDER, QueuePolicy("HQ-operator", "HQ", "operator")], desk.agents)
    desk.agents[5].skills["operator"] = 5
    available(desk, 5, clock[0])
    await desk.on_event(join(1, queue="hotline-fallback"))
    assert redirected_to(desk) == [(channel(1).name, "5")]


async def test_a_caller_requeued_after_a_failed_delivery_leaves_when_it_hangs_up(desk, clock):
    available(desk, 1, clock[0])
    desk.pbx.ami.fail.add("Redirect")
    await desk.on_event(join(1))
    assert desk.router.is_waiting("1.1")
    await desk.on_event(Hangup(server="s", timestamp=None, channel=channel(1), cause=16,
                               cause_text=""))
    assert not desk.router.is_waiting("1.1") and desk._joined == {}
    assert desk.sessions.machine(1).state == AgentState.AVAILABLE


@pytest.mark.parametrize("message", [
    "Redirect: Channel does not exist: PJSIP/anonymous-00000c75",  # as Asterisk 22 says it
    "Redirect: Redirect failed, channel not up.",  # hanging up: seen under load
    "Redirect: No such channel"])
async def test_a_caller_whose_channel_is_gone_is_not_tried_again(desk, clock, message):
    """Under load the Hangup event can come well after the channel is gone: retrying the
    delivery at every event until then made a storm of failed Redirects."""
    available(desk, 1, clock[0])

    async def gone(name, fields=None, **_):
        desk.pbx.ami.actions.append((name, dict(fields or {})))
        raise AmiError(message)
    desk.pbx.ami.action = gone
    await desk.on_event(join(1))
    await desk.on_event(join(2))  # another event: the first caller is not tried again
    assert [f["Channel"] for _, f in desk.pbx.ami.actions] == [channel(1).name, channel(2).name]
    assert not desk.router.is_waiting("1.1")
    assert desk.sessions.machine(1).state == AgentState.AVAILABLE


async def test_a_failed_max_wait_offer_leaves_the_caller_waiting_in_its_place(desk, clock):
    desk.pbx.ami.fail.add("Redirect")
    await desk.on_event(join(1))
    clock[0] += 181
    await desk.tick()
    [call] = desk.router.waiting_calls()
    assert call.call_id == "1.1" and call.enqueued_at == 1000.0
    clock[0] += 1
    await desk.tick()  # offered once only
    assert desk.pbx.ami.names() == ["Redirect"]


async def test_the_desk_tells_whom_a_call_is_offered_to_with_the_callers_facts(desk, clock):
    notices = []
    desk.notify = notices.append
    available(desk, 1, clock[0])
    for var, value in (("HOTLINE_RETAILER", "42"), ("HOTLINE_RETAILER_CLASS", "A")):
        await desk.on_event(VarSet(server="s", timestamp=None, channel=channel(1),
                                   variable=var, value=value))
    await desk.on_event(join(1))
    clock[0] += 2
    ch = channel(1)
    await desk.on_event(enter(ch))
    await desk.on_event(leave(ch))
    [offer] = [n for n in notices if isinstance(n, CallOffered)]
    assert (offer.agent_id, offer.call_id, offer.queue, offer.retailer_id, offer.retailer_class,
            offer.caller_number, offer.waited_seconds) == (1, "1.1", "BJ-order", 42, "A",
                                                            "1391", 0.0)
    changes = [(n.before, n.after, n.call_id) for n in notices if isinstance(n, AgentChanged)]
    assert changes == [(AgentState.AVAILABLE, AgentState.RESERVED, "1.1"),
                       (AgentState.RESERVED, AgentState.ON_CALL, "1.1"),
                       (AgentState.ON_CALL, AgentState.WRAP_UP, "1.1")]
    assert notices[-1].wrap_up_seconds == 15
    assert notices.index(offer) == 1  # right after the reservation, before the connect


async def test_the_events_behind_a_delivery_do_not_wait_for_the_pbxs_reply(clock, start):
    """Under load each Redirect's reply took tens of ms: the dispatcher goes on meanwhile."""
    ami, reply = RecordingAmi(), asyncio.Event()

    async def slow_redirect(name, fields=None, **_):
        ami.actions.append((name, dict(fields or {})))
        await reply.wait()
        raise AmiError("Redirect: Channel does not exist")

    ami.action = slow_redirect
    desk = await start(Desk(AmiPbx(ami), Rows(), clock=lambda: clock[0]))
    desk.configure([BJ_ORDER], {1: AgentInfo(1, "8001", "agent-8001", "BJ", {"order": 5}),
                                2: AgentInfo(2, "8002", "agent-8002", "BJ", {"order": 5})})
    available(desk, 1, 900)
    available(desk, 2, 950)
    await asyncio.wait_for(desk.on_event(join(1)), 1)
    await asyncio.wait_for(desk.on_event(join(2)), 1)
    await asyncio.sleep(0)
    assert redirected_to(desk) == [(channel(1).name, "1"), (channel(2).name, "2")]
    assert {desk.sessions.machine(a).state for a in (1, 2)} == {AgentState.RESERVED}
    reply.set()  # both callers had hung up: the agents are free again, nobody is requeued
    await asyncio.wait_for(desk.settled(), 1)
    assert {desk.sessions.machine(a).state for a in (1, 2)} == {AgentState.AVAILABLE}
    assert not desk.router.is_waiting("1.1") and not desk.router.is_waiting("1.2")


async def test_a_failed_redirects_late_reply_leaves_the_agents_next_call_alone(clock, caplog,
                                                                              start):
    """The caller hung up while its Redirect was on the way: the Hangup freed the agent, who
    was reserved for the next caller before the failure's reply came."""
    ami, replies = RecordingAmi(), [asyncio.Event(), asyncio.Event()]

    async def slow_redirect(name, fields=None, **_):
        ami.actions.append((name, dict(fields or {})))
        await replies[len(ami.actions) - 1].wait()
        if fields["Channel"] == channel(1).name:
            raise AmiError("Redirect: Channel does not exist")

    ami.action = slow_redirect
    desk = await start(Desk(AmiPbx(ami), Rows(), clock=lambda: clock[0]))
    desk.configure([BJ_ORDER], {1: AgentInfo(1, "8001", "agent-8001", "BJ", {"order": 5})})
    available(desk, 1, 900)
    await desk.on_event(join(1))
    await desk.on_event(join(2))
    await asyncio.sleep(0)
    await desk.on_event(Hangup(server="s", timestamp=None, channel=channel(1), cause=16,
                               cause_text="Normal Clearing"))
    await asyncio.sleep(0)
    assert redirected_to(desk) == [(channel(1).name, "1"), (channel(2).name, "1")]
    replies[0].set()
    await asyncio.sleep(0)
    machine = desk.sessions.machine(1)
    assert machine.state == AgentState.RESERVED and machine.current_call == "1.2"
    replies[1].set()
    await asyncio.wait_for(desk.settled(), 1)
    assert desk.sessions.machine(1).current_call == "1.2"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_barged_call_moves_into_a_conference_and_stays_on_until_it_ends(desk, clock):
    available(desk, 1, clock[0])
    with pytest.raises(LookupError):
        await desk.sessions.conference(1)  # no call to barge into
    desk.sessions._leg_names[1] = "PJSIP/agent-8001-00000001"
    await desk.on_event(join(1))
    await desk.on_event(enter(channel(1)))
    await desk.sessions.conference(1)
    await desk.sessions.conference(1)  # once per call
    moves = [f for name, f in desk.pbx.ami.actions if name == "Redirect" and "ExtraChannel" in f]
    assert moves == [{"Channel": channel(1).name, "Context": "hotline-connect", "Exten": "1",
                      "Priority": "barge", "ExtraChannel": "PJSIP/agent-8001-00000001",
                      "ExtraContext": "hotline-session", "ExtraExten": "1",
                      "ExtraPriority": "barge"}]
    machine = desk.sessions.machine(1)
    await desk.on_event(leave(channel(1)))  # out of the two-party bridge, on its way
    await desk.on_event(enter(channel(1), bridge="conference"))
    assert machine.state == AgentState.ON_CALL
    await desk.on_event(leave(channel(1), bridge="conference"))
    assert machine.state == AgentState.WRAP_UP


async def test_a_deliverys_lines_name_the_call_and_the_agent(desk, clock, json_lines):
    available(desk, 1, clock[0])
    desk.pbx.ami.fail.add("Redirect")
    await desk.on_event(join(1))
    failed = next(line for line in json_lines() if line["msg"].startswith("delivery failed"))
    assert (failed["call_id"], failed["agent_id"]) == ("1.1", 1)


async def test_an_agents_action_names_the_agent(desk, json_lines):
    await desk.login(desk.agents[5])
    [moved] = [line for line in json_lines() if line["msg"].startswith("agent 5:")]
    assert moved["agent_id"] == 5
