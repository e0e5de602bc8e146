"""Call control on the real PBX: the agent hangs up the caller from the console's API and stays in
the session (its phone leg is the shift); the next caller is delivered to that same leg."""
import asyncio
import time

import pytest

from asterisk.sipp_phone import Keys, Pause
from tests.pbx.helpers import wait_for_calls

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
    assert [e.data for e in hung_up] == [{"by": "admin"}], "not in the call's events"
