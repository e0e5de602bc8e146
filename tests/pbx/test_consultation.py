"""A consultation (attended transfer) on the real PBX: the agent (a 1000 Hz tone) puts the caller
(400 Hz) on hold and talks with the supervisor's phone (2500 Hz), then completes the transfer,
makes it a three-way call, or goes back to the caller. The caller's recording (written only while
the caller is bridged) says whom the caller heard: the agent before, the supervisor after the
transfer and never the agent again; all three in the three-way call."""
import asyncio
import time

import pytest

from asterisk import dialplan as dp
from asterisk.events import BridgeEnter, Hangup
from asterisk.sipp_customers import Population
from asterisk.sipp_phone import Tone
from runtime.live import agent_topic
from tests.pbx.audio import Recorded, heard
from tests.pbx.helpers import wait_for_calls
from tests.pbx.test_call_control import bridged_with, in_hold_music, until
from tests.pbx.test_recording import AGENT_HZ, AUDIBLE_DB, CALLER_HZ, ORDER_BJ, finished

pytestmark = pytest.mark.pbx

SUPERVISOR_HZ = 2500
CALLER = "13300000001"


async def consulting(r, caller_tone_ms: int) -> tuple[int, str, asyncio.Task]:
    """Agent 8001 on a call with the caller; the agent's id, the caller's channel, the call."""
    await r.login("8001")
    call = asyncio.create_task(r.sipp.call(
        "4000", script=ORDER_BJ + [Tone(CALLER_HZ, caller_tone_ms)], caller=CALLER,
        hold_ms=500, timeout=90))
    await r.joined(CALLER)
    agent_id = await r.agent_id("8001")
    return agent_id, r.engine.desk.sessions.call_channel(agent_id), call


async def supervisor_answers(r, after: float) -> None:
    """Until the supervisor's phone is bridged with the agent's leg."""
    await until(r, lambda e: isinstance(e, BridgeEnter)
                and e.channel.name.startswith("PJSIP/supervisor-1")
                and e.channel.context == dp.CTX_CONSULT, after,
                "the supervisor's phone never joined the agent")


@pytest.fixture
async def office(rig, sipp, customers):
    """The supervisor's phone answers one call; the trunk's customers stay on half a minute."""
    outside = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(30_000, 30_000)))
    r = await rig(("8001", "8002"), tones={"8001": Tone(AGENT_HZ, 120_000)},
                  extra_phones={"supervisor-1": Tone(SUPERVISOR_HZ, 120_000)},
                  trunks={"customers": outside})
    r.sipp = sipp
    return r


async def test_the_agent_consults_a_supervisor_then_hands_the_caller_over(office):
    r = office
    agent_id, caller, call = await consulting(r, 25_000)
    http = r.engine.http
    phones = (await http.get("/agents/8001/call/consult/phones")).json()
    assert "supervisor" in [p["username"] for p in phones]
    early = await http.post("/agents/8001/call/consult/complete")
    assert early.status_code == 409 and early.json()["detail"][0]["type"] == "rule.no_consult"
    unknown = await http.post("/agents/8001/call/consult", json={"supervisor": "8002"})
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == [
        "body", "supervisor"]

    recorded = Recorded(r.settings.recordings_dir, r.engine.desk.sessions.call_of(caller))
    await recorded.grown(2)  # the caller hears the agent a while: the recording's first part
    asked = time.monotonic()
    reply = await http.post("/agents/8001/call/consult", json={"supervisor": "supervisor"})
    assert reply.status_code == 204, reply.text
    await in_hold_music(r, caller)
    await supervisor_answers(r, asked)
    assert (await r.agent("8001"))["state"] == "on_call"

    completing = time.monotonic()
    done = await http.post("/agents/8001/call/consult/complete")
    assert done.status_code == 204, done.text
    await r.wait_state("8001", ("wrap_up", "available"))
    await until(r, lambda e: isinstance(e, BridgeEnter) and e.channel.name == caller
                and e.channel.context == dp.CTX_CONSULT_PAIR, completing,
                "the caller never joined the supervisor")
    print(f"complete asked -> caller with the supervisor: {time.monotonic() - completing:.2f} s")
    await call

    path = r.settings.recordings_dir / (await finished(r)).file
    agent, supervisor = heard(path, AGENT_HZ, AUDIBLE_DB), heard(path, SUPERVISOR_HZ, AUDIBLE_DB)
    assert agent and supervisor, (agent, supervisor)
    last_agent = max(start + length for start, length in agent)
    assert last_agent <= supervisor[0][0] + 0.5, (agent, supervisor)  # the agent, then not
    assert sum(length for _, length in supervisor) > 5, supervisor
    [row] = [c for c in await wait_for_calls(r.engine, 1) if c.caller_number == CALLER]
    assert [e.data["step"] for e in row.events if e.kind == "Consult"] == ["start", "complete"]
    assert row.agent_id == agent_id


