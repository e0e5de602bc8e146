"""Branches kept by headquarters over the API, on SQLite and PostgreSQL: a new branch has its
queues at once; a branch with agents, retailers, users or history stays; refusals name the rule
and change nothing."""
import pytest
from sqlalchemy import func, select

from models import AuditEntry, Branch
from tests.db.conftest import login

pytestmark = pytest.mark.db


def router_of(api):
    return api._transport.app.state.engine.desk.router


async def test_a_new_branch_has_its_queues_and_an_empty_one_may_go(api):
    admin = await login(api, "admin")
    made = await api.post("/branches", headers=admin,
                          json={"code": "TJ", "name": "天津分公司", "timezone": "Asia/Shanghai"})
    assert made.status_code == 201, made.text
    assert "TJ-order" in router_of(api).policies
    assert "TJ" in [b["code"] for b in (await api.get("/branches", headers=admin)).json()]
    renamed = await api.patch("/branches/TJ", headers=admin, json={"timezone": "Asia/Urumqi"})
    assert renamed.json()["timezone"] == "Asia/Urumqi"
    hours = await api.put("/branches/TJ/hours", headers=admin,
                          json={"hours": {"mon": [["08:00", "18:00"]]}})
    assert hours.status_code == 200, hours.text

    assert (await api.delete("/branches/TJ", headers=admin)).status_code == 204
    assert "TJ-order" not in router_of(api).policies
    log = (await api.get("/audit", headers=admin, params={"entity": "branch"})).json()
    assert [e["action"] for e in log] == ["delete", "update", "create"]


async def test_refusals_name_the_rule_and_change_nothing(api, sessions):
    admin = await login(api, "admin")
    for body, status, rule in (
            ({"code": "BJ", "name": "again"}, 409, "branch_taken"),
            ({"code": "tj!", "name": "x"}, 422, "branch_code"),
            ({"code": "TJ", "name": "x", "timezone": "Mars/Olympus"}, 422, "unknown_timezone")):
        reply = await api.post("/branches", headers=admin, json=body)
        assert reply.status_code == status, reply.text
        assert reply.json()["detail"][0]["type"] == f"rule.{rule}"
    kept = await api.delete("/branches/BJ", headers=admin)
    assert kept.status_code == 409
    assert {p["type"] for p in kept.json()["detail"]} == {
        "rule.branch_has_agents", "rule.branch_has_retailers", "rule.branch_has_users"}
    hq = await api.delete("/branches/HQ", headers=admin)
    assert hq.json()["detail"][0]["type"] == "rule.branch_headquarters"
    for username in ("supervisor", "ops", "8001"):
        assert (await api.post("/branches", headers=await login(api, username),
                               json={"code": "TJ", "name": "x"})).status_code == 403
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Branch)) == 3
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
