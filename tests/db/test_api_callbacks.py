"""The inbox's queue callbacks over the API, on SQLite and PostgreSQL: listed pending first and
newest last, a branch's users see their branch's (by queue or by retailer), closed once with an
outcome by the signed-in user whatever the client claims; voicemails too take the signed-in user."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Branch, CallbackRequest, Retailer, Voicemail, utcnow
from models.acd import CallbackStatus
from tests.db.conftest import login

pytestmark = pytest.mark.db


@pytest.fixture
async def requests(api, sessions) -> dict[str, int]:
    """Four requests: Beijing's by queue (two), Shanghai's by queue, and one on headquarters'
    queue from a Beijing retailer; one of Beijing's already done."""
    now = utcnow()
    async with sessions() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        bj_retailer = await s.scalar(select(Retailer).where(Retailer.branch_id == bj.id).limit(1))
        rows = {
            "bj_old": CallbackRequest(pbx_server="local", linkedid="c.1",
                                      caller_number="13900000001", queue="BJ-order",
                                      requested_at=now - timedelta(hours=2)),
            "bj_done": CallbackRequest(pbx_server="local", linkedid="c.2",
                                       caller_number="13900000002", queue="BJ-order",
                                       requested_at=now - timedelta(hours=3),
                                       status=CallbackStatus.DONE),
            "sh": CallbackRequest(pbx_server="local", linkedid="c.3", caller_number="13900000003",
                                  queue="SH-opinion", requested_at=now - timedelta(hours=1)),
            "hq_bj_retailer": CallbackRequest(
                pbx_server="local", linkedid="c.4", caller_number="13900000004",
                queue="HQ-order", retailer_id=bj_retailer.id, requested_at=now),
        }
        s.add_all(rows.values())
    return {name: r.id for name, r in rows.items()}


async def test_listed_pending_first_newest_last_and_filtered(api, requests):
    admin = await login(api, "admin")
    listed = (await api.get("/callbacks", headers=admin)).json()
    assert [c["id"] for c in listed] == [requests["bj_old"], requests["sh"],
                                         requests["hq_bj_retailer"], requests["bj_done"]]
    pending = (await api.get("/callbacks", headers=admin, params={"status": "pending"})).json()
    assert requests["bj_done"] not in {c["id"] for c in pending}
    since = (utcnow() - timedelta(minutes=90)).isoformat()
    recent = (await api.get("/callbacks", headers=admin, params={"since": since})).json()
    assert [c["id"] for c in recent] == [requests["sh"], requests["hq_bj_retailer"]]
    with_retailer = next(c for c in listed if c["id"] == requests["hq_bj_retailer"])
    assert with_retailer["retailer_name"] and with_retailer["card_number"]
    bad = await api.get("/callbacks", headers=admin, params={"status": "lost"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]


async def test_a_branch_sees_its_queues_and_retailers_only(api, requests):
    admin = await login(api, "admin")
    reply = await api.post("/users", headers=admin, json={
        "username": "bj-supervisor", "password": "long-enough", "role": "supervisor",
        "branch": "BJ"})
    assert reply.status_code == 201, reply.text
    bj = await login(api, "bj-supervisor", "long-enough")
    seen = {c["id"] for c in (await api.get("/callbacks", headers=bj)).json()}
    assert seen == {requests["bj_old"], requests["bj_done"], requests["hq_bj_retailer"]}
    other = await api.post(f"/callbacks/{requests['sh']}/handled", headers=bj,
                           json={"outcome": "reached"})
    assert other.status_code == 404
    assert other.json()["detail"][0]["type"] == "rule.unknown_callback"


async def test_handled_once_by_the_signed_in_user(api, requests, sessions):
    agent = await login(api, "8001")
    closed = await api.post(f"/callbacks/{requests['bj_old']}/handled", headers=agent,
                            json={"outcome": "no_answer", "note": "rang out",
                                  "handled_by": "somebody-else"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["handled_by"] == "8001" and closed.json()["status"] == "done"
    async with sessions() as s:
        row = await s.get(CallbackRequest, requests["bj_old"])
        assert (row.status, row.handled_by, row.outcome, row.note) == (
            CallbackStatus.DONE, "8001", "no_answer", "rang out")
        assert row.handled_at is not None

    again = await api.post(f"/callbacks/{requests['bj_old']}/handled", headers=agent,
                           json={"outcome": "reached"})
    assert again.status_code == 409
    assert again.json()["detail"][0]["type"] == "rule.callback_already_handled"
    assert again.json()["detail"][0]["ctx"]["handled_by"] == "8001"

    unknown_outcome = await api.post(f"/callbacks/{requests['sh']}/handled", headers=agent,
                                     json={"outcome": "maybe"})
    assert unknown_outcome.status_code == 422
    assert unknown_outcome.json()["detail"][0]["loc"] == ["body", "outcome"]
    ops = await login(api, "ops")
    assert (await api.get("/callbacks", headers=ops)).status_code == 403


async def test_a_voicemail_is_handled_by_the_signed_in_user(api, sessions):
    async with sessions() as s:
        vm = await s.scalar(select(Voicemail).where(Voicemail.linkedid == "1.0"))
    agent = await login(api, "8001")
    done = await api.post(f"/voicemails/{vm.id}/handled", headers=agent,
                          json={"handled_by": "somebody-else", "note": "called back"})
    assert done.status_code == 200 and done.json()["handled_by"] == "8001"
    again = await api.post(f"/voicemails/{vm.id}/handled", headers=agent, json={})
    assert again.status_code == 409
    assert again.json()["detail"][0]["type"] == "rule.voicemail_already_handled"
