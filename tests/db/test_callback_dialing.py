"""Callback requests become the dialer's calls, on SQLite and PostgreSQL: a queue callback is a
contact of its branch's callback campaign due at the request's time, a feedback call waits for
the agent who took the opinion, and a request is closed when its contact is reached, runs out of
attempts or is on the do-not-call list, or when someone closes it by hand."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dialer.callbacks import CallbackIntake
from dialer.plan import Plan
from dialer.runner import Dialer
from dialer.schedule import WEEKDAYS
from dialer.settings import DialerSettings
from models import (
    Agent,
    AttemptOutcome,
    CallbackRequest,
    CallbackStatus,
    Campaign,
    CampaignState,
    Contact,
    ContactAttempt,
    ContactStatus,
    DoNotCall,
    Retailer,
    utcnow,
)
from services.demo import seed
from tests.db.conftest import login

pytestmark = pytest.mark.db


async def requests(sessions, *rows: CallbackRequest) -> list[int]:
    async with sessions() as s, s.begin():
        s.add_all(rows)
        await s.flush()
        return [r.id for r in rows]


def queue_callback(number: str, queue: str = "BJ-order", **more) -> CallbackRequest:
    return CallbackRequest(pbx_server="pbx", linkedid=f"call-{number}-{queue}",
                           caller_number=number, queue=queue, **more)


async def test_a_queue_callback_becomes_a_contact_of_its_branchs_callback_campaign(sessions):
    await seed(sessions)
    async with sessions() as s:
        retailer = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
    later = utcnow() + timedelta(minutes=5)
    first, again, shanghai = await requests(
        sessions, queue_callback("13300000001", retailer_id=retailer.id),
        queue_callback("13300000001", requested_at=later),  # asked twice: called once
        queue_callback("13300000002", queue="SH-complaint"))
    intake = CallbackIntake(sessions, "4000")
    assert await intake.schedule() == 3
    assert await intake.schedule() == 0  # each request is taken in once

    async with sessions() as s:
        rows = {r.id: r for r in await s.scalars(select(CallbackRequest))}
        campaigns = {c.name: c for c in await s.scalars(select(Campaign))}
        contact = await s.get(Contact, rows[first].contact_id)
        sh_contact = await s.get(Contact, rows[shanghai].contact_id)
    assert rows[again].contact_id == rows[first].contact_id
    beijing = campaigns["回拨 BJ"]
    assert (beijing.purpose, beijing.state, beijing.mode, beijing.branch.code) == (
        "callback", CampaignState.RUNNING, "progressive", "BJ")
    assert beijing.windows == {day: [["09:00", "20:00"]] for day in WEEKDAYS}
    assert beijing.retries["no_answer"] == {"delay_minutes": 30, "max_attempts": 3}
    assert contact.campaign_id == beijing.id and contact.status == ContactStatus.PENDING
    assert contact.retailer_id == retailer.id and contact.name == retailer.name
    assert contact.next_attempt_at == rows[first].requested_at
    assert contact.time_zone == beijing.branch.timezone and contact.callback_agent_id is None
    assert contact.fields["callback"] == first and contact.fields["queue"] == "BJ-order"
    assert sh_contact.campaign_id == campaigns["回拨 SH"].id
    # The campaign is worked by every agent of its branch, and is never finished for want of
    # contacts.
    async with sessions() as s:
        plan = Plan.of(await s.get(Campaign, beijing.id))
    assert plan.standing and plan.skill is None and plan.branch == "BJ"


async def test_a_feedback_call_goes_first_to_the_agent_who_took_the_opinion(sessions):
    await seed(sessions)
    async with sessions() as s:
        agent = await s.scalar(select(Agent).where(Agent.number == "8002"))
    at = utcnow() + timedelta(hours=2)
    [feedback] = await requests(sessions, CallbackRequest(
        pbx_server="", linkedid="opinion-7", caller_number="13300000003", queue="SH-complaint",
        requested_at=at, agent_id=agent.id))
    await CallbackIntake(sessions, "4000").schedule()
    async with sessions() as s:
        request = await s.get(CallbackRequest, feedback)
        contact = await s.get(Contact, request.contact_id)
    assert contact.callback_agent_id == agent.id and contact.next_attempt_at == at


async def test_a_request_is_closed_with_what_became_of_its_call(sessions):
    await seed(sessions)
    reached, failed, blocked, pending, anonymous = await requests(
        sessions, *(queue_callback(f"133000001{n}") for n in range(4)),
        queue_callback("anonymous"))
    intake = CallbackIntake(sessions, "4000")
    await intake.schedule()
    async with sessions() as s, s.begin():
        rows = {r.id: r for r in await s.scalars(select(CallbackRequest))}
        agent = await s.scalar(select(Agent).where(Agent.number == "8001"))
        for request_id, status, outcome in ((reached, ContactStatus.DONE, AttemptOutcome.ANSWERED),
                                            (failed, ContactStatus.EXHAUSTED,
                                             AttemptOutcome.FAILED),
                                            (blocked, ContactStatus.DO_NOT_CALL, None)):
            contact = await s.get(Contact, rows[request_id].contact_id)
            contact.status, contact.last_outcome = status, outcome
        done = await s.get(Contact, rows[reached].contact_id)
        s.add(ContactAttempt(campaign_id=done.campaign_id, contact_id=done.id,
                             phone=done.phone, channel_id="dial-1", agent_id=agent.id,
                             connected_at=utcnow(), outcome=AttemptOutcome.ANSWERED))
    assert await intake.close_finished() == 3
    async with sessions() as s:
        rows = {r.id: r for r in await s.scalars(select(CallbackRequest))}
    assert (rows[reached].status, rows[reached].outcome, rows[reached].handled_by) == (
        CallbackStatus.DONE, "reached", "8001")
    assert (rows[failed].outcome, rows[failed].handled_by) == ("wrong_number", "dialer")
    assert rows[blocked].outcome == "other" and "do-not-call" in rows[blocked].note
    assert rows[pending].status == CallbackStatus.PENDING
    assert (rows[anonymous].status, rows[anonymous].outcome, rows[anonymous].contact_id) == (
        CallbackStatus.DONE, "wrong_number", None)


async def test_closed_by_hand_in_the_inbox_it_is_not_dialed(api, sessions):
    await seed(sessions)
    [request_id] = await requests(sessions, queue_callback("13300000005"))
    await CallbackIntake(sessions, "4000").schedule()
    agent = await login(api, "8001")
    closed = await api.post(f"/callbacks/{request_id}/handled", headers=agent,
                            json={"outcome": "reached", "note": "called from a mobile"})
    assert closed.status_code == 200, closed.text
    listed = (await api.get("/callbacks", headers=agent)).json()
    [shown] = [c for c in listed if c["id"] == request_id]
    assert shown["kind"] == "queue" and shown["next_call_at"] is None
    async with sessions() as s:
        request = await s.get(CallbackRequest, request_id)
        contact = await s.get(Contact, request.contact_id)
    assert contact.status == ContactStatus.DONE


async def test_the_inbox_shows_how_the_dialer_is_getting_on(api, sessions):
    await seed(sessions)
    [request_id] = await requests(sessions, queue_callback("13300000006"))
    agent = await login(api, "8001")
    [before] = [c for c in (await api.get("/callbacks", headers=agent)).json()
                if c["id"] == request_id]
    assert before["attempts"] == 0 and before["next_call_at"] is not None
    await CallbackIntake(sessions, "4000").schedule()
    retry = utcnow() + timedelta(minutes=30)
    async with sessions() as s, s.begin():
        contact = await s.get(Contact, (await s.get(CallbackRequest, request_id)).contact_id)
        contact.attempts, contact.next_attempt_at = 1, retry
    [after] = [c for c in (await api.get("/callbacks", headers=agent)).json()
               if c["id"] == request_id]
    assert after["attempts"] == 1
    assert abs((datetime.fromisoformat(after["next_call_at"]) - retry).total_seconds()) < 1


async def test_pinned_callbacks_respect_the_do_not_call_list(sessions):
    """A callback due for its own agent is still not placed to a number on the list."""
    await seed(sessions)
    async with sessions() as s:
        agent = await s.scalar(select(Agent).where(Agent.number == "8001"))
    [request_id] = await requests(sessions, queue_callback("13300000007", agent_id=agent.id))
    await CallbackIntake(sessions, "4000").schedule()
    async with sessions() as s, s.begin():
        s.add(DoNotCall(phone="13300000007"))
        contact = await s.get(Contact, (await s.get(CallbackRequest, request_id)).contact_id)
        campaign = await s.get(Campaign, contact.campaign_id)
        plan = Plan.of(campaign)
    dialer = Dialer(None, None, sessions, DialerSettings(), lambda number: "", "4000")
    assert await dialer.contacts.callbacks(plan, {agent.id}, set()) == []
    async with sessions() as s:
        assert (await s.get(Contact, contact.id)).status == ContactStatus.DO_NOT_CALL
    held = await dialer.contacts.why_not(plan, contact.id, set())
    assert held.rule == "do_not_call"

