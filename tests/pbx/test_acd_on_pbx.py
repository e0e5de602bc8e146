"""Inbound end to end: a caller through the IVR waits in its branch queue; the engine's ACD
delivers it into the session of the agent qualified for it."""
import asyncio
import dataclasses
import time

import pytest
from sqlalchemy import select

from agent_api.app import create_app
from asterisk.sipp_phone import Keys, Pause
from models import Agent
from runtime.provision import local_pbx, pbx_layout
from tests.pbx.helpers import api_client, wait_for_calls

pytestmark = pytest.mark.pbx


@pytest.fixture
async def desk_engine(settings, database, prompts, softphones):
    """Softphones for agents 8001 (Beijing, orders) and 8002 (Beijing, complaints)."""
    agent_phones = {f"agent-{n}": f"sip:agent@127.0.0.1:{await softphones()}"
                    for n in ("8001", "8002")}
    endpoints, queues = await pbx_layout(database)
    endpoints = tuple(dataclasses.replace(e, contact=agent_phones.get(e.name)) for e in endpoints)
    pbx = local_pbx(settings, endpoints, queues)
    await pbx.up()
    try:
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            engine = app.state.engine
            await engine.ami.wait_connected(timeout=5)
            engine.http = await api_client(app)
            yield engine
    finally:
        await pbx.down()


async def wait_state(engine, number: str, state: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        agents = {a["number"]: a for a in (await engine.http.get("/agents")).json()}
        if agents[number]["state"] == state:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"agent {number} never {state}: {agents[number]}")


async def test_an_order_call_reaches_the_qualified_agent_of_its_branch(desk_engine, sipp,
                                                                       database):
    engine = desk_engine
    for number in ("8002", "8001"):
        reply = await engine.http.post(f"/agents/{number}/login")
        assert reply.status_code == 200, reply.text
    await wait_state(engine, "8001", "available")
    await wait_state(engine, "8002", "available")
    await sipp.call("4000", script=[Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")],
                    caller="13311112222", hold_ms=8000, timeout=40)
    rows = await wait_for_calls(engine, 1, timeout=10)  # the agents' session legs are calls too
    [call] = [c for c in rows if c.direction == "inbound"]
    async with database() as s:
        agent_8001 = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
    assert call.queue == "BJ-order" and call.agent_id == agent_8001
    assert call.connected_at is not None and call.outcome == "completed"
    joins = [e for e in call.events if e.kind == "BridgeEnter"]
    assert joins and joins[0].data["members"] >= 2
    agents = {a["number"]: a for a in (await engine.http.get("/agents")).json()}
    assert agents["8001"]["calls_handled_today"] == 1 and agents["8002"]["calls_handled_today"] == 0
    await wait_state(engine, "8001", "wrap_up")  # the caller hung up: the queue's wrap-up
    reply = await engine.http.post("/agents/8001/wrap-up/end")
    assert reply.status_code == 200 and reply.json()["state"] == "available"
    await engine.journal.flush()
    history = (await engine.http.get("/agents/8001/transitions")).json()
    assert [(t["from_state"], t["to_state"]) for t in reversed(history)] == [
        ("logged_out", "paused"), ("paused", "available"), ("available", "reserved"),
        ("reserved", "on_call"), ("on_call", "wrap_up"), ("wrap_up", "available")]
    assert history[1]["call_linkedid"] == call.linkedid
    # Logging out ends the session; an unknown agent is a 404.
    assert (await engine.http.post("/agents/8001/logout")).json()["state"] == "logged_out"
    assert (await engine.http.post("/agents/9999/login")).status_code == 404
