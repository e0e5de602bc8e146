"""Dispositions and notes per call, and call history per retailer and per agent, over the API
on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import select

from models import Agent, Call, Retailer, utcnow
from models.calls import CallDirection, CallOutcome
from tests.db.conftest import login

pytestmark = pytest.mark.db


@pytest.fixture
async def taken(api, sessions) -> dict:
    """Two calls of retailer 110100001 taken by 8001, and one of 110100002 taken by 8002."""
    async with sessions() as s, s.begin():
        agents = {a.number: a for a in await s.scalars(select(Agent))}
        retailers = {r.card_number: r for r in await s.scalars(select(Retailer))}
        ids = {}
        for key, card, number in (("a1", "110100001", "8001"), ("a2", "110100001", "8001"),
                                  ("b1", "110100002", "8002")):
            r, a = retailers[card], agents[number]
            call = Call(linkedid=f"t.{key}", uniqueid=f"t.{key}", offered_at=utcnow(),
                        direction=CallDirection.INBOUND, retailer_id=r.id,
                        branch_id=r.branch_id, agent_id=a.id, queue="BJ-order",
                        connected_at=utcnow(), outcome=CallOutcome.COMPLETED)
            s.add(call)
            await s.flush()
            ids[key] = call.id
        ids |= {"retailer": retailers["110100001"].id, "agent": agents["8001"].id}
    return ids


async def test_the_agent_who_took_the_call_sets_its_disposition(api, taken):
    agent, other, sup, ops = [await login(api, n) for n in ("8001", "8002", "supervisor", "ops")]
    url = f"/calls/{taken['a1']}/dispositions"
    reply = await api.post(url, headers=agent,
                           json={"disposition": "order_taken", "note": "两条中华"})
    assert reply.status_code == 201 and reply.json()["by"] == "8001"
    assert (await api.post(url, headers=other, json={"disposition": "other"})).status_code == 403
    assert (await api.post(url, headers=ops, json={"disposition": "other"})).status_code == 403
    bad = await api.post(url, headers=agent, json={"disposition": "sold"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "disposition"]
    corrected = await api.post(url, headers=sup, json={"disposition": "callback_needed",
                                                       "note": "the order was incomplete"})
    assert corrected.status_code == 201
    listed = (await api.get(url, headers=agent)).json()
    assert [(d["by"], d["disposition"]) for d in listed] == [
        ("8001", "order_taken"), ("supervisor", "callback_needed")]
    assert listed[0]["note"] == "两条中华"
    missing = await api.post("/calls/999999/dispositions", headers=sup,
                             json={"disposition": "other"})
    assert missing.status_code == 404


async def test_call_history_per_retailer_and_per_agent(api, taken):
    sup, sh_agent = await login(api, "supervisor"), await login(api, "8003")
    by_retailer = (await api.get("/calls", params={"retailer_id": taken["retailer"]},
                                 headers=sup)).json()
    assert sorted(c["id"] for c in by_retailer) == sorted([taken["a1"], taken["a2"]])
    by_agent = (await api.get("/calls", params={"agent_id": taken["agent"]},
                              headers=sup)).json()
    assert {c["id"] for c in by_agent} == {taken["a1"], taken["a2"]}
    assert (await api.get("/calls", params={"retailer_id": taken["retailer"]},
                          headers=sh_agent)).json() == []  # a Beijing retailer's calls


async def test_a_call_is_found_by_the_pbx_id_that_live_events_carry(api, taken, sessions):
    async with sessions() as s, s.begin():
        call = await s.get(Call, taken["b1"])
        call.linkedid = "t.b1~1"  # a key the PBX reused, retired
    agent = await login(api, "8001")
    found = (await api.get("/calls", params={"linkedid": "t.a1"}, headers=agent)).json()
    assert [c["id"] for c in found] == [taken["a1"]]
    retired = (await api.get("/calls", params={"linkedid": "t.b1"}, headers=agent)).json()
    assert [c["id"] for c in retired] == [taken["b1"]]
    assert (await api.get("/calls", params={"linkedid": "t.a"}, headers=agent)).json() == []
