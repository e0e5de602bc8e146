"""Calls back and calls out on the real PBX: a caller who asked for a callback at the maximum wait
is dialed by the branch's callback campaign and connected to an agent with the screen-pop, and
the request closes as reached; an agent's click-to-dial reaches the retailer, and is refused for
a number on the do-not-call list and by the contact policy across campaigns."""
import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from asterisk.sipp_customers import Population
from dialer.standing import ALL_DAY
from models import CallbackRequest, Campaign, ContactAttempt
from runtime.live import agent_topic
from tests.pbx.test_acd_scenarios import ORDER_BJ, ORDER_BJ_ASKING_A_CALLBACK
from tests.pbx.test_dialer_on_pbx import first_pop, headers, rounds, wait_until

pytestmark = pytest.mark.pbx

ANSWERING = Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400), talk_ms=(3000, 3000))


async def test_a_callback_asked_for_at_the_maximum_wait_is_dialed_and_reaches_an_agent(
        rig, sipp, customers, settings):
    settings.dialer.tick_seconds = 0.2
    r = await rig(("8001",), {"BJ-order": {"max_wait_seconds": 2}},
                  trunks={"customers": await customers(ANSWERING)})
    # Nobody logged in: the caller waits to the maximum wait and keys 2.
    await sipp.call("4000", script=ORDER_BJ_ASKING_A_CALLBACK, caller="13300000001",
                    hold_ms=15000, timeout=60)

    async def scheduled():
        async with r.database() as s:
            request = await s.scalar(select(CallbackRequest))
            campaign = await s.scalar(select(Campaign).where(Campaign.purpose == "callback"))
        return (request, campaign) if request and request.contact_id else None
    request, campaign = await wait_until(scheduled, 20, "scheduled")
    assert campaign.name == "回拨 BJ" and campaign.mode == "progressive"
    assert request.keeps_place

    agent_id = await r.agent_id("8001")
    feed = r.engine.hub.subscribe(agent_topic(agent_id))
    # Its kept place is first in the queue: the agent is taken for it as soon as it is up.
    await r.post("/agents/8001/login")
    _, pop = await first_pop({"8001": feed}, 30)
    assert pop["direction"] == "outbound" and pop["campaign"]["name"] == "回拨 BJ"
    assert pop["caller_number"] == "13300000001"
    assert pop["contact"]["fields"]["callback"] == request.id
    assert pop["retailer"]["card_number"] == "110100001"
    await r.wait_state("8001", "on_call", timeout=10)

    async def closed():
        async with r.database() as s:
            found = await s.get(CallbackRequest, request.id)
        return found if found.status == "done" else None
    done = await wait_until(closed, 30, "closed")
    assert (done.outcome, done.handled_by) == ("reached", "8001")
    async with r.database() as s:
        [attempt] = list(await s.scalars(select(ContactAttempt)))
    assert attempt.agent_id == agent_id and attempt.connected_at is not None
    assert attempt.started_at >= request.requested_at


async def test_click_to_dial_reaches_the_retailer_within_the_do_not_call_list_and_the_policy(
        rig, customers, settings):
    settings.dialer.tick_seconds = 0.2
    settings.dialer.calls_per_retailer_per_day = 1
    r = await rig(("8001",), trunks={"customers": await customers(ANSWERING)})
    await r.login("8001")
    http = r.engine.http
    agent = await headers(http, "8001")
    retailer = (await http.get("/retailers", params={"q": "110100001"})).json()[0]
    await http.post("/do-not-call", json={"phone": "13300009999", "reason": "asked"})

    blocked = await http.post("/outbound/dial", headers=agent, json={"phone": "13300009999"})
    assert blocked.status_code == 409, blocked.text
    assert blocked.json()["detail"][0]["type"] == "rule.do_not_call"
    assert blocked.json()["detail"][0]["loc"] == ["body", "phone"]

    feed = r.engine.hub.subscribe(agent_topic(await r.agent_id("8001")))
    phone = retailer["phones"][0]
    dialed = await http.post("/outbound/dial", headers=agent,
                             json={"phone": phone, "retailer_id": retailer["id"]})
    assert dialed.status_code == 200, dialed.text
    _, pop = await first_pop({"8001": feed}, 20)
    assert pop["attempt_id"] == dialed.json()["attempt_id"]
    assert pop["retailer"]["id"] == retailer["id"] and pop["campaign"]["name"] == "外呼 BJ"
    await r.wait_state("8001", "on_call", timeout=10)
    await r.wait_state("8001", "wrap_up", timeout=20)
    await r.post("/agents/8001/wrap-up/end")

    # One call a day to a retailer: the same retailer again, even at another number, waits.
    again = await http.post("/outbound/dial", headers=agent,
                            json={"phone": "13911112222", "retailer_id": retailer["id"]})
    assert again.status_code == 409, again.text
    refusal = again.json()["detail"][0]
    assert refusal["type"] == "rule.contact_policy"
    assert datetime.fromisoformat(refusal["ctx"]["until"]) > datetime.now(UTC)


