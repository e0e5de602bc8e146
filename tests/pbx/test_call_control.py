"""Call control on the real PBX: the agent hangs up the caller from the console's API and stays in
the session (its phone leg is the shift); the next caller is delivered to that same leg."""
import asyncio
import time

import pytest

from asterisk.dialplan import CTX_HOLD, CTX_SESSION
from asterisk.events import BridgeEnter, BridgeLeave, DTMFEnd
from asterisk.sipp_customers import Population
from asterisk.sipp_phone import Keys, Pause, Tone
from runtime.live import agent_topic
from tests.pbx.audio import Recorded, heard
from tests.pbx.helpers import eventually, wait_for_calls
from tests.pbx.test_recording import AGENT_HZ, AUDIBLE_DB, CALLER_HZ, finished

pytestmark = pytest.mark.pbx

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]  # to agent 8001
LONG_CALL_MS = 60_000  # the caller would stay a minute: only the agent's hang-up ends it early


async def test_the_agent_hangs_up_the_caller_and_takes_the_next_call_on_the_same_leg(rig, sipp):
    r = await rig(("8001",))
    await r.login("8001")
    agent_id = await r.agent_id("8001")
    leg = r.engine.desk.sessions.leg_channel(agent_id)
    http = r.engine.http

    nothing = await http.post("/agents/8001/call/hangup")
    assert nothing.status_code == 409, nothing.text
    assert nothing.json()["detail"][0]["type"] == "rule.no_call"

    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                          hold_ms=LONG_CALL_MS, timeout=90))
    await r.joined("13300000001")
    asked = time.monotonic()
    reply = await http.post("/agents/8001/call/hangup")
    assert reply.status_code == 204, reply.text
    await first  # the PBX hung the caller up
    assert time.monotonic() - asked < LONG_CALL_MS / 1000 / 2
    await r.wait_state("8001", ("wrap_up", "available"))
    assert r.engine.desk.sessions.leg_channel(agent_id) == leg, "the session's leg was lost"

    second = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000002",
                                           hold_ms=8000, timeout=60))
    _, taken_by = await r.joined("13300000002", timeout=45)
    await second
    assert taken_by == agent_id and r.engine.desk.sessions.leg_channel(agent_id) == leg
    rows = {c.caller_number: c for c in await wait_for_calls(r.engine, 2)}
    assert rows["13300000001"].agent_id == agent_id
    hung_up = [e for e in rows["13300000001"].events if e.kind == "AgentHangup"]
    assert [e.data for e in hung_up] == [{"by": "admin", "survey": False}], "not in the events"


async def test_a_caller_rates_the_service_after_the_agent_ends_the_call(rig, sipp):
    r = await rig(("8001",), {"BJ-order": {"survey": True}})
    await r.login("8001")
    # The caller keys 4 well after the agent will have ended the call (the test ends it as
    # soon as they are bridged, ~7 s in): the survey's question is asked by then.
    call = asyncio.create_task(sipp.call(
        "4000", script=[*ORDER_BJ, Pause(12_000), Keys("4")], caller="13300000001",
        hold_ms=8000, timeout=60))
    await r.joined("13300000001")
    assert (await r.engine.http.post("/agents/8001/call/hangup")).status_code == 204
    await r.wait_state("8001", ("wrap_up", "available"))  # the agent is free at once
    await call
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == "13300000001"]
    assert (row.survey_rating, row.agent_id) == (4, await r.agent_id("8001"))
    listed = (await r.engine.http.get(f"/calls/{row.id}")).json()
    assert listed["survey_rating"] == 4


