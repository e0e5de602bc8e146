"""The ACD on the real PBX, end to end through the IVR: three agents with different skills and
branches, overflow after its wait, the maximum wait's callback, login from the phone, an agent
leg gone between the choice and the connect, and an engine restart while callers wait.
Where a call went is asserted from the PBX's own BridgeEnter events."""
import asyncio
import re
import time

import pytest
from sqlalchemy import select

from asterisk.dialplan import FALLBACK_QUEUE
from asterisk.events import QueueCallerJoin
from asterisk.sipp_phone import Keys, Pause, Speak, pressing
from models import CallbackRequest
from tests.pbx.helpers import wait_for_calls, wait_in_queue

pytestmark = pytest.mark.pbx

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]  # a class A retailer
COMPLAINT_BJ = [Pause(1500), Keys("2"), Pause(1500), Keys("110100002#")]
ORDER_SH = [Pause(1500), Keys("1"), Pause(1500), Keys("310100001#")]
# The transfer prompt (~3.5 s) and a maximum wait in the queue go by; key 2 (a callback) is
# pressed until the offer takes it, however late a busy machine brings the offer.
ORDER_BJ_ASKING_A_CALLBACK = [*ORDER_BJ, Pause(5000), *pressing("2", 2500, 12)]


async def test_three_agents_each_call_reaches_the_agent_qualified_for_it(rig, sipp):
    r = await rig(("8001", "8002", "8003"))
    await r.login("8001", "8002", "8003")
    calls = [sipp.call("4000", script=script, caller=caller, hold_ms=9000, timeout=40)
             for script, caller in ((ORDER_BJ, "13300000001"), (COMPLAINT_BJ, "13300000002"),
                                    (ORDER_SH, "13300000003"))]
    done = asyncio.gather(*calls)
    # Orders in Beijing: 8001 (order 8); complaints in Beijing: 8002 (complaint 9 beats 8001's
    # 5); orders in Shanghai: 8003, the only Shanghai agent.
    expected = {"13300000001": "8001", "13300000002": "8002", "13300000003": "8003"}
    for caller, number in expected.items():
        _, agent = await r.joined(caller)
        assert agent == await r.agent_id(number), (caller, number)
    for number in expected.values():
        assert (await r.agent(number))["state"] == "on_call"
    await done
    for number in expected.values():
        await r.wait_state(number, "wrap_up")  # from the BridgeLeave, before the Hangup
    await wait_for_calls(r.engine, 3)  # the three callers' rows, ended
    figures = {q["queue"]: q for q in (await r.engine.http.get("/queues")).json()}
    for queue in ("BJ-order", "BJ-complaint", "SH-order"):
        q = figures[queue]
        assert (q["offered"], q["answered"], q["abandoned"], q["waiting"]) == (1, 1, 0, 0)
        assert q["service_level"] == 1.0 and 0 <= q["average_speed_of_answer_seconds"] < 5
        assert q["average_handle_seconds"] > 0
    assert figures["HQ-order"]["offered"] == 0 and figures["HQ-order"]["service_level"] is None


async def test_the_agent_api_refuses_what_the_state_or_the_rules_do_not_allow(rig):
    r = await rig()
    http = r.engine.http
    def rule(reply, status: int) -> str:
        assert reply.status_code == status, reply.text
        return reply.json()["detail"][0]["type"]

    reply = await http.post("/agents/8001/pause", json={"reason": "break"})
    assert rule(reply, 409) == "rule.agent_state"
    assert reply.json()["detail"][0]["ctx"] == {"state": "logged_out", "event": "Pause"}
    reply = await http.post("/agents/8001/pause", json={"reason": "nap"})
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["body", "reason"]
    reply = await http.post("/agents/8001/pause", json={"reason": "login"})
    assert rule(reply, 422) == "rule.pause_reason_login"
    assert reply.json()["detail"][0]["loc"] == ["body", "reason"]
    assert rule(await http.post("/agents/8001/unpause"), 409) == "rule.agent_state"
    assert rule(await http.post("/agents/8001/wrap-up/end"), 409) == "rule.agent_state"
    assert rule(await http.post("/agents/9999/pause", json={"reason": "break"}),
                404) == "rule.unknown_agent"
    assert (await http.get("/agents/8001/transitions?limit=0")).status_code == 422
    settings = {q["name"]: q for q in (await http.get("/queues/settings")).json()}
    assert settings["BJ-order"]["overflow"] == [
        {"after_seconds": 60.0, "min_level": 1, "branches": ["HQ"]}]
    assert settings["BJ-order"]["class_priority"] == {"A": 2, "B": 1}


