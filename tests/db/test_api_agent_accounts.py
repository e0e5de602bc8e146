"""Agents kept by an administrator over the API, on SQLite and PostgreSQL: created ready for the
desk at once, changed with the audit log saying before and after, refused with the field and
rule named and nothing written, and scoped to a branch's own administrator."""
import pytest
from sqlalchemy import func, select

from acd.agent_state import ConnectCall, Login, Reserve, SessionUp
from models import Agent, AuditEntry
from tests.db.conftest import login

pytestmark = pytest.mark.db

NEW = {"number": "8101", "name": "赵敏", "branch": "BJ", "pin": "4321",
       "skills": [{"skill": "order-zh", "level": 7}, {"skill": "complaint-zh", "level": 4}]}


def desk_of(api):
    return api._transport.app.state.engine.desk  # the engine behind the ASGI client


async def test_an_agent_created_is_known_to_the_desk_at_once_and_changed_on_record(api):
    admin = await login(api, "admin")
    reply = await api.post("/agent-accounts", headers=admin, json=NEW)
    assert reply.status_code == 201, reply.text
    made = reply.json()
    assert (made["sip_endpoint"], made["skills"]) == ("agent-8101", {"complaint-zh": 4,
                                                                     "order-zh": 7})
    live = (await api.get("/agents/8101", headers=admin)).json()
    assert (live["state"], live["branch"]) == ("logged_out", "BJ")
    assert desk_of(api).agent_by_number("8101").skills == {"order": 7, "complaint": 4}

    changed = await api.patch("/agent-accounts/8101", headers=admin, json={
        "branch": "SH", "skills": [{"skill": "order-zh", "level": 9}], "pin": "2468"})
    assert changed.status_code == 200, changed.text
    assert desk_of(api).agent_by_number("8101").skills == {"order": 9}
    assert (await api.get("/agents/8101", headers=admin)).json()["branch"] == "SH"
    log = (await api.get("/audit", headers=admin, params={"entity": "agent"})).json()
    assert [e["action"] for e in log] == ["update", "create"]
    assert log[0]["before"] == {"branch": "BJ", "pin": "(old)",
                                "skills": {"complaint-zh": 4, "order-zh": 7}}
    assert log[0]["after"] == {"branch": "SH", "pin": "(new)", "skills": {"order-zh": 9}}
    assert "pin" not in log[1]["after"]

    retired = await api.patch("/agent-accounts/8101", headers=admin, json={"active": False})
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert desk_of(api).agent_by_number("8101") is None
    assert (await api.get("/agents/8101", headers=admin)).status_code == 404


@pytest.mark.parametrize("change, status, loc, rule", [
    ({"number": "8001"}, 409, ["body", "number"], "number_taken"),
    ({"sip_endpoint": "agent-8001"}, 409, ["body", "sip_endpoint"], "sip_endpoint_taken"),
    ({"branch": "XX"}, 422, ["body", "branch"], "unknown_branch"),
    ({"skills": [{"skill": "order-zh", "level": 3}, {"skill": "karaoke", "level": 3}]}, 422,
     ["body", "skills", 1, "skill"], "unknown_skill"),
    ({"skills": [{"skill": "order-zh", "level": 3}, {"skill": "order-zh", "level": 5}]}, 422,
     ["body", "skills", 1, "skill"], "skill_twice"),
    ({"skills": [{"skill": "order-zh", "level": 11}]}, 422, ["body", "skills", 0, "level"],
     None),
    ({"pin": "12"}, 422, ["body", "pin"], None),
    ({"number": "81 01"}, 422, ["body", "number"], None),
])
async def test_a_refused_agent_names_the_field_and_writes_nothing(api, sessions, change, status,
                                                                   loc, rule):
    reply = await api.post("/agent-accounts", headers=await login(api, "admin"),
                           json={**NEW, **change})
    assert reply.status_code == status, reply.text
    problem = reply.json()["detail"][0]
    assert problem["loc"] == loc
    if rule:
        assert problem["type"] == f"rule.{rule}"
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Agent)) == 5  # the demo's
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_an_agent_on_a_call_is_not_moved_and_a_logged_in_one_not_retired(api, sessions):
    admin = await login(api, "admin")
    desk = desk_of(api)
    agent = desk.agent_by_number("8001")
    machine = desk.sessions.machine(agent.id)
    for event in (Login(), SessionUp(), Reserve("c1"), ConnectCall("c1")):
        machine.feed(event, desk.clock())
    moved = await api.patch("/agent-accounts/8001", headers=admin, json={"branch": "SH"})
    assert moved.status_code == 409 and moved.json()["detail"][0]["type"] == "rule.agent_on_call"
    retired = await api.patch("/agent-accounts/8001", headers=admin, json={"active": False})
    assert retired.status_code == 409
    assert retired.json()["detail"][0]["type"] == "rule.agent_logged_in"
    renamed = await api.patch("/agent-accounts/8001", headers=admin, json={"name": "张伟伟"})
    assert renamed.status_code == 200  # what does not disturb the call may change
    async with sessions() as s:
        row = await s.scalar(select(Agent).where(Agent.number == "8001"))
    assert (row.name, row.active) == ("张伟伟", True)
    assert desk.agent_by_number("8001").branch == "BJ"