async def bridged_with(r, caller: str, agent_id: int, after: float, timeout: float = 30) -> None:
    """Until the caller is bridged with that agent's leg (after `after`), and the engine knows
    it is (a caller back from hold is not held any more: call control may move it again)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entered = [(at, e) for at, e in r.events if isinstance(e, BridgeEnter)]
        for at, e in entered:
            if at > after and e.channel.caller_num == caller:
                legs = {leg.channel.exten for _, leg in entered
                        if leg.bridge_id == e.bridge_id and leg.channel.context == CTX_SESSION}
                if str(agent_id) in legs:
                    async def seen_back(name=e.channel.name) -> bool:
                        return not r.engine.desk.sessions.is_held(name)
                    await eventually(seen_back, "the engine saw the caller back", timeout)
                    return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{caller} never bridged with agent {agent_id}")


async def test_a_blind_transfer_to_another_queue_reaches_its_agent_with_the_screen_pop(
        rig, sipp):
    r = await rig(("8001", "8002"))  # 8001 takes orders; 8002 complaints, not orders
    await r.login("8001", "8002")
    ids = {n: await r.agent_id(n) for n in ("8001", "8002")}
    feed = r.engine.hub.subscribe(agent_topic(ids["8002"]))
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=14_000, timeout=60))
    _, first = await r.joined("13300000001")
    assert first == ids["8001"]

    http = r.engine.http
    unknown = await http.post("/agents/8001/call/transfer", json={"queue": "BJ-nothing"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "queue"]
    asked = time.monotonic()
    moved = await http.post("/agents/8001/call/transfer", json={"queue": "BJ-complaint"})
    assert moved.status_code == 204, moved.text
    await bridged_with(r, "13300000001", ids["8002"], asked)
    print(f"transfer asked -> caller bridged with the next agent: {time.monotonic() - asked:.2f} s")
    while (event := await asyncio.wait_for(feed.next(), 15)).kind != "screen_pop":
        pass
    assert event.data["retailer"]["name"] == "朝阳便利店"  # the call's facts came along
    await r.wait_state("8001", ("wrap_up", "available"))
    await call
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == "13300000001"]
    assert (row.queue, row.agent_id) == ("BJ-complaint", ids["8002"])
    assert [e.data for e in row.events if e.kind == "Transfer"] == [
        {"by": "admin", "to_queue": "BJ-complaint"}]


async def test_on_hold_the_caller_hears_music_apart_from_the_agent_who_stays_on_the_call(
        rig, sipp):
    r = await rig(("8001",))
    await r.login("8001")
    agent_id = await r.agent_id("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=15_000, timeout=60))
    joined, _ = await r.joined("13300000001")
    http = r.engine.http
    assert (await http.post("/agents/8001/call/resume")).json()["detail"][0]["type"] == \
        "rule.call_not_on_hold"

    held_at = time.monotonic()
    assert (await http.post("/agents/8001/call/hold")).status_code == 204
    caller = r.engine.desk.sessions.call_channel(agent_id)
    await in_hold_music(r, caller)
    await until(r, lambda e: isinstance(e, BridgeLeave) and e.channel.name == caller, held_at,
                "the caller is still bridged with the agent")
    assert (await r.agent("8001"))["state"] == "on_call"  # the agent stays on the call
    again = await http.post("/agents/8001/call/hold")
    assert again.json()["detail"][0]["type"] == "rule.call_on_hold"

    resumed_at = time.monotonic()
    assert (await http.post("/agents/8001/call/resume")).status_code == 204
    await bridged_with(r, "13300000001", agent_id, resumed_at)
    await call
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == "13300000001"]
    assert row.agent_id == agent_id and row.hangup_cause == 16  # the caller ended it
    assert [e.kind for e in row.events if e.kind in ("Hold", "Resume")] == ["Hold", "Resume"]
    await r.wait_state("8001", ("wrap_up", "available"))


async def in_hold_music(r, caller: str, timeout: float = 15) -> None:
    """Until the PBX lists the caller in the hold context (MusicOnHold), out of any bridge."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c.channel.name == caller and c.channel.context == CTX_HOLD
               for c in await r.engine.pbx.live_channels()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{caller} is not in the hold music")