async def test_a_branch_call_overflows_to_headquarters_after_the_configured_wait(rig, sipp):
    r = await rig(("8005",), {"BJ-order": {"overflow": [{"after_seconds": 3, "branches": ["HQ"]}],
                                          "wrap_up_seconds": 0}})
    await r.login("8005")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=12000, timeout=40))
    queued = await r.queued("13300000001")
    at, agent = await r.joined("13300000001")
    assert agent == await r.agent_id("8005")
    assert 3.0 <= at - queued < 3.0 + 1.5  # the engine's timer runs every second
    await call


async def test_at_the_maximum_wait_the_caller_asks_for_a_callback(rig, sipp, database):
    r = await rig((), {"BJ-order": {"max_wait_seconds": 2}})
    await sipp.call("4000", script=ORDER_BJ_ASKING_A_CALLBACK, caller="13300000001",
                    hold_ms=15000, timeout=60)
    await r.engine.journal.flush()
    async with database() as s:
        [request] = list(await s.scalars(select(CallbackRequest)))
    assert (request.caller_number, request.queue, request.status) == (
        "13300000001", "BJ-order", "pending")
    assert request.retailer_id is not None


async def test_a_queue_that_offers_only_messages_keeps_a_caller_who_keys_2_waiting(
        rig, sipp, database):
    r = await rig((), {"BJ-order": {"max_wait_seconds": 2, "max_wait_offer": "message"}})
    # The offer says only "a message: key 1"; key 2 books nothing, and the caller waits again.
    await sipp.call("4000", script=[*ORDER_BJ, Pause(8000), Keys("2")], caller="13300000001",
                    hold_ms=6000, timeout=40)
    joins = [e for _, e in r.events if isinstance(e, QueueCallerJoin)
             and e.channel.caller_num == "13300000001"]
    assert [e.queue for e in joins] == ["BJ-order", "BJ-order"], "not back in the queue"
    await r.engine.journal.flush()
    async with database() as s:
        assert list(await s.scalars(select(CallbackRequest))) == []


async def test_at_the_maximum_wait_the_caller_leaves_a_message_with_the_call_facts(rig, sipp):
    r = await rig((), {"BJ-order": {"max_wait_seconds": 2}})
    # The offer, key 1, then the "leave a message" prompt and the beep (~4 s), then speech.
    await sipp.call("4000", script=[*ORDER_BJ, Pause(8000), Keys("1"), Pause(5000),
                                    Speak(3000), Keys("#")], caller="13300000001",
                    hold_ms=8000, timeout=45)
    [vm] = (await r.engine.http.get("/voicemails")).json()
    assert (vm["card_number"], vm["business_type"], vm["caller_number"]) == (
        "110100001", "order", "13300000001")
    assert vm["duration_ms"] > 1000


async def test_an_agent_logs_in_from_the_phone_and_takes_a_call_on_that_line(rig, sipp):
    r = await rig()
    phone = asyncio.create_task(sipp.call(  # the agent's own phone, with its account
        "*90", script=[Pause(1500), Keys("8001#"), Pause(2500), Keys("1234#")],
        caller="agent-8001", secret=await r.sip_secret("8001"), hold_ms=30000, timeout=45))
    await r.wait_state("8001", "available")
    await sipp.call("4000", script=ORDER_BJ, caller="13300000001", hold_ms=8000, timeout=40)
    _, agent = await r.joined("13300000001")
    assert agent == await r.agent_id("8001")
    assert (await r.agent("8001"))["calls_handled_today"] == 1
    await r.wait_state("8001", ("wrap_up", "available"))  # the engine has seen the hang-up
    await r.post("/agents/8001/logout")  # hangs up the phone's call
    await phone


async def test_a_wrong_pin_from_the_phone_logs_nobody_in(rig, sipp):
    r = await rig()
    await sipp.call("*90", script=[Pause(1500), Keys("8001#"), Pause(2500), Keys("9999#")],
                    caller="agent-8001", secret=await r.sip_secret("8001"), hold_ms=3000,
                    timeout=20)
    assert (await r.agent("8001"))["state"] == "logged_out"