async def test_a_caller_who_kept_its_place_is_called_back_at_its_turn_and_no_earlier(
        rig, sipp, customers, settings):
    settings.dialer.tick_seconds = 0.2
    r = await rig(("8001",), {"BJ-order": {"max_wait_seconds": 2, "wrap_up_seconds": 1}},
                  trunks={"customers": await customers(ANSWERING)})
    await r.login("8001")
    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000011",
                                          hold_ms=45_000, timeout=90))
    await r.wait_state("8001", "on_call", timeout=30)
    # The second caller waits behind, keys 2 at the maximum wait and hangs up.
    await sipp.call("4000", script=ORDER_BJ_ASKING_A_CALLBACK, caller="13300000001",
                    hold_ms=15000, timeout=60)

    async def kept():
        async with r.database() as s:
            found = await s.scalar(select(CallbackRequest).where(CallbackRequest.keeps_place))
            campaign = await s.scalar(select(Campaign).where(Campaign.purpose == "callback"))
        return (found, campaign) if found and found.contact_id and campaign else None
    request, campaign = await wait_until(kept, 20, "kept its place")
    # Its place is in 8001's queue (a card misread on a busy machine would put it elsewhere).
    assert request.queue == "BJ-order", f"kept its place in {request.queue!r}"
    await rounds(r.engine.dialer, campaign.id)  # the dialer went round: it placed nothing
    assert r.engine.dialer.dials == {} and (await r.agent("8001"))["state"] == "on_call"

    await first
    first_ended = datetime.now(UTC)
    await r.wait_state("8001", "on_call", timeout=30)  # its turn: called back to this agent

    async def attempt():
        await r.engine.dialer.flush()
        async with r.database() as s:
            return await s.scalar(select(ContactAttempt).where(
                ContactAttempt.connected_at.is_not(None)))
    called = await wait_until(attempt, 20, "called back")
    assert called.phone == "13300000001" and called.agent_id == await r.agent_id("8001")
    assert called.started_at >= first_ended - timedelta(seconds=1)  # not while 8001 was busy
    assert called.started_at >= request.requested_at


async def test_the_agent_calls_a_callback_back_now_from_the_inbox(rig, customers, settings):
    settings.dialer.tick_seconds = 0.2
    r = await rig(("8001",), trunks={"customers": await customers(ANSWERING)})
    async with r.database() as s, s.begin():  # a feedback call due tomorrow
        request = CallbackRequest(pbx_server="", linkedid="opinion-1", queue="BJ-complaint",
                                  caller_number="13300005555",
                                  requested_at=datetime.now(UTC) + timedelta(days=1))
        s.add(request)
    await r.engine.dialer.schedule_callbacks()
    async with r.database() as s:
        campaign = await s.scalar(select(Campaign).where(Campaign.purpose == "callback"))
    # Operations call back around the clock here, so the test does not hang on the hour.
    changed = await r.engine.http.patch(f"/campaigns/{campaign.id}",
                                        json={"windows": ALL_DAY})
    assert changed.status_code == 200, changed.text
    await r.login("8001")
    feed = r.engine.hub.subscribe(agent_topic(await r.agent_id("8001")))
    called = await r.engine.http.post(f"/callbacks/{request.id}/call",
                                      headers=await headers(r.engine.http, "8001"))
    assert called.status_code == 200, called.text
    _, pop = await first_pop({"8001": feed}, 20)
    assert pop["attempt_id"] == called.json()["attempt_id"]
    assert pop["caller_number"] == "13300005555" and pop["campaign"]["name"] == "回拨 BJ"
    await r.wait_state("8001", "on_call", timeout=10)