async def test_a_branch_admin_keeps_its_own_branch_agents_only(api):
    admin = await login(api, "admin")
    await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    bj = await login(api, "bj-admin", "long-enough")
    assert {a["number"] for a in (await api.get("/agent-accounts", headers=bj)).json()} == {
        "8001", "8002"}
    assert (await api.post("/agent-accounts", headers=bj, json=NEW)).status_code == 201
    assert (await api.post("/agent-accounts", headers=bj,
                           json={**NEW, "number": "8102", "branch": "SH"})).status_code == 403
    assert (await api.patch("/agent-accounts/8003", headers=bj,
                            json={"name": "x"})).status_code == 404
    assert (await api.patch("/agent-accounts/8101", headers=bj,
                            json={"branch": "SH"})).status_code == 403
    for role in ("supervisor", "ops", "8001"):
        assert (await api.get("/agent-accounts",
                              headers=await login(api, role))).status_code == 403
    skills = (await api.get("/skills", headers=await login(api, "8001"))).json()
    assert {"code": "order-zh", "name": "电话订货（普通话）", "business_type": "order",
            "language": "zh"} in skills


async def test_an_administrator_gives_an_agents_phone_a_new_secret_on_record(api, sessions):
    admin = await login(api, "admin")
    old = (await api.get("/agent-accounts", headers=admin)).json()
    [before] = [a["sip_secret"] for a in old if a["number"] == "8001"]
    reply = await api.post("/agent-accounts/8001/sip-secret", headers=admin)
    assert reply.status_code == 200, reply.text
    after = reply.json()["sip_secret"]
    assert len(after) >= 20 and after != before
    async with sessions() as s:
        assert await s.scalar(select(Agent.sip_secret).where(Agent.number == "8001")) == after
    [entry] = (await api.get("/audit", headers=admin, params={"entity": "agent"})).json()
    assert (entry["action"], entry["entity_id"]) == ("update", "8001")
    assert (entry["before"], entry["after"]) == ({"sip_secret": "(old)"}, {"sip_secret": "(new)"})

    await api.post("/users", headers=admin, json={
        "username": "sh-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "SH"})
    sh = await login(api, "sh-admin", "long-enough")
    assert (await api.post("/agent-accounts/8001/sip-secret", headers=sh)).status_code == 404
    for role in ("supervisor", "8001"):
        assert (await api.post("/agent-accounts/8001/sip-secret",
                               headers=await login(api, role))).status_code == 403
    assert (await api.post("/agent-accounts/9999/sip-secret", headers=admin)).status_code == 404
    async with sessions() as s:
        assert await s.scalar(select(Agent.sip_secret).where(Agent.number == "8001")) == after
