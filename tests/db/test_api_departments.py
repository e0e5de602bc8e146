"""Departments and step templates kept over the API, on SQLite and PostgreSQL: headquarters'
administrators change them, supervisors and ops read the templates; a department in use stays;
refusals name the step and field and change nothing; every change is in the audit log; an
opinion dispatched without steps gets its template's departments and deadlines."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Retailer, utcnow
from models.opinions import Department, StepTemplate, WorkOrder, WorkOrderStep
from tests.db.conftest import login

pytestmark = pytest.mark.db

TEMPLATE = {"steps": [
    {"department": "logistics", "due_in_hours": 4, "instruction": "查配送记录，联系司机"},
    {"department": "quality", "due_in_hours": 48, "instruction": "抽检同批次货品"}]}


async def counts(sessions) -> tuple[int, ...]:
    async with sessions() as s:
        return tuple([await s.scalar(select(func.count()).select_from(m)) for m in
                      (Department, StepTemplate, WorkOrder, WorkOrderStep, AuditEntry)])


async def audit_log(api, admin, entity: str) -> list[dict]:
    return (await api.get("/audit", headers=admin, params={"entity": entity})).json()


async def capture(api, sessions, who: dict, kind: str = "complaint",
                  subject: str = "logistics") -> int:
    async with sessions() as s:
        retailer = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
    reply = await api.post("/opinions", headers=who, json={
        "kind": kind, "subject": subject, "source": "retailer", "retailer_id": retailer,
        "text": "上周的货晚到了两天"})
    assert reply.status_code == 201, reply.text
    return reply.json()["id"]


async def test_every_route_needs_a_token_and_admins_alone_change(api):
    writes = (("POST", "/departments", {"code": "legal", "name": "法务部"}),
              ("PATCH", "/departments/logistics", {"name": "x"}),
              ("DELETE", "/departments/it", None),
              ("PUT", "/step-templates/complaint/logistics", TEMPLATE),
              ("DELETE", "/step-templates/complaint/logistics", None))
    for method, url, body in (*writes, ("GET", "/step-templates", None),
                              ("POST", "/opinions/1/work-orders/from-template", None)):
        assert (await api.request(method, url, json=body)).status_code == 401, url
    admin = await login(api, "admin")
    await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    others = [await login(api, u) for u in ("supervisor", "ops", "8001")]
    others.append(await login(api, "bj-admin", "long-enough"))
    for who in others:
        for method, url, body in writes:
            assert (await api.request(method, url, headers=who, json=body)
                    ).status_code == 403, (method, url)
    for reader in others[:2] + others[3:]:
        assert (await api.get("/step-templates", headers=reader)).status_code == 200
    assert (await api.get("/step-templates", headers=others[2])).status_code == 403  # agent
    for entity in ("department", "step_template"):
        assert await audit_log(api, admin, entity) == []


async def test_a_department_is_created_renamed_and_deleted_each_change_audited(api):
    admin = await login(api, "admin")
    made = await api.post("/departments", headers=admin, json={"code": "legal", "name": "法务"})
    assert (made.status_code, made.json()) == (201, {"code": "legal", "name": "法务"})
    renamed = await api.patch("/departments/legal", headers=admin, json={"name": "法务部"})
    assert renamed.json() == {"code": "legal", "name": "法务部"}
    listed = (await api.get("/departments", headers=await login(api, "8001"))).json()
    assert {"code": "legal", "name": "法务部"} in listed
    assert (await api.delete("/departments/legal", headers=admin)).status_code == 204
    assert "legal" not in {d["code"] for d in (await api.get("/departments", headers=admin)
                                               ).json()}
    assert (await api.patch("/departments/legal", headers=admin, json={"name": "x"})
            ).status_code == 404
    assert (await api.delete("/departments/legal", headers=admin)).status_code == 404
    log = await audit_log(api, admin, "department")
    assert [(e["action"], e["entity_id"], e["username"]) for e in log] == [
        ("delete", "legal", "admin"), ("update", "legal", "admin"), ("create", "legal", "admin")]
    assert (log[1]["before"], log[1]["after"]) == ({"name": "法务"}, {"name": "法务部"})
    assert log[0]["before"] == {"code": "legal", "name": "法务部"}


async def test_refused_departments_name_the_rule_and_write_nothing(api, sessions):
    admin = await login(api, "admin")
    before = await counts(sessions)
    for body, status, loc, rule in (
            ({"code": "logistics", "name": "again"}, 409, ["body", "code"], "department_taken"),
            ({"code": "Legal!", "name": "x"}, 422, ["body", "code"], "department_code"),
            ({"code": "legal", "name": ""}, 422, ["body", "name"], None)):
        reply = await api.post("/departments", headers=admin, json=body)
        assert reply.status_code == status, reply.text
        assert reply.json()["detail"][0]["loc"] == loc
        if rule:
            assert reply.json()["detail"][0]["type"] == f"rule.{rule}"
    assert await counts(sessions) == before


async def test_a_department_a_template_or_work_order_names_stays(api, sessions):
    admin = await login(api, "admin")
    assert (await api.put("/step-templates/complaint/logistics", headers=admin,
                          json=TEMPLATE)).status_code == 200
    opinion = await capture(api, sessions, await login(api, "8001"))
    raised = await api.post(f"/opinions/{opinion}/work-orders", headers=admin, json={
        "department": "sales", "steps": [
            {"department": "it", "description": "查系统记录", "due_in_hours": 2},
            {"department": "logistics", "description": "补发", "due_in_hours": 8}]})
    assert raised.status_code == 201, raised.text
    before = await counts(sessions)
    for code, rule in (("quality", "department_in_templates"),
                       ("sales", "department_in_work_orders"),  # the work order's own
                       ("it", "department_in_work_orders")):  # a step's
        kept = await api.delete(f"/departments/{code}", headers=admin)
        assert kept.status_code == 409, kept.text
        assert [(p["type"], p["loc"]) for p in kept.json()["detail"]] == [
            (f"rule.{rule}", ["path", "code"])]
    both = await api.delete("/departments/logistics", headers=admin)
    assert {p["type"] for p in both.json()["detail"]} == {
        "rule.department_in_work_orders", "rule.department_in_templates"}
    assert "complaint/logistics" in both.json()["detail"][1]["msg"]
    assert await counts(sessions) == before


async def test_a_template_is_set_replaced_read_and_deleted_each_change_audited(api):
    admin = await login(api, "admin")
    url = "/step-templates/complaint/logistics"
    made = await api.put(url, headers=admin, json=TEMPLATE)
    assert made.status_code == 200, made.text
    assert made.json() == {"kind": "complaint", "subject": "logistics", "steps": [
        {"step_no": 1, "department": "logistics", "department_name": "物流部",
         "due_in_hours": 4.0, "instruction": "查配送记录，联系司机"},
        {"step_no": 2, "department": "quality", "department_name": "质量部",
         "due_in_hours": 48.0, "instruction": "抽检同批次货品"}]}
    one_step = {"steps": [{"department": "sales", "due_in_hours": 0.5, "instruction": "回访"}]}
    assert (await api.put("/step-templates/suggestion/commerce", headers=admin,
                          json=one_step)).status_code == 200
    replaced = await api.put(url, headers=admin, json={"steps": TEMPLATE["steps"][::-1]})
    assert [s["department"] for s in replaced.json()["steps"]] == ["quality", "logistics"]

    for reader in ("supervisor", "ops"):
        listed = (await api.get("/step-templates", headers=await login(api, reader))).json()
        assert [(t["kind"], t["subject"], [s["step_no"] for s in t["steps"]]) for t in listed
                ] == [("complaint", "logistics", [1, 2]), ("suggestion", "commerce", [1])]
    assert (await api.delete(url, headers=admin)).status_code == 204
    assert (await api.delete(url, headers=admin)).status_code == 404
    assert [t["kind"] for t in (await api.get("/step-templates", headers=admin)).json()] == [
        "suggestion"]

    log = [e for e in await audit_log(api, admin, "step_template")
           if e["entity_id"] == "complaint/logistics"]
    assert [e["action"] for e in log] == ["delete", "update", "create"]
    assert log[2]["after"]["steps"][0] == {"department": "logistics", "due_in_hours": 4.0,
                                           "instruction": "查配送记录，联系司机"}
    assert [s["department"] for s in log[1]["before"]["steps"]] == ["logistics", "quality"]
    assert [s["department"] for s in log[1]["after"]["steps"]] == ["quality", "logistics"]
    assert len(log[0]["before"]["steps"]) == 2 and log[0]["after"] is None


def step(**changed) -> dict:
    return {"department": "logistics", "due_in_hours": 4, "instruction": "查", **changed}


@pytest.mark.parametrize("steps, loc, rule", [
    ([step(), step(department="legal")], ["body", "steps", 1, "department"], "department_known"),
    ([step(due_in_hours=0)], ["body", "steps", 0, "due_in_hours"], "deadline_hours"),
    ([step(), step(), step(due_in_hours=24 * 367)], ["body", "steps", 2, "due_in_hours"],
     "deadline_hours"),
    ([step(instruction="  ")], ["body", "steps", 0, "instruction"], "instruction_given"),
    ([], ["body", "steps"], "steps_given"),
    ([step(due_in_hours="soon")], ["body", "steps", 0, "due_in_hours"], None),
    ([step()] * 21, ["body", "steps"], None),
])
async def test_a_refused_template_names_the_step_and_field_and_changes_nothing(
        api, sessions, steps, loc, rule):
    admin = await login(api, "admin")
    url = "/step-templates/complaint/logistics"
    assert (await api.put(url, headers=admin, json=TEMPLATE)).status_code == 200
    before = await counts(sessions)
    reply = await api.put(url, headers=admin, json={"steps": steps})
    assert reply.status_code == 422, reply.text
    problem = reply.json()["detail"][0]
    assert problem["loc"] == loc
    if rule:
        assert problem["type"] == f"rule.{rule}"
    assert await counts(sessions) == before
    kept = (await api.get("/step-templates", headers=admin)).json()
    assert [s["department"] for s in kept[0]["steps"]] == ["logistics", "quality"]


async def test_unknown_kind_or_subject_is_refused(api):
    admin = await login(api, "admin")
    reply = await api.put("/step-templates/rumour/logistics", headers=admin, json=TEMPLATE)
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["path", "kind"]
    reply = await api.delete("/step-templates/complaint/weather", headers=admin)
    assert reply.status_code == 422 and reply.json()["detail"][0]["loc"] == ["path", "subject"]


async def test_an_opinion_dispatched_without_steps_gets_its_templates(api, sessions):
    admin, agent = await login(api, "admin"), await login(api, "8001")
    assert (await api.put("/step-templates/complaint/logistics", headers=admin,
                          json=TEMPLATE)).status_code == 200
    opinion = await capture(api, sessions, agent)
    sent = utcnow()
    raised = await api.post(f"/opinions/{opinion}/work-orders/from-template", headers=agent)
    answered = utcnow()
    assert raised.status_code == 201, raised.text
    work_order = raised.json()
    assert (work_order["department"], work_order["status"]) == ("logistics", "open")
    assert [(s["step_no"], s["department"], s["description"]) for s in work_order["steps"]] == [
        (1, "logistics", "查配送记录，联系司机"), (2, "quality", "抽检同批次货品")]
    for s, hours in zip(work_order["steps"], (4, 48), strict=True):
        due = datetime.fromisoformat(s["due_at"])
        assert sent + timedelta(hours=hours) <= due <= answered + timedelta(hours=hours)
    seen = (await api.get(f"/opinions/{opinion}", headers=agent)).json()
    assert seen["status"] == "in_progress" and seen["work_orders"][0]["id"] == work_order["id"]

    second = await api.post(f"/opinions/{opinion}/work-orders/from-template", headers=agent,
                            json={"department": "marketing"})
    assert second.status_code == 201, second.text
    assert second.json()["department"] == "marketing"
    assert [s["department"] for s in second.json()["steps"]] == ["logistics", "quality"]


async def test_without_a_template_dispatch_is_refused_and_writes_nothing(api, sessions):
    agent = await login(api, "8001")
    opinion = await capture(api, sessions, agent, kind="praise", subject="commerce")
    before = await counts(sessions)
    reply = await api.post(f"/opinions/{opinion}/work-orders/from-template", headers=agent)
    assert reply.status_code == 422, reply.text
    assert [(p["type"], p["loc"]) for p in reply.json()["detail"]] == [
        ("rule.template_exists", ["path", "opinion_id"])]
    assert await counts(sessions) == before
    ops = await login(api, "ops")
    assert (await api.post(f"/opinions/{opinion}/work-orders/from-template", headers=ops)
            ).status_code == 403
    other_branch = await login(api, "8003")
    assert (await api.post(f"/opinions/{opinion}/work-orders/from-template",
                           headers=other_branch)).status_code == 404
    (await api.get("/opinions", headers=agent)).raise_for_status()
    # a department named for the work order must exist, as for steps given by hand
    admin = await login(api, "admin")
    await api.put("/step-templates/praise/commerce", headers=admin, json=TEMPLATE)
    unknown = await api.post(f"/opinions/{opinion}/work-orders/from-template", headers=agent,
                             json={"department": "legal"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "department"]
    assert (await counts(sessions))[2:4] == before[2:4]
