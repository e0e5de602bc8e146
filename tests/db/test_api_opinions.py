"""Customer opinions, work orders and the task bar over the API, on SQLite and PostgreSQL: roles,
branch scoping, named rule refusals that leave no rows, steps in order, resolution with a
feedback call, overdue steps in /tasks and in the live notices, open cases for the screen-pop."""
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from models import Call, CallbackRequest, Retailer, utcnow
from models.opinions import Opinion, WorkOrder, WorkOrderStep
from services.work_orders import newly_overdue, open_cases
from tests.db.conftest import login

pytestmark = pytest.mark.db


@pytest.fixture
async def ids(api, sessions) -> dict:
    async with sessions() as s:
        retailers = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        calls = {c.linkedid: c.id for c in await s.scalars(select(Call))}
    return {"bj": retailers["110100001"], "bj2": retailers["110100002"],
            "sh": retailers["310100001"], "bj_call": calls["1.0"], "sh_call": calls["1.1"]}


async def counts(sessions) -> tuple[int, ...]:
    async with sessions() as s:
        return tuple([await s.scalar(select(func.count()).select_from(m))
                      for m in (Opinion, WorkOrder, WorkOrderStep, CallbackRequest)])


def rules(reply) -> dict[str, list]:
    assert reply.status_code == 422, reply.text
    return {d["type"]: d["loc"] for d in reply.json()["detail"]}


def complaint(retailer_id: int, **extra) -> dict:
    return {"kind": "complaint", "subject": "logistics", "source": "retailer",
            "retailer_id": retailer_id, "text": "上周的货晚到了两天", **extra}


def iso(at: datetime) -> str:
    return at.isoformat()


async def test_every_route_needs_a_token_and_the_right_role(api, ids):
    for method, url in (("POST", "/opinions"), ("GET", "/opinions"), ("GET", "/opinions/1"),
                        ("POST", "/opinions/1/work-orders"), ("POST", "/opinions/1/resolve"),
                        ("POST", "/work-orders/1/steps/1/complete"), ("GET", "/tasks"),
                        ("GET", "/departments")):
        assert (await api.request(method, url, json={})).status_code == 401, url
    ops = await login(api, "ops")
    assert (await api.post("/opinions", headers=ops, json=complaint(ids["bj"]))).status_code == 403
    for who in ("supervisor", "admin", "8001"):
        reply = await api.post("/opinions", headers=await login(api, who),
                               json=complaint(ids["bj"]))
        assert reply.status_code == 201, (who, reply.text)
    opinion = reply.json()["id"]
    assert (await api.get(f"/opinions/{opinion}", headers=ops)).status_code == 200
    assert len((await api.get("/opinions", headers=ops)).json()) == 3
    assert (await api.get("/tasks", headers=ops)).status_code == 200
    wo = {"department": "logistics", "steps": [{"description": "查配送", "due_in_hours": 4}]}
    assert (await api.post(f"/opinions/{opinion}/work-orders", headers=ops,
                           json=wo)).status_code == 403
    raised = await api.post(f"/opinions/{opinion}/work-orders", headers=await login(api, "8002"),
                            json=wo)
    assert raised.status_code == 201, raised.text
    url = f"/work-orders/{raised.json()['id']}/steps/1/complete"
    assert (await api.post(url, headers=ops, json={"outcome": "x"})).status_code == 403
    assert (await api.post(f"/opinions/{opinion}/resolve", headers=ops,
                           json={"outcome": "x"})).status_code == 403
    departments = (await api.get("/departments", headers=ops)).json()
    assert {"code": "logistics", "name": "物流部"} in departments
    assert {d["code"] for d in departments} == {"logistics", "marketing", "quality", "sales", "it"}


async def test_an_agent_captures_a_retailer_opinion_seen_within_the_branch(api, ids):
    bj, bj_other, sh, hq = [await login(api, n) for n in ("8001", "8002", "8003", "8005")]
    reply = await api.post("/opinions", headers=bj, json=complaint(ids["bj"],
                                                                   call_id=ids["bj_call"]))
    assert reply.status_code == 201, reply.text
    made = reply.json()
    assert (made["status"], made["captured_by"], made["retailer_name"], made["call_id"]) == (
        "open", "8001", "朝阳便利店", ids["bj_call"])
    assert made["work_orders"] == [] and made["outcome"] is None
    url = f"/opinions/{made['id']}"
    assert (await api.get(url, headers=bj_other)).json()["text"] == "上周的货晚到了两天"
    assert (await api.get(url, headers=hq)).status_code == 200
    assert (await api.get(url, headers=sh)).status_code == 404
    assert (await api.get("/opinions/999999", headers=hq)).status_code == 404
    assert (await api.get("/opinions", headers=sh)).json() == []
    praise = await api.post("/opinions", headers=hq, json=complaint(ids["sh"], kind="praise"))
    assert praise.status_code == 201  # headquarters captures for any branch
    assert [o["id"] for o in (await api.get("/opinions", headers=sh)).json()] == [
        praise.json()["id"]]

    def listed(**params):
        return api.get("/opinions", headers=hq, params=params)
    assert [o["id"] for o in (await listed()).json()] == [praise.json()["id"], made["id"]]
    assert [o["id"] for o in (await listed(retailer_id=ids["bj"])).json()] == [made["id"]]
    assert [o["id"] for o in (await listed(kind="praise")).json()] == [praise.json()["id"]]
    assert (await listed(status="resolved")).json() == []
    assert (await listed(status="done")).status_code == 422


