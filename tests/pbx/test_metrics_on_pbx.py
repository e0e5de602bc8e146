"""/metrics and readiness on a real Asterisk: a caller through the IVR to an agent moves the
call counter, the queue-wait histogram, the agents-by-state gauge and the AMI and AGI timings;
readiness turns 503 naming FastAGI once it stops listening and the AMI link once the PBX is
gone."""
import asyncio

import pytest

from asterisk.sipp_phone import Keys, Pause
from tests.pbx.helpers import eventually
from tests.unit.test_metrics_exposition import parse

pytestmark = pytest.mark.pbx

ANSWERED = ("hotline_calls_total", (("direction", "inbound"), ("outcome", "answered")))
WAITED = ("hotline_queue_wait_seconds_count", (("queue", "BJ-order"), ("result", "answered")))
AVAILABLE = ("hotline_agents", (("branch", "BJ"), ("state", "available")))
ON_CALL = ("hotline_agents", (("branch", "BJ"), ("state", "on_call")))


def ami_count(action: str):
    return ("hotline_ami_action_seconds_count", (("action", action),))


async def scrape(engine) -> dict:
    reply = await engine.http.get("/metrics")
    assert reply.status_code == 200, reply.text
    return {(name, tuple(sorted(labels.items()))): value
            for name, labels, value in parse(reply.text)[1]}


async def until(engine, seen, what: str, timeout: float = 30.0) -> dict:
    """The metrics once `seen(metrics)` holds, scraped again until it does."""
    async def scraped():
        metrics = await scrape(engine)
        return metrics if seen(metrics) else None
    return await eventually(scraped, what, timeout, every=0.05)


async def test_a_call_answered_by_an_agent_moves_the_metrics_and_a_lost_pbx_unreadies(
        rig, sipp):
    r = await rig(("8001",))
    engine, pbx = r.engine, r.pbx
    before = await scrape(engine)
    assert before.get(ANSWERED, 0) == 0 and before[AVAILABLE] == 0
    logins = before.get(ami_count("Originate"), 0)
    assert (await engine.http.post("/agents/8001/login")).status_code == 200
    await until(engine, lambda m: m[AVAILABLE] == 1, "8001 never counted available")
    call = asyncio.create_task(sipp.call(
        "4000", script=[Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")],
        caller="13311112222", hold_ms=6000, timeout=40))
    talking = await until(engine, lambda m: m[ON_CALL] == 1, "8001 never counted on a call",
                          timeout=40)
    assert talking[AVAILABLE] == 0 and talking.get(ANSWERED, 0) == 0  # not ended yet
    await call
    after = await until(engine, lambda m: m.get(ANSWERED) == 1, "the call never counted")
    assert after[WAITED] == 1
    assert after[ami_count("Originate")] > logins  # the agent's session leg
    assert after[ami_count("Redirect")] >= 1  # the caller delivered into it
    assert after[("hotline_agi_turn_seconds_count", (("script", "ivr"),))] > 0
    assert after[("hotline_event_loop_lag_seconds_count", ())] > 0
    assert after[("hotline_ami_connected", ())] == 1
    ready = await engine.http.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["failing"] == {}
    await engine.agi.close()  # FastAGI stops listening
    no_agi = await engine.http.get("/health/ready")
    assert no_agi.status_code == 503 and list(no_agi.json()["failing"]) == ["agi"]
    await pbx.down()
    async def unready():
        reply = await engine.http.get("/health/ready")
        return reply if "ami" in reply.json()["failing"] else None
    reply = await eventually(unready, "readiness noticing the PBX gone", every=0.05)
    assert reply.status_code == 503 and sorted(reply.json()["failing"]) == ["agi", "ami"]
    assert (await engine.http.get("/health/live")).status_code == 200
    assert (await scrape(engine))[("hotline_ami_connected", ())] == 0