async def test_a_caller_sent_to_an_agent_whose_leg_just_dropped_goes_back_to_the_queue(rig, sipp):
    """The race of the agent's leg dropping between the choice and the Redirect, forced: the
    caller is sent into the bridge of an agent who is not there."""
    r = await rig(("8005",), {"BJ-order": {"overflow": [{"after_seconds": 0, "branches": ["HQ"]}]}})
    await r.login("8005")
    await r.post("/agents/8005/pause", json={"reason": "break"})
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=20000, timeout=40))
    await r.queued("13300000001")
    [waiting] = r.engine.desk.router.waiting_calls()
    channel = r.engine.desk._waiting[waiting.call_id]
    await r.engine.ami.action("Redirect", {"Channel": channel, "Context": "hotline-connect",
                                           "Exten": str(await r.agent_id("8001")),
                                           "Priority": "1"})
    deadline = time.monotonic() + 10
    while sum(isinstance(e, QueueCallerJoin) for _, e in r.events) < 2:
        assert time.monotonic() < deadline, "the caller never came back to the queue"
        await asyncio.sleep(0.05)
    [again] = r.engine.desk.router.waiting_calls()
    assert again.call_id == waiting.call_id and again.enqueued_at == waiting.enqueued_at
    await r.post("/agents/8005/unpause")
    _, agent = await r.joined("13300000001")
    assert agent == await r.agent_id("8005")
    await call


async def test_an_engine_restart_while_callers_wait_loses_nobody(rig, sipp):
    r = await rig(("8001", "8005"))
    await r.login("8001", "8005")
    await r.post("/agents/8001/pause", json={"reason": "meal"})
    await r.post("/agents/8005/pause", json={"reason": "break"})
    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                          hold_ms=40000, timeout=60))
    queued_at = await r.queued("13300000001")
    await r.stop_engine()
    # While the engine is away the IVR cannot answer: the dialplan's fallback queue holds the
    # caller (the agents' phones are busy in their sessions, so nobody is rung).
    second = asyncio.create_task(sipp.call("4000", caller="13300000002", hold_ms=40000,
                                           timeout=60))
    await wait_in_queue(r.settings.ami, "13300000002", FALLBACK_QUEUE)
    await r.start_engine()
    assert [(a["state"], a["pause_reason"]) for a in
            (await r.agent("8001"), await r.agent("8005"))] == [("paused", "meal"),
                                                                ("paused", "break")]
    waiting = {c.queue: c for c in r.engine.desk.router.waiting_calls()}
    assert set(waiting) == {"BJ-order", "HQ-operator"}
    # it keeps the time it waited (QueueStatus says it in whole seconds)
    assert abs(waiting["BJ-order"].enqueued_at - queued_at) < 2
    await r.post("/agents/8001/unpause")
    _, agent = await r.joined("13300000001")
    assert agent == await r.agent_id("8001")
    await r.post("/agents/8005/unpause")
    _, agent = await r.joined("13300000002")
    assert agent == await r.agent_id("8005")
    for call in (first, second):
        call.cancel()
    await asyncio.gather(first, second, return_exceptions=True)


async def test_waiting_callers_hear_their_position_in_their_own_language(rig, sipp, settings):
    settings.pbx.queue_announce_seconds = 3
    r = await rig()  # nobody logged in: the callers wait, in the order they came
    english = [Pause(1500), Keys("9"), *ORDER_BJ]
    callers = (("13300000001", ORDER_BJ), ("13300000002", ORDER_BJ), ("13300000003", english))
    # A log of verbosity 3 raises the PBX's: what is played is in verbose.log too.
    await r.pbx.cli("logger add channel heard.log verbose(3)")
    calls = []
    for caller, script in callers:
        # Each stays on until the test ends: nobody leaves the queue before the announcements.
        calls.append(asyncio.create_task(sipp.call("4000", script=script, caller=caller,
                                                   hold_ms=60000, timeout=90)))
        await r.queued(caller)  # so they join in this order
    log_dir = settings.pbx.run_dir / "log"
    # first: "you are next"; second: "there are 2 callers waiting", both in Mandarin from our
    # sound pack; third: "there are 3 calls waiting" from Asterisk's own English sounds
    wanted = {("queue-youarenext", "zh"), ("queue-thereare", "zh"), ("digits/2", "zh"),
              ("queue-callswaiting", "zh"), ("queue-thereare", "en"), ("digits/3", "en")}
    heard: set[tuple[str, str]] = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not wanted <= heard:
        await asyncio.sleep(0.5)
        heard = set(re.findall(r"Playing '([\w/-]+)\.\w+' \(language '(\w+)'\)",
                               (log_dir / "verbose.log").read_text()))
    assert wanted - heard == set()
    missing = [line for line in (log_dir / "messages.log").read_text().splitlines()
               if "does not exist" in line]
    assert missing == []
    for call in calls:
        call.cancel()
    await asyncio.gather(*calls, return_exceptions=True)