async def test_refused_captures_name_every_broken_rule_and_leave_no_rows(api, ids, sessions):
    bj = await login(api, "8001")
    before = await counts(sessions)
    wrong = await api.post("/opinions", headers=bj, json=complaint(ids["sh"],
                                                                   call_id=ids["sh_call"]))
    assert rules(wrong) == {"rule.retailer_in_scope": ["body", "retailer_id"],
                            "rule.call_in_scope": ["body", "call_id"]}
    assert "310100001" not in wrong.text  # nothing told about the other branch's retailer
    missing = await api.post("/opinions", headers=bj, json=complaint(None))
    assert rules(missing) == {"rule.retailer_required": ["body", "retailer_id"]}
    consumer = {"kind": "suggestion", "subject": "commerce", "source": "consumer",
                "text": "希望多进一些新品"}
    assert rules(await api.post("/opinions", headers=bj, json=consumer)) == {
        "rule.consumer_contact": ["body", "consumer_name"],
        "rule.consumer_phone": ["body", "consumer_phone"]}
    bad_phone = await api.post("/opinions", headers=bj, json={
        **consumer, "consumer_name": "赵先生", "consumer_phone": "139-0000²"})
    assert rules(bad_phone) == {"rule.not_a_phone": ["body", "consumer_phone"]}
    shape = await api.post("/opinions", headers=bj, json={**complaint(ids["bj"]), "kind": "rant",
                                                          "text": ""})
    assert shape.status_code == 422
    assert {tuple(d["loc"]) for d in shape.json()["detail"]} == {("body", "kind"),
                                                                 ("body", "text")}
    assert await counts(sessions) == before

    ok = await api.post("/opinions", headers=bj, json={
        **consumer, "consumer_name": "赵先生", "consumer_phone": "13900001111"})
    assert ok.status_code == 201, ok.text
    assert ok.json()["retailer_id"] is None and ok.json()["consumer_phone"] == "13900001111"
    # a consumer's opinion belongs to the capturer's branch
    assert (await api.get(f"/opinions/{ok.json()['id']}",
                          headers=await login(api, "8003"))).status_code == 404
    assert (await api.get(f"/opinions/{ok.json()['id']}",
                          headers=await login(api, "8002"))).status_code == 200


