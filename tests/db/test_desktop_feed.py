"""The live feed against a real database (SQLite and PostgreSQL): the screen-pop read for an
offered call, and overdue work-order steps pushed to the agent who captured the opinion."""
import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from acd.notices import CallOffered
from models import Agent, IvrStep, Retailer, utcnow
from models.journal import Journal
from models.opinions import WorkOrderStep
from runtime.desktop_feed import DesktopFeed
from runtime.live import LiveHub, agent_topic
from services import screen_pop
from tests.db.conftest import login

pytestmark = pytest.mark.db


def _step(seq: int, state: str, keys: str, linkedid: str = "9.1") -> IvrStep:
    return IvrStep(pbx_server="local", linkedid=linkedid, seq=seq, state=state, keys=keys,
                   result="ok", entered_at=utcnow(), duration_ms=900)


async def test_the_screen_pop_names_the_retailer_with_its_orders_cases_and_ivr_path(api, sessions):
    """The IVR's last steps may still wait in the journal when the call is offered."""
    headers = await login(api, "8001")
    journal = Journal(sessions)
    async with sessions() as s, s.begin():
        retailer = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
        s.add(_step(1, "menu", "1"))
    journal.submit(_step(2, "card", "110100001#"))
    journal.submit(_step(1, "menu", "2", linkedid="9.7"))  # another call's
    opinion = await api.post("/opinions", headers=headers, json={
        "kind": "complaint", "subject": "logistics", "source": "retailer",
        "retailer_id": retailer.id, "text": "上周的货晚到了两天"})
    assert opinion.status_code == 201, opinion.text
    offer = CallOffered(1, "9.1", "BJ-order", "BJ", "order", "zh", retailer.id, "A",
                        "13800010001", 12.5)
    async with sessions() as s:
        pop = await screen_pop.build(s, "local", offer, journal.unsaved())
    assert pop["retailer"]["name"] == "朝阳便利店" and pop["retailer"]["retailer_class"] == "A"
    assert pop["retailer"]["branch"] == "BJ" and pop["retailer"]["phones"] == ["13800010001"]
    assert pop["business_type"]["name_zh"] == "电话订货" and pop["waited_seconds"] == 12.5
    path = [("menu", "1"), ("card", "110100001#")]
    assert [(s["state"], s["keys"]) for s in pop["ivr_path"]] == path
    await journal.flush()
    async with sessions() as s:
        pop = await screen_pop.build(s, "local", offer, journal.unsaved())
    assert journal.unsaved() == [] and [(s["state"], s["keys"]) for s in pop["ivr_path"]] == path
    assert len(pop["recent_orders"]) == 3  # the demo's orders of this retailer
    assert [c["id"] for c in pop["open_cases"]] == [opinion.json()["id"]]
    unknown = CallOffered(1, "9.2", "HQ-operator", "HQ", "operator", "zh", None, None, "139", 0)
    async with sessions() as s:
        pop = await screen_pop.build(s, "local", unknown)
    assert pop["retailer"] is None and pop["recent_orders"] == [] and pop["ivr_path"] == []


async def test_a_pop_is_built_for_an_open_console_and_not_for_nobody(api, sessions):
    """A phone-only agent's calls cost no database reads for a pop; a console opened during
    the call gets it before it subscribes."""
    async with sessions() as s:
        retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
    hub = LiveHub()
    feed = DesktopFeed(hub, sessions, "local")
    runner = asyncio.create_task(feed.run())
    try:
        feed.on_notice(CallOffered(1, "9.1", "BJ-order", "BJ", "order", "zh", retailer, "A",
                                   "13800010001", 3.0))
        await asyncio.sleep(0.2)
        assert [e.kind for e in hub.sticky(agent_topic(1))] == []
        await feed.watched(1)
        [pop] = hub.sticky(agent_topic(1))
        assert pop.kind == "screen_pop" and pop.data["retailer"]["card_number"] == "110100001"
        await feed.watched(1)  # once
        assert [e.kind for e in hub.missed(agent_topic(1), hub.epoch, 0)] == [
            "call_offered", "screen_pop"]
        subscription = hub.subscribe(agent_topic(2))
        feed.on_notice(CallOffered(2, "9.2", "BJ-order", "BJ", "order", "zh", retailer, "A",
                                   "13800010001", 1.0))
        async with asyncio.timeout(5):
            while (await subscription.next()).kind != "screen_pop":
                pass
    finally:
        runner.cancel()


async def test_an_overdue_step_is_pushed_once_to_the_agent_who_captured_the_opinion(api, sessions):
    headers = await login(api, "8001")
    async with sessions() as s:
        retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
        agent = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
    opinion = (await api.post("/opinions", headers=headers, json={
        "kind": "complaint", "subject": "logistics", "source": "retailer", "retailer_id": retailer,
        "text": "送货员态度不好"})).json()["id"]
    wo = (await api.post(f"/opinions/{opinion}/work-orders", headers=headers, json={
        "department": "logistics", "steps": [{"description": "核实", "due_in_hours": 2}]})).json()
    hub = LiveHub()
    feed = DesktopFeed(hub, sessions, "local")
    assert await feed.publish_overdue() == 0
    async with sessions() as s, s.begin():
        await s.execute(update(WorkOrderStep).where(WorkOrderStep.work_order_id == wo["id"])
                        .values(due_at=utcnow() - timedelta(minutes=5)))
    assert await feed.publish_overdue() == 1
    [event] = hub.missed(agent_topic(agent), hub.epoch, 0)
    assert event.kind == "task_overdue"
    assert (event.data["work_order_id"], event.data["opinion_id"]) == (wo["id"], opinion)
    assert await feed.publish_overdue() == 0  # told once
