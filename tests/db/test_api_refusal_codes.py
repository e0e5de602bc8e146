"""Every refusal of the agents' sessions, monitoring and the outbound desk is a list of
{loc, msg, type: "rule.<code>"} (with ctx where its words need values), on SQLite and
PostgreSQL, without telephony: the pages say the code in the reader's language, API users keep
the sentence. A contact list's rejected rows carry their column, rule and values too."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from acd.monitoring import Monitoring
from dialer.contacts import Row, import_contacts
from dialer.schedule import WEEKDAYS
from models import Agent, Campaign, Contact, ContactAttempt, DoNotCall, Retailer, User
from models.catalogue import Product
from tests.db.conftest import login

pytestmark = pytest.mark.db


def refusal(reply, status: int) -> dict:
    assert reply.status_code == status, reply.text
    [said] = reply.json()["detail"]
    return said


async def test_an_order_above_the_upper_limit_carries_the_limit(api, sessions):
    async with sessions() as s:
        retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
        product = await s.scalar(select(Product.id).where(Product.name == "中华（硬）"))
    reply = await api.post("/orders", headers=await login(api, "8001"), json={
        "retailer_id": retailer, "lines": [{"product_id": product, "quantity": 51}]})
    said = refusal(reply, 422)
    cycle = {k: said["ctx"].pop(k) for k in ("cycle_start", "cycle_end")}  # this week's
    assert said == {  # class A: at most 50 in an ordering cycle
        "loc": ["body", "lines", 0, "quantity"], "type": "rule.retailer_upper_limit",
        "msg": "中华（硬）: at most 50 in the ordering cycle for this retailer "
               "(0 ordered, 50 left)",
        "ctx": {"limit": 50, "product": "中华（硬）", "ordered": 0, "allowance": 50}}
    assert date.fromisoformat(cycle["cycle_start"]).weekday() == 0  # the branch's Monday


async def test_an_agents_session_refusals_name_their_rule(api):
    agent = await login(api, "8001")
    # Without telephony the engine has no PBX link: the login is refused, the phone never rang.
    down = refusal(await api.post("/agents/8001/login", headers=agent), 503)
    assert (down["type"], down["loc"]) == ("rule.pbx_not_connected", [])
    assert down["msg"].startswith("the PBX refused: ")
    waiting = refusal(await api.post("/agents/8001/unpause", headers=agent), 409)
    assert (waiting["type"], waiting["ctx"]) == (
        "rule.session_not_up", {"state": "session_lost", "event": "Unpause"})
    assert "session not up yet" in waiting["msg"]
    login_reason = refusal(await api.post("/agents/8001/pause", headers=agent,
                                          json={"reason": "login"}), 422)
    assert (login_reason["type"], login_reason["loc"]) == (
        "rule.pause_reason_login", ["body", "reason"])
    unknown = refusal(await api.post("/agents/8999/logout", headers=agent), 404)
    assert (unknown["type"], unknown["ctx"]) == ("rule.unknown_agent", {"agent": "8999"})


async def test_monitoring_refusals_name_their_rule(api, sessions):
    engine = api._transport.app.state.engine
    async with sessions() as s:
        supervisor = await s.scalar(select(User.id).where(User.username == "supervisor"))
    agent_id = next(a.id for a in engine.desk.agents.values() if a.number == "8001")
    admin = await login(api, "admin")
    made = await api.post("/users", headers=admin, json={
        "username": "sup-two", "password": "long-enough", "role": "supervisor",
        "sip_endpoint": "supervisor-two"})
    assert made.status_code == 201, made.text
    # the supervisor's phone still ringing: no channel yet
    ringing = Monitoring("monitor-1", supervisor, "supervisor", agent_id, "listen")
    engine.monitors.active[ringing.id] = ringing
    sup = await login(api, "supervisor")
    early = refusal(await api.put("/monitor/monitor-1", headers=sup, json={"mode": "barge"}), 409)
    assert (early["type"], early["loc"]) == ("rule.monitor_not_answered", [])
    other = await login(api, "sup-two", "long-enough")
    theirs = refusal(await api.delete("/monitor/monitor-1", headers=other), 403)
    assert (theirs["type"], theirs["loc"]) == ("rule.own_monitoring", ["path", "monitor_id"])
    over = refusal(await api.delete("/monitor/monitor-9", headers=sup), 404)
    assert (over["type"], over["loc"]) == ("rule.monitoring_active", ["path", "monitor_id"])


async def test_the_outbound_desk_refusals_name_their_rule(api, sessions):
    async with sessions() as s, s.begin():
        agent_id = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
        campaign = Campaign(name="Survey", purpose="promotion", retries={}, caller_id="4008001234",
                            windows={day: [["00:00", "24:00"]] for day in WEEKDAYS},
                            starts_on=date(2026, 1, 1))
        s.add(campaign)
        await s.flush()
        contact = Contact(campaign_id=campaign.id, phone="13800010001", time_zone="Asia/Shanghai")
        s.add(contact)
        await s.flush()
        attempt = ContactAttempt(campaign_id=campaign.id, contact_id=contact.id,
                                 phone=contact.phone, channel_id="out-1", agent_id=agent_id)
        s.add(attempt)
    agent = await login(api, "8001")
    result = f"/outbound/attempts/{attempt.id}/result"

    async def callback(at: datetime | str, **more) -> dict:
        reply = await api.post(result, headers=agent, json={
            "disposition": "callback_needed", "callback_at": str(at), **more})
        return refusal(reply, 422)

    naive = await callback(datetime.now().replace(microsecond=0).isoformat())
    assert (naive["type"], naive["loc"]) == ("rule.callback_time_zone", ["body", "callback_at"])
    far = await callback((datetime.now(UTC) + timedelta(days=61)).isoformat())
    assert (far["type"], far["ctx"], far["msg"]) == (
        "rule.callback_horizon", {"days": 60}, "between now and 60 days from now")
    both = await callback((datetime.now(UTC) + timedelta(days=1)).isoformat(), do_not_call=True)
    assert both["type"] == "rule.callback_not_with_do_not_call"
    other = await login(api, "8002")
    theirs = refusal(await api.post(result, headers=other, json={"disposition": "other"}), 403)
    assert (theirs["type"], theirs["loc"]) == ("rule.own_attempt", ["path", "attempt_id"])
    gone = refusal(await api.post("/outbound/attempts/999999/result", headers=agent,
                                  json={"disposition": "other"}), 404)
    assert gone["type"] == "rule.unknown_attempt"

    preview = {"campaign_id": campaign.id}
    not_running = refusal(await api.get("/outbound/preview", headers=agent, params=preview), 409)
    assert (not_running["type"], not_running["ctx"]) == (
        "rule.campaign_not_preview", {"campaign": campaign.id})
    ops = await login(api, "ops")
    no_agent = refusal(await api.get("/outbound/preview", headers=ops, params=preview), 403)
    assert no_agent["type"] == "rule.agents_only"


async def test_a_rejected_contact_names_its_column_rule_and_values(api, sessions):
    async with sessions() as s, s.begin():
        campaign = Campaign(name="List", purpose="promotion", retries={}, caller_id="4008001234",
                            windows={}, starts_on=date(2026, 1, 1))
        s.add_all([campaign, DoNotCall(phone="13900000000")])
    rows = [Row(2, {"phone": "13311110001"}), Row(3, {"phone": "13311110001"}),
            Row(4, {"phone": "nope"}), Row(5, {"phone": ""}), Row(6, {"phone": "13900000000"}),
            Row(7, {"phone": "13311110002", "time_zone": "Mars/Base"}),
            Row(8, {"phone": "13311110003", "card": "999999999"})]
    report = await import_contacts(sessions, campaign.id, iter(rows))
    assert [(r.line, r.field, r.rule, r.ctx) for r in report.rejected] == [
        (3, "phone", "phone_repeats", {"value": "13311110001", "line": 2}),
        (4, "phone", "not_a_phone", {"value": "nope"}),
        (5, "phone", "phone_missing", {}),
        (6, "phone", "phone_do_not_call", {"value": "13900000000"}),
        (7, "time_zone", "unknown_timezone", {"value": "Mars/Base"}),
        (8, "card", "unknown_card", {"value": "999999999"})]
    assert report.rejected[0].reason == "phone: 13311110001 repeats line 2"  # the sentence kept
    again = await import_contacts(sessions, campaign.id, iter(rows[:1]))
    assert [(r.rule, r.ctx) for r in again.rejected] == [
        ("phone_in_campaign", {"value": "13311110001"})]