async def test_back_to_the_caller_then_a_three_way_call_that_goes_on_when_the_supervisor_leaves(
        office):
    r = office
    agent_id, caller, call = await consulting(r, 25_000)
    http = r.engine.http
    # First an outside number (the trunk's customers answer), then back to the caller.
    asked = time.monotonic()
    assert (await http.post("/agents/8001/call/consult",
                            json={"number": "13911110000"})).status_code == 204
    await until(r, lambda e: isinstance(e, BridgeEnter) and e.channel.context == dp.CTX_CONSULT
                and e.channel.name.startswith("PJSIP/customers"), asked,
                "the outside number never joined the agent")
    back = await http.post("/agents/8001/call/consult/return")
    assert back.status_code == 204, back.text
    await bridged_with(r, CALLER, agent_id, asked)

    asked = time.monotonic()
    assert (await http.post("/agents/8001/call/consult",
                            json={"supervisor": "supervisor"})).status_code == 204
    await supervisor_answers(r, asked)
    joined = time.monotonic()
    three = await http.post("/agents/8001/call/consult/three-way")
    assert three.status_code == 204, three.text
    await until(r, lambda e: isinstance(e, BridgeEnter) and e.channel.name == caller
                and e.channel.context == dp.CTX_CONSULT_JOIN, joined, "no three-way call")
    held = await http.post("/agents/8001/call/hold")
    assert held.json()["detail"][0]["type"] == "rule.call_in_conference"
    await Recorded(r.settings.recordings_dir, r.engine.desk.sessions.call_of(caller)).grown(
        3)  # all three heard at once
    leaving = time.monotonic()
    assert (await http.post("/agents/8001/call/consult/return")).status_code == 204
    await until(r, lambda e: isinstance(e, Hangup)
                and e.channel.name.startswith("PJSIP/supervisor-1"), leaving,
                "the supervisor never left")
    assert (await r.agent("8001"))["state"] == "on_call"  # the call goes on without the supervisor
    await call
    await r.wait_state("8001", ("wrap_up", "available"))

    path = r.settings.recordings_dir / (await finished(r)).file
    supervisor = heard(path, SUPERVISOR_HZ, AUDIBLE_DB)
    agent = heard(path, AGENT_HZ, AUDIBLE_DB)
    # The supervisor was heard while the agent was too, and the agent after the supervisor left.
    assert supervisor and any(s <= a_start + a_len and a_start <= s + length
                              for s, length in supervisor for a_start, a_len in agent)
    assert max(a + n for a, n in agent) > max(s + n for s, n in supervisor) + 1


async def test_the_agent_consults_another_agent_who_then_takes_the_caller_on_its_own_leg(office):
    r = office
    agent_id, caller, call = await consulting(r, 30_000)
    http = r.engine.http
    other = await r.agent_id("8002")
    busy = await http.post("/agents/8001/call/consult", json={"agent": "8002"})
    assert busy.status_code == 409 and busy.json()["detail"][0]["ctx"]["state"] == "logged_out"
    await r.login("8002")
    leg = r.engine.desk.sessions.leg_channel(other)
    feed = r.engine.hub.subscribe(agent_topic(other))

    asked = time.monotonic()
    assert (await http.post("/agents/8001/call/consult",
                            json={"agent": "8002"})).status_code == 204
    await until(r, lambda e: isinstance(e, BridgeEnter) and e.channel.name == leg
                and e.channel.context == dp.CTX_CONSULT, asked, "8002 never joined 8001")
    await r.wait_state("8002", "on_call")  # consulted, with the caller's screen-pop
    while (event := await asyncio.wait_for(feed.next(), 15)).kind != "screen_pop":
        pass
    assert event.data["caller_number"] == CALLER
    back = time.monotonic()
    assert (await http.post("/agents/8001/call/consult/return")).status_code == 204
    await bridged_with(r, CALLER, agent_id, back)  # the caller back with 8001
    await r.wait_state("8002", ("wrap_up", "available"))
    assert r.engine.desk.sessions.leg_channel(other) == leg  # 8002's session kept its leg
    if (await r.agent("8002"))["state"] == "wrap_up":
        await r.post("/agents/8002/wrap-up/end")

    asked = time.monotonic()
    assert (await http.post("/agents/8001/call/consult",
                            json={"agent": "8002"})).status_code == 204
    await until(r, lambda e: isinstance(e, BridgeEnter) and e.channel.name == leg
                and e.channel.context == dp.CTX_CONSULT, asked, "8002 never joined 8001 again")
    await r.wait_state("8002", "on_call")
    completing = time.monotonic()
    assert (await http.post("/agents/8001/call/consult/complete")).status_code == 204
    await until(r, lambda e: isinstance(e, BridgeEnter) and e.channel.name == caller
                and e.channel.context == dp.CTX_CONSULT_PAIR, completing,
                "the caller never joined 8002")
    await r.wait_state("8001", ("wrap_up", "available"))
    assert (await r.agent("8002"))["state"] == "on_call"  # the caller is 8002's call now
    await call
    await r.wait_state("8002", ("wrap_up", "available"))
    assert r.engine.desk.sessions.leg_channel(other) == leg
    assert r.engine.desk.sessions.leg_channel(agent_id) is not None