async def test_a_work_order_goes_step_by_step_and_then_the_opinion_is_resolved(api, ids,
                                                                                sessions):
    bj, sup, sh = [await login(api, n) for n in ("8001", "supervisor", "8003")]
    opinion = (await api.post("/opinions", headers=bj, json=complaint(
        ids["bj"], call_id=ids["bj_call"]))).json()["id"]
    url = f"/opinions/{opinion}/work-orders"
    now = utcnow()
    before = await counts(sessions)
    refused = await api.post(url, headers=bj, json={"department": "nowhere", "steps": [
        {"description": "a", "due_at": iso(now - timedelta(minutes=1))},
        {"department": "moon", "description": "b", "due_in_hours": 2},
        {"description": "c"},
        {"description": "d", "due_at": iso(now + timedelta(hours=1)), "due_in_hours": 1}]})
    assert refused.status_code == 422
    assert sorted((d["type"], tuple(d["loc"])) for d in refused.json()["detail"]) == [
        ("rule.deadline_given", ("body", "steps", 2, "due_at")),
        ("rule.deadline_given", ("body", "steps", 3, "due_at")),
        ("rule.department_known", ("body", "department")),
        ("rule.department_known", ("body", "steps", 1, "department")),
        ("rule.due_in_future", ("body", "steps", 0, "due_at"))]
    naive = await api.post(url, headers=bj, json={"department": "logistics", "steps": [
        {"description": "a", "due_at": "2030-01-01T10:00:00"}]})
    assert naive.status_code == 422 and naive.json()["detail"][0]["loc"] == [
        "body", "steps", 0, "due_at"]
    assert (await api.post(url, headers=sh, json={"department": "logistics", "steps": [
        {"description": "a", "due_in_hours": 1}]})).status_code == 404
    assert await counts(sessions) == before
    assert (await api.get(f"/opinions/{opinion}", headers=bj)).json()["status"] == "open"

    due = now + timedelta(days=1)
    raised = await api.post(url, headers=bj, json={"department": "logistics", "steps": [
        {"description": "核实配送记录", "due_in_hours": 4},
        {"department": "quality", "description": "回复处理意见", "due_at": iso(due)}]})
    assert raised.status_code == 201, raised.text
    wo = raised.json()
    assert (wo["status"], wo["department_name"]) == ("open", "物流部")
    assert [(s["step_no"], s["department"], s["done_at"]) for s in wo["steps"]] == [
        (1, "logistics", None), (2, "quality", None)]
    assert datetime.fromisoformat(wo["steps"][1]["due_at"]) == due
    assert (await api.get(f"/opinions/{opinion}", headers=bj)).json()["status"] == "in_progress"

    step = f"/work-orders/{wo['id']}/steps"
    assert rules(await api.post(f"{step}/2/complete", headers=bj, json={"outcome": "x"})) == {
        "rule.step_order": ["path", "step_no"]}
    assert (await api.post(f"{step}/3/complete", headers=bj, json={"outcome": "x"})
            ).status_code == 404
    assert (await api.post(f"{step}/1/complete", headers=sh, json={"outcome": "x"})
            ).status_code == 404
    assert (await api.post(f"{step}/1/complete", headers=bj, json={"outcome": ""})
            ).status_code == 422
    first = await api.post(f"{step}/1/complete", headers=await login(api, "8002"),
                           json={"outcome": "司机改了路线"})
    assert first.status_code == 200, first.text
    assert (first.json()["steps"][0]["done_by"], first.json()["status"]) == ("8002", "open")
    assert rules(await api.post(f"{step}/1/complete", headers=bj, json={"outcome": "x"})) == {
        "rule.step_not_done": ["path", "step_no"]}
    resolve = f"/opinions/{opinion}/resolve"
    assert rules(await api.post(resolve, headers=bj, json={"outcome": "x"})) == {
        "rule.work_orders_done": ["path", "opinion_id"]}
    last = await api.post(f"{step}/2/complete", headers=sup, json={"outcome": "已向零售户道歉"})
    assert last.json()["status"] == "done" and last.json()["done_at"] is not None

    before = await counts(sessions)
    past = await api.post(resolve, headers=bj, json={
        "outcome": "x", "feedback_call_at": iso(utcnow() - timedelta(minutes=5))})
    assert rules(past) == {"rule.feedback_in_future": ["body", "feedback_call_at"]}
    assert await counts(sessions) == before
    call_back = utcnow() + timedelta(hours=2)
    done = await api.post(resolve, headers=bj, json={
        "outcome": "配送已调整，向零售户致歉", "feedback_call_at": iso(call_back)})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["outcome"]) == (
        "resolved", "配送已调整，向零售户致歉")
    assert datetime.fromisoformat(done.json()["feedback_call_at"]) == call_back
    async with sessions() as s:
        [request] = await s.scalars(select(CallbackRequest))
    assert (request.linkedid, request.status, request.retailer_id, request.queue,
            request.caller_number, request.requested_at) == (
        f"opinion-{opinion}", "pending", ids["bj"], "BJ-order", "13800010001", call_back)
    assert rules(await api.post(resolve, headers=bj, json={"outcome": "again"})) == {
        "rule.opinion_open": ["path", "opinion_id"]}
    assert rules(await api.post(url, headers=bj, json={"department": "it", "steps": [
        {"description": "a", "due_in_hours": 1}]})) == {"rule.opinion_open": ["path", "opinion_id"]}