async def until(r, matches, after: float, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(at > after and matches(e) for at, e in r.events):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(what)


async def test_muted_the_agent_is_not_heard_and_digits_reach_the_far_end(rig, sipp, settings):
    # The engine does not read the PBX's DTMF events (the IVR reads keys by AGI): this test
    # does, to see the digits sent to the caller.
    settings.ami.read += ",dtmf"
    r = await rig(("8001",), tones={"8001": Tone(AGENT_HZ, 60_000)})
    await r.login("8001")
    # The caller's own tone keeps the recording on the wall clock while the agent is silent.
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ + [Tone(CALLER_HZ, 16_000)],
                                         caller="13300000001", hold_ms=500, timeout=60))
    await r.joined("13300000001")
    http = r.engine.http
    caller = r.engine.desk.sessions.call_channel(await r.agent_id("8001"))
    recorded = Recorded(r.settings.recordings_dir, r.engine.desk.sessions.call_of(caller))
    await recorded.grown(2)  # the agent heard for a while: the recording's first stretch
    sent_at = time.monotonic()
    assert (await http.post("/agents/8001/call/digits", json={"digits": "12#"})).status_code \
        == 204
    bad = await http.post("/agents/8001/call/digits", json={"digits": "12a"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "digits"]
    await until(r, lambda e: isinstance(e, DTMFEnd) and e.channel.name == caller
                and e.direction == "Sent" and e.digit == "#", sent_at, "the digits were not sent")
    await recorded.grown(2)  # the agent heard again after the digits
    muting = time.monotonic()
    reply = await http.post("/agents/8001/call/mute", json={"muted": True})
    assert reply.status_code == 204, reply.text
    muted = time.monotonic()
    # A silence long enough to measure, timed on the wall clock that the assertion's bounds use.
    await asyncio.sleep(3)
    unmuting = time.monotonic()
    assert (await http.post("/agents/8001/call/mute", json={"muted": False})).status_code == 204
    unmuted = time.monotonic()
    await call

    # What the caller heard (its recording): the agent (with a short gap where the digits took
    # the agent's stream), a silence of about the mute, the agent.
    path = r.settings.recordings_dir / (await finished(r)).file
    stretches = heard(path, AGENT_HZ, AUDIBLE_DB)
    assert len(stretches) >= 2, stretches
    silence = max(nxt - (start + length)
                  for (start, length), (nxt, _) in zip(stretches, stretches[1:]))
    # About as long as the mute: no shorter than it surely lasted, no longer than it may have,
    # within a second (a window's 0.25 s, and the media a busy PBX drops behind the wall clock:
    # 2.5 s recorded for a 3 s mute beside a CPU-burning process).
    assert unmuting - muted - 1.0 <= silence <= unmuted - muting + 1.0, stretches


async def test_a_blind_transfer_to_a_named_agent_brings_the_screen_pop_and_a_busy_one_is_refused(
        rig, sipp):
    r = await rig(("8001", "8002", "8003"))  # 8003: Shanghai's, who takes no Beijing call
    await r.login("8001", "8002", "8003")
    ids = {n: await r.agent_id(n) for n in ("8001", "8002", "8003")}
    await r.post("/agents/8002/pause", json={"reason": "meal"})
    feed = r.engine.hub.subscribe(agent_topic(ids["8003"]))
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=14_000, timeout=60))
    await r.joined("13300000001")

    http = r.engine.http
    for body in ({}, {"queue": "BJ-complaint", "agent": "8003"}):
        bad = await http.post("/agents/8001/call/transfer", json=body)
        assert bad.status_code == 422 and bad.json()["detail"][0]["type"] == "one_target"
    paused = await http.post("/agents/8001/call/transfer", json={"agent": "8002"})
    assert paused.status_code == 409, paused.text
    assert paused.json()["detail"][0]["type"] == "rule.target_not_available"
    assert paused.json()["detail"][0]["ctx"] == {"agent": "8002", "state": "paused"}
    itself = await http.post("/agents/8001/call/transfer", json={"agent": "8001"})
    assert itself.status_code == 422 and itself.json()["detail"][0]["loc"] == ["body", "agent"]

    asked = time.monotonic()
    moved = await http.post("/agents/8001/call/transfer", json={"agent": "8003"})
    assert moved.status_code == 204, moved.text
    await bridged_with(r, "13300000001", ids["8003"], asked)
    while (event := await asyncio.wait_for(feed.next(), 15)).kind != "screen_pop":
        pass
    assert event.data["retailer"]["name"] == "朝阳便利店"
    await r.wait_state("8003", "on_call")
    await r.wait_state("8001", ("wrap_up", "available"))
    await call
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == "13300000001"]
    assert row.agent_id == ids["8003"]
    assert [e.data for e in row.events if e.kind == "Transfer"] == [
        {"by": "admin", "to_agent": "8003"}]
    await r.wait_state("8003", ("wrap_up", "available"))


async def test_a_caller_on_hold_is_transferred_to_an_outside_number(rig, sipp, customers):
    outside = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(3000, 3000)))
    r = await rig(("8001",), trunks={"customers": outside})
    await r.login("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=LONG_CALL_MS, timeout=90))
    await r.joined("13300000001")
    http = r.engine.http
    caller = r.engine.desk.sessions.call_channel(await r.agent_id("8001"))
    assert (await http.post("/agents/8001/call/hold")).status_code == 204
    await in_hold_music(r, caller)
    asked = time.monotonic()
    moved = await http.post("/agents/8001/call/transfer", json={"number": "13911110000"})
    assert moved.status_code == 204, moved.text
    await r.wait_state("8001", ("wrap_up", "available"))  # the held call ended for the agent

    def with_the_caller(e) -> bool:  # the outside party in a bridge of the caller's
        bridges = {x.bridge_id for _, x in r.events
                   if isinstance(x, BridgeEnter) and x.channel.caller_num == "13300000001"}
        return (isinstance(e, BridgeEnter) and e.channel.name.startswith("PJSIP/customers")
                and e.bridge_id in bridges)
    await until(r, with_the_caller, asked, "the outside number never answered the caller")
    await call  # the outside party hung up after its talk: the caller too
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == "13300000001"]
    assert [e.data for e in row.events if e.kind == "Transfer"] == [
        {"by": "admin", "to_number": "13911110000"}]
