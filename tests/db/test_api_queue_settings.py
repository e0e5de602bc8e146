"""Queue settings kept over the API, on SQLite and PostgreSQL: a change routes the calls that join
from then on, a branch's administrator keeps its own branch's queues only, and refusals name the
field or rule and change nothing."""
import pytest
from sqlalchemy import func, select

from models import AuditEntry, QueueSettings
from tests.db.conftest import login

pytestmark = pytest.mark.db

SETTINGS = {"wrap_up_seconds": 30, "service_level_seconds": 15, "service_level_target": 90,
            "min_level": 3, "overflow": [{"after_seconds": 20, "min_level": 1},
                                         {"after_seconds": 45, "branches": ["HQ"]}],
            "max_wait_seconds": 120, "max_wait_offer": "callback", "class_priority": {"A": 3},
            "recording": "on_demand", "survey": True, "wait_amber_seconds": 45,
            "wait_red_seconds": 90}


def policy(api, queue: str):
    return api._transport.app.state.engine.desk.router.policies[queue]


async def test_a_queue_is_routed_by_its_new_settings_at_once(api):
    admin = await login(api, "admin")
    listed = {q["queue"]: q for q in (await api.get("/queue-settings", headers=admin)).json()}
    assert listed["BJ-order"]["own_settings"] is False
    assert listed["BJ-order"]["service_level_target"] == 80
    assert (listed["BJ-order"]["wait_amber_seconds"], listed["BJ-order"]["wait_red_seconds"]) == (
        30, 60)
    assert "BJ-self_service" not in listed

    reply = await api.put("/queue-settings/BJ-order", headers=admin, json=SETTINGS)
    assert reply.status_code == 200, reply.text
    assert reply.json()["own_settings"] and reply.json()["service_level_target"] == 90
    routed = policy(api, "BJ-order")
    assert (routed.wrap_up_seconds, routed.min_level, routed.max_wait_seconds) == (30, 3, 120)
    assert [s.branches for s in routed.overflow] == [(), ("HQ",)]
    assert routed.recording == "on_demand" and routed.priority_of("A") == 3
    assert routed.max_wait_offer == "callback" and routed.survey
    assert (routed.service_level_target, routed.wait_amber_seconds, routed.wait_red_seconds) == (
        90, 45, 90)
    listed = {q["queue"]: q for q in (await api.get("/queue-settings", headers=admin)).json()}
    assert (listed["BJ-order"]["wait_amber_seconds"], listed["BJ-order"]["wait_red_seconds"]) == (
        45, 90)

    assert (await api.delete("/queue-settings/BJ-order", headers=admin)).status_code == 204
    assert policy(api, "BJ-order").wrap_up_seconds == 10  # the default again
    log = (await api.get("/audit", headers=admin, params={"entity": "queue_settings"})).json()
    assert [e["action"] for e in log] == ["delete", "update"]
    assert log[1]["before"]["wrap_up_seconds"] == 10 and log[1]["after"]["wrap_up_seconds"] == 30


async def test_a_branch_administrator_keeps_its_own_queues(api):
    admin = await login(api, "admin")
    created = await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "a long passphrase", "role": "branch_admin",
        "branch": "BJ"})
    assert created.status_code == 201, created.text
    bj_admin = await login(api, "bj-admin", "a long passphrase")
    queues = [q["queue"] for q in (await api.get("/queue-settings", headers=bj_admin)).json()]
    assert queues and all(q.startswith("BJ-") for q in queues)
    assert (await api.put("/queue-settings/BJ-order", headers=bj_admin, json=SETTINGS)
            ).status_code == 200
    assert (await api.put("/queue-settings/SH-order", headers=bj_admin, json=SETTINGS)
            ).status_code == 404
    supervisor = await login(api, "supervisor")
    assert (await api.get("/queue-settings", headers=supervisor)).status_code == 200
    assert (await api.put("/queue-settings/BJ-order", headers=supervisor, json=SETTINGS)
            ).status_code == 403


async def test_refused_settings_name_the_field_or_rule_and_change_nothing(api, sessions):
    admin = await login(api, "admin")
    for change, where in (
            ({"service_level_target": 0}, ["body", "service_level_target"]),
            ({"wrap_up_seconds": -1}, ["body", "wrap_up_seconds"]),
            ({"overflow": [{"after_seconds": 10, "branches": ["XX"]}]},
             ["body", "overflow", 0, "branches"]),
            ({"overflow": [{"after_seconds": 30}, {"after_seconds": 20}]}, ["body", "overflow"]),
            ({"min_level": 1, "overflow": [{"after_seconds": 10, "min_level": 5}]},
             ["body", "overflow"]),
            ({"recording": "sometimes"}, ["body", "recording"]),
            ({"max_wait_offer": "sms"}, ["body", "max_wait_offer"]),
            ({"wait_amber_seconds": 0}, ["body", "wait_amber_seconds"]),
            ({"wait_amber_seconds": 60, "wait_red_seconds": 60}, ["body", "wait_red_seconds"])):
        reply = await api.put("/queue-settings/BJ-order", headers=admin,
                              json={**SETTINGS, **change})
        assert reply.status_code == 422, (change, reply.text)
        assert reply.json()["detail"][0]["loc"][:len(where)] == where, reply.text
    thresholds = await api.put("/queue-settings/BJ-order", headers=admin, json={
        **SETTINGS, "wait_amber_seconds": 90, "wait_red_seconds": 30})
    assert thresholds.json()["detail"][0]["type"] == "rule.wait_thresholds", thresholds.text
    assert (await api.put("/queue-settings/BJ-nothing", headers=admin, json=SETTINGS)
            ).status_code == 404
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(QueueSettings)) == 0
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert policy(api, "BJ-order").wrap_up_seconds == 10