async def test_an_opinion_without_work_orders_is_closed_at_once(api, ids, sessions):
    hq = await login(api, "8005")
    praise = (await api.post("/opinions", headers=hq, json=complaint(
        ids["sh"], kind="praise", subject="commerce"))).json()["id"]
    closed = await api.post(f"/opinions/{praise}/resolve", headers=hq,
                            json={"outcome": "已转达表扬", "status": "closed"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert await counts(sessions) == (1, 0, 0, 0)


async def raise_one(api, headers, opinion: int, *hours: float) -> dict:
    reply = await api.post(f"/opinions/{opinion}/work-orders", headers=headers, json={
        "department": "logistics",
        "steps": [{"description": f"步骤{i}", "due_in_hours": h} for i, h in enumerate(hours)]})
    assert reply.status_code == 201, reply.text
    return reply.json()


async def overdue(sessions, work_order: int, step_no: int, by: timedelta) -> None:
    async with sessions() as s, s.begin():
        await s.execute(update(WorkOrderStep).where(WorkOrderStep.work_order_id == work_order,
                                                    WorkOrderStep.step_no == step_no)
                        .values(due_at=utcnow() - by))


async def test_overdue_steps_show_in_the_task_bar_and_are_notified_once(api, ids, sessions):
    bj, bj_other, sh, sup = [await login(api, n) for n in ("8001", "8002", "8003", "supervisor")]
    mine = (await api.post("/opinions", headers=bj, json=complaint(ids["bj"]))).json()["id"]
    later = await raise_one(api, bj, mine, 5, 48)
    soon = await raise_one(api, bj, mine, 0.5)
    assert [t["work_order_id"] for t in (await api.get("/tasks", headers=bj)).json()] == [
        soon["id"]]  # due within the hour, not overdue yet
    await overdue(sessions, later["id"], 1, timedelta(hours=2))
    await overdue(sessions, later["id"], 2, timedelta(hours=1))
    theirs = (await api.post("/opinions", headers=sup, json={
        "kind": "complaint", "subject": "commerce", "source": "consumer", "consumer_name": "钱女士",
        "consumer_phone": "13911112222", "text": "买到的烟有问题"})).json()["id"]
    consumer_wo = await raise_one(api, sup, theirs, 3)
    await overdue(sessions, consumer_wo["id"], 1, timedelta(minutes=30))

    tasks = (await api.get("/tasks", headers=bj)).json()
    assert [(t["work_order_id"], t["step_no"], t["overdue"]) for t in tasks] == [
        (later["id"], 1, True), (later["id"], 2, True), (soon["id"], 1, False)]
    assert (tasks[0]["retailer_name"], tasks[0]["opinion_id"], tasks[0]["department_name"]) == (
        "朝阳便利店", mine, "物流部")
    assert (await api.get("/tasks", headers=bj_other)).json() == []  # not the capturer
    assert (await api.get("/tasks", headers=sh)).json() == []
    assert [(t["work_order_id"], t["step_no"]) for t in
            (await api.get("/tasks", headers=sup)).json()] == [
        (later["id"], 1), (later["id"], 2), (consumer_wo["id"], 1), (soon["id"], 1)]

    async with sessions() as s, s.begin():
        notices = await newly_overdue(s, utcnow())
    assert [(n.agent_number, n.payload["work_order_id"], n.payload["step_no"])
            for n in notices] == [("8001", later["id"], 1), ("8001", later["id"], 2),
                                  (None, consumer_wo["id"], 1)]
    assert notices[0].agent_id is not None and notices[2].agent_id is None
    payload = json.loads(json.dumps(notices[0].payload))
    assert (payload["opinion_id"], payload["retailer_name"], payload["department"]) == (
        mine, "朝阳便利店", "logistics")
    assert datetime.fromisoformat(payload["due_at"]) < utcnow()
    async with sessions() as s, s.begin():
        assert await newly_overdue(s, utcnow()) == []  # told once
    done = await api.post(f"/work-orders/{soon['id']}/steps/1/complete", headers=bj,
                          json={"outcome": "已处理"})
    assert done.status_code == 200
    async with sessions() as s, s.begin():  # an hour on, that step is past due but done
        assert await newly_overdue(s, utcnow() + timedelta(hours=1)) == []


async def test_open_cases_give_the_screen_pop_a_retailers_open_opinions(api, ids, sessions):
    bj = await login(api, "8001")
    opened = (await api.post("/opinions", headers=bj, json=complaint(ids["bj"]))).json()["id"]
    wo = await raise_one(api, bj, opened, 3, 6)
    await overdue(sessions, wo["id"], 1, timedelta(minutes=10))
    closed = (await api.post("/opinions", headers=bj, json=complaint(ids["bj"]))).json()["id"]
    await api.post(f"/opinions/{closed}/resolve", headers=bj, json={"outcome": "ok"})
    await api.post("/opinions", headers=bj, json=complaint(ids["bj2"]))
    fresh = (await api.post("/opinions", headers=bj, json=complaint(
        ids["bj"], kind="suggestion", text="建议" * 100))).json()["id"]

    async with sessions() as s:
        cases = await open_cases(s, ids["bj"])
    json.dumps(cases)
    assert [(c["id"], c["status"]) for c in cases] == [(fresh, "open"),
                                                       (opened, "in_progress")]
    assert len(cases[0]["excerpt"]) == 80 and cases[0]["work_orders"] == []
    [open_wo] = cases[1]["work_orders"]
    assert (open_wo["id"], open_wo["overdue"], open_wo["next_step"]["step_no"]) == (
        wo["id"], True, 1)
    assert open_wo["due_at"] == open_wo["next_step"]["due_at"]
