"""Consultations (业务咨询) over the API, on SQLite and PostgreSQL: recorded with a topic, the
question and the answer; listed by date, topic, branch and page; seen within the branch; an open
one raises a work order (by hand or from the consultations' template) that goes the opinions'
way; every refusal names its field and rule and leaves no rows."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import Call, CallbackRequest, Retailer, utcnow
from models.opinions import Opinion, OpinionKind, WorkOrder, WorkOrderStep
from services.work_orders import open_cases
from tests.db.conftest import login

pytestmark = pytest.mark.db

WORK_ORDER = {"department": "marketing",
              "steps": [{"description": "确认本月促销政策", "due_in_hours": 4}]}


@pytest.fixture
async def ids(api, sessions) -> dict:
    async with sessions() as s:
        retailers = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        calls = {c.linkedid: c.id for c in await s.scalars(select(Call))}
        await s.execute(update(Call).where(Call.linkedid == "1.0")
                        .values(caller_number="+8613900000001"))  # as a trunk may say it
        await s.commit()
    return {"bj": retailers["110100001"], "sh": retailers["310100001"],
            "bj_call": calls["1.0"], "sh_call": calls["1.1"]}


async def counts(sessions) -> tuple[int, ...]:
    async with sessions() as s:
        return tuple([await s.scalar(select(func.count()).select_from(m))
                      for m in (Opinion, WorkOrder, WorkOrderStep, CallbackRequest)])


def rules(reply) -> dict[str, list]:
    assert reply.status_code == 422, reply.text
    return {d["type"]: d["loc"] for d in reply.json()["detail"]}


def asked(retailer_id: int | None, **extra) -> dict:
    return {"topic": "promotion", "question": "本月有什么促销活动？",
            "answer": "本月新品买十送一", "retailer_id": retailer_id, **extra}


async def record(api, headers, body) -> dict:
    reply = await api.post("/consultations", headers=headers, json=body)
    assert reply.status_code == 201, reply.text
    return reply.json()


async def test_every_route_needs_a_token_and_the_right_role(api, ids):
    for method, url in (("POST", "/consultations"), ("GET", "/consultations"),
                        ("GET", "/consultations/1"), ("POST", "/consultations/1/work-orders"),
                        ("POST", "/consultations/1/work-orders/from-template")):
        assert (await api.request(method, url, json={})).status_code == 401, url
    ops = await login(api, "ops")
    assert (await api.post("/consultations", headers=ops, json=asked(ids["bj"]))).status_code \
        == 403
    for who in ("supervisor", "admin", "8001"):
        made = await record(api, await login(api, who), asked(ids["bj"], answer=None))
    assert (await api.get(f"/consultations/{made['id']}", headers=ops)).status_code == 200
    assert len((await api.get("/consultations", headers=ops)).json()) == 3
    url = f"/consultations/{made['id']}/work-orders"
    assert (await api.post(url, headers=ops, json=WORK_ORDER)).status_code == 403
    assert (await api.post(url, headers=await login(api, "8002"),
                           json=WORK_ORDER)).status_code == 201


async def test_a_consultation_is_recorded_answered_or_open(api, ids, sessions):
    bj = await login(api, "8001")
    answered = await record(api, bj, asked(ids["bj"], call_id=ids["bj_call"]))
    assert {k: answered[k] for k in ("topic", "subject", "question", "answer", "status",
                                     "retailer_name", "call_id", "recorded_by")} == {
        "topic": "promotion", "subject": "commerce", "question": "本月有什么促销活动？",
        "answer": "本月新品买十送一", "status": "resolved", "retailer_name": "朝阳便利店",
        "call_id": ids["bj_call"], "recorded_by": "8001"}
    assert answered["work_orders"] == [] and answered["outcome"] is None
    blank = await record(api, bj, asked(ids["bj"], topic="policy", answer="  "))
    follow = await record(api, bj, asked(ids["bj"], topic="product", follow_up=True,
                                         question="  新品的焦油量是多少？ "))
    assert (blank["status"], blank["answer"]) == ("open", None)
    assert (follow["status"], follow["answer"], follow["question"]) == (
        "open", "本月新品买十送一", "新品的焦油量是多少？")
    # Open, they are the retailer's open cases on the screen-pop; the answered one is not.
    async with sessions() as s:
        cases = await open_cases(s, ids["bj"])
    assert [(c["id"], c["kind"]) for c in cases] == [
        (follow["id"], "consultation"), (blank["id"], "consultation")]

    unknown = await record(api, bj, {"topic": "other", "question": "怎么加盟？",
                                     "call_id": ids["bj_call"]})
    async with sessions() as s:
        row = await s.get(Opinion, unknown["id"])
        assert row is not None
        assert (row.kind, row.source, row.consumer_phone, row.retailer_id) == (
            OpinionKind.CONSULTATION, "consumer", "13900000001", None)
    assert unknown["status"] == "open" and unknown["branch_id"] is not None


async def test_consultations_are_seen_within_the_branch_and_listed_by_filters(
        api, ids, sessions):
    bj, sh, hq = [await login(api, n) for n in ("8001", "8003", "8005")]
    first = await record(api, bj, asked(ids["bj"]))
    second = await record(api, bj, asked(ids["bj"], topic="order", answer=None))
    third = await record(api, sh, asked(ids["sh"], topic="order"))
    async with sessions() as s:  # the first was recorded two days ago
        await s.execute(update(Opinion).where(Opinion.id == first["id"])
                        .values(created_at=utcnow() - timedelta(days=2)))
        await s.commit()

    async def listed(headers, **params) -> list[int]:
        reply = await api.get("/consultations", headers=headers, params=params)
        assert reply.status_code == 200, reply.text
        return [c["id"] for c in reply.json()]

    assert await listed(hq) == [third["id"], second["id"], first["id"]]
    assert await listed(bj) == [second["id"], first["id"]]
    assert await listed(sh) == [third["id"]]
    assert await listed(sh, branch="BJ") == []
    assert await listed(hq, branch="BJ") == [second["id"], first["id"]]
    assert await listed(hq, topic="order") == [third["id"], second["id"]]
    assert await listed(hq, status="open") == [second["id"]]
    assert await listed(hq, retailer_id=ids["sh"]) == [third["id"]]
    day_ago = (utcnow() - timedelta(days=1)).isoformat()
    assert await listed(hq, since=day_ago) == [third["id"], second["id"]]
    assert await listed(hq, until=day_ago) == [first["id"]]
    page = await api.get("/consultations", headers=hq, params={"limit": 2, "offset": 1})
    assert [c["id"] for c in page.json()] == [second["id"], first["id"]]
    assert page.headers["X-Total-Count"] == "3"
    # an opinion is not a consultation; another branch's consultation is not found
    opinion = await api.post("/opinions", headers=bj, json={
        "kind": "complaint", "subject": "logistics", "source": "retailer",
        "retailer_id": ids["bj"], "text": "货晚到了"})
    assert (await api.get(f"/consultations/{opinion.json()['id']}", headers=hq)
            ).status_code == 404
    assert (await api.get(f"/consultations/{third['id']}", headers=bj)).status_code == 404
    assert (await api.get(f"/consultations/{third['id']}", headers=sh)).status_code == 200
    assert await listed(hq) == [third["id"], second["id"], first["id"]]


@pytest.mark.parametrize("params, loc, kind", [
    ({"since": "2026-01-01T00:00:00"}, ["query", "since"], "timezone_aware"),
    ({"topic": "weather"}, ["query", "topic"], "enum"),
    ({"limit": 0}, ["query", "limit"], "greater_than_equal"),
    ({"branch": "XX"}, ["query", "branch"], "rule.unknown_branch"),
    ({"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, ["query", "until"],
     "rule.range_order"),
])
async def test_a_bad_filter_is_refused_naming_it(api, params, loc, kind):
    reply = await api.get("/consultations", headers=await login(api, "supervisor"),
                          params=params)
    assert reply.status_code == 422, reply.text
    assert [(d["loc"], d["type"]) for d in reply.json()["detail"]] == [(loc, kind)]


async def test_refused_records_name_every_broken_rule_and_leave_no_rows(api, ids, sessions):
    bj = await login(api, "8001")
    before = await counts(sessions)
    wrong = await api.post("/consultations", headers=bj,
                           json=asked(ids["sh"], call_id=ids["sh_call"]))
    assert rules(wrong) == {"rule.retailer_in_scope": ["body", "retailer_id"],
                            "rule.call_in_scope": ["body", "call_id"]}
    assert rules(await api.post("/consultations", headers=bj,
                                json=asked(999999))) == {
        "rule.retailer_in_scope": ["body", "retailer_id"]}
    invalid = await api.post("/consultations", headers=bj,
                             json={"topic": "weather", "question": "   "})
    assert {tuple(d["loc"]) for d in invalid.json()["detail"]} == {
        ("body", "topic"), ("body", "question")}
    # a consultation is recorded here, not as an opinion
    opinion = await api.post("/opinions", headers=bj, json={
        "kind": "consultation", "subject": "commerce", "source": "retailer",
        "retailer_id": ids["bj"], "text": "问"})
    assert opinion.status_code == 422 and opinion.json()["detail"][0]["loc"] == ["body", "kind"]
    assert await counts(sessions) == before


async def test_an_open_consultation_raises_a_work_order_and_is_answered_by_it(
        api, ids, sessions):
    bj, admin = await login(api, "8001"), await login(api, "admin")
    made = await record(api, bj, {"topic": "policy", "question": "新的诚信等级怎么评定？",
                                  "call_id": ids["bj_call"]})
    url = f"/consultations/{made['id']}/work-orders"
    before = await counts(sessions)
    bad = await api.post(url, headers=bj, json={"department": "nowhere", "steps": [
        {"description": "x", "due_in_hours": 1}, {"description": "y"}]})
    assert rules(bad) == {"rule.department_known": ["body", "department"],
                          "rule.deadline_given": ["body", "steps", 1, "due_at"]}
    no_template = await api.post(f"{url}/from-template", headers=bj)
    assert rules(no_template) == {"rule.template_exists": ["path", "consultation_id"]}
    assert await counts(sessions) == before

    raised = await api.post(url, headers=bj, json=WORK_ORDER)
    assert raised.status_code == 201, raised.text
    assert (raised.json()["opinion_id"], raised.json()["department"]) == (made["id"], "marketing")
    template = {"steps": [{"department": "sales", "due_in_hours": 24,
                           "instruction": "答复零售户的政策咨询"}]}
    assert (await api.put("/step-templates/consultation/commerce", headers=admin,
                          json=template)).status_code == 200
    templated = await api.post(f"{url}/from-template", headers=bj)
    assert templated.status_code == 201, templated.text
    assert [(s["department"], s["description"]) for s in templated.json()["steps"]] == [
        ("sales", "答复零售户的政策咨询")]
    seen = (await api.get(f"/consultations/{made['id']}", headers=bj)).json()
    assert seen["status"] == "in_progress"
    assert [w["department"] for w in seen["work_orders"]] == ["marketing", "sales"]
    tasks = (await api.get("/tasks", headers=bj)).json()  # the 4-hour step is not due yet
    assert tasks == []

    # the departments answer; the consultation is resolved with a call back to the caller
    for work_order in (raised.json()["id"], templated.json()["id"]):
        done = await api.post(f"/work-orders/{work_order}/steps/1/complete", headers=bj,
                              json={"outcome": "按新办法评定"})
        assert done.status_code == 200, done.text
    resolved = await api.post(f"/opinions/{made['id']}/resolve", headers=bj, json={
        "outcome": "按新办法评定，已告知", "feedback_call_at": (utcnow() + timedelta(hours=1))
        .isoformat()})
    assert resolved.status_code == 200, resolved.text
    async with sessions() as s:
        callback = await s.scalar(select(CallbackRequest).where(
            CallbackRequest.linkedid == f"opinion-{made['id']}"))
        assert callback is not None and callback.caller_number == "13900000001"
    seen = (await api.get(f"/consultations/{made['id']}", headers=bj)).json()
    assert (seen["status"], seen["outcome"]) == ("resolved", "按新办法评定，已告知")

    before = await counts(sessions)
    closed = await api.post(url, headers=bj, json=WORK_ORDER)
    assert rules(closed) == {"rule.consultation_open": ["path", "consultation_id"]}
    assert closed.json()["detail"][0]["ctx"] == {"status": "resolved"}
    answered = await record(api, bj, asked(ids["bj"]))
    assert rules(await api.post(f"/consultations/{answered['id']}/work-orders/from-template",
                                headers=bj)) == {
        "rule.consultation_open": ["path", "consultation_id"]}
    assert await counts(sessions) == (before[0] + 1, *before[1:])
    sh = await login(api, "8003")
    assert (await api.post(url, headers=sh, json=WORK_ORDER)).status_code == 404
