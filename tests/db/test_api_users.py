"""Users and roles managed over the API, each change in the audit log, on SQLite and PostgreSQL:
who may do what, branch scoping, and refusals that name the field and leave nothing behind."""
import asyncio
import os
import sys
from asyncio.subprocess import PIPE

import pytest
from sqlalchemy import func, select

from models import AuditEntry, User
from runtime.provision import pbx_layout
from tests.db.conftest import login

pytestmark = pytest.mark.db

NEW_PASSWORD = "new-secret-1"


async def test_an_admin_creates_changes_disables_and_resets_a_user_each_on_record(api):
    admin = await login(api, "admin")
    reply = await api.post("/users", headers=admin, json={
        "username": "sup-bj", "password": "first-pass", "role": "supervisor", "branch": "BJ",
        "sip_endpoint": "supervisor-bj"})
    assert reply.status_code == 201, reply.text
    user = reply.json()
    assert (user["role"], user["branch"], user["active"]) == ("supervisor", "BJ", True)
    sup = await login(api, "sup-bj", "first-pass")
    me = (await api.get("/auth/me", headers=sup)).json()
    assert me["sees_all_branches"] is False  # a branch's supervisor sees its branch

    changed = await api.patch(f"/users/{user['id']}", headers=admin, json={"branch": "SH"})
    assert changed.status_code == 200 and changed.json()["branch"] == "SH"
    reset = await api.post(f"/users/{user['id']}/password", headers=admin,
                           json={"password": NEW_PASSWORD})
    assert reset.status_code == 204
    assert (await api.get("/auth/me", headers=sup)).status_code == 401  # its sessions ended
    sup = await login(api, "sup-bj", NEW_PASSWORD)
    off = await api.patch(f"/users/{user['id']}", headers=admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await api.get("/auth/me", headers=sup)).status_code == 401
    refused = await api.post("/auth/token", data={"username": "sup-bj", "password": NEW_PASSWORD})
    assert refused.status_code == 401

    log = (await api.get("/audit", headers=admin, params={"entity_id": str(user["id"])})).json()
    assert [e["action"] for e in log] == ["update", "reset_password", "update", "create"]
    assert all(e["username"] == "admin" and e["entity"] == "user" for e in log)
    assert (log[0]["before"], log[0]["after"]) == ({"active": True}, {"active": False})
    assert (log[2]["before"], log[2]["after"]) == ({"branch": "BJ"}, {"branch": "SH"})
    assert log[3]["before"] is None and log[3]["after"]["sip_endpoint"] == "supervisor-bj"
    assert log[1]["before"] is None and log[1]["after"] is None  # no password, nor its hash
    filtered = (await api.get("/audit", headers=admin, params={"action": "reset_password"})).json()
    assert [e["id"] for e in filtered] == [log[1]["id"]]


async def test_everyone_changes_their_own_password_knowing_the_current_one(api):
    agent = await login(api, "8001")
    wrong = await api.post("/auth/password", headers=agent,
                           json={"current": "not-it", "new": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["type"] == "rule.current_password_wrong"
    assert wrong.json()["detail"][0]["loc"] == ["body", "current"]
    short = await api.post("/auth/password", headers=agent,
                           json={"current": "hotline-demo", "new": "short"})
    assert short.status_code == 422 and short.json()["detail"][0]["loc"] == ["body", "new"]
    ok = await api.post("/auth/password", headers=agent,
                        json={"current": "hotline-demo", "new": NEW_PASSWORD})
    assert ok.status_code == 204
    await login(api, "8001", NEW_PASSWORD)
    log = (await api.get("/audit", headers=await login(api, "admin"))).json()
    assert [(e["username"], e["action"]) for e in log] == [("8001", "change_password")]


@pytest.mark.parametrize("body, status, loc, rule", [
    ({"username": "admin", "password": "long-enough", "role": "ops"}, 409, "username",
     "username_taken"),
    ({"username": "x", "password": "short", "role": "ops"}, 422, "password",
     "password_too_short"),
    ({"username": "x", "password": "long-enough", "role": "ops", "branch": "XX"}, 422, "branch",
     "unknown_branch"),
    ({"username": "x", "password": "long-enough", "role": "agent"}, 422, "agent",
     "agent_needs_number"),
    ({"username": "x", "password": "long-enough", "role": "agent", "agent": "8001"}, 409,
     "agent", "agent_has_user"),
    ({"username": "x", "password": "long-enough", "role": "branch_admin"}, 422, "branch",
     "branch_admin_needs_branch"),
    ({"username": "x y", "password": "long-enough", "role": "ops"}, 422, "username", None),
    ({"username": "x", "password": "long-enough", "role": "king"}, 422, "role", None),
])
async def test_a_refused_user_names_the_field_and_writes_nothing(api, sessions, body, status,
                                                                  loc, rule):
    async with sessions() as s:
        users_before = await s.scalar(select(func.count()).select_from(User))
    reply = await api.post("/users", headers=await login(api, "admin"), json=body)
    assert reply.status_code == status, reply.text
    problem = reply.json()["detail"][0]
    assert problem["loc"] == ["body", loc]
    if rule:
        assert problem["type"] == f"rule.{rule}"
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(User)) == users_before
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_the_last_admin_stays_one_and_nobody_disables_themselves(api):
    admin = await login(api, "admin")
    me = next(u for u in (await api.get("/users", headers=admin)).json()
              if u["username"] == "admin")
    demoted = await api.patch(f"/users/{me['id']}", headers=admin, json={"role": "ops"})
    assert demoted.status_code == 422 and demoted.json()["detail"][0]["type"] == "rule.last_admin"
    off = await api.patch(f"/users/{me['id']}", headers=admin, json={"active": False})
    assert off.status_code == 422 and off.json()["detail"][0]["type"] == "rule.not_yourself"
    assert (await api.get("/auth/me", headers=admin)).json()["role"] == "admin"


async def test_a_branch_admin_manages_its_own_branch_agents_and_supervisors_only(api):
    admin = await login(api, "admin")
    made = await api.post("/users", headers=admin, json={
        "username": "bj-admin", "password": "long-enough", "role": "branch_admin",
        "branch": "BJ"})
    assert made.status_code == 201, made.text
    bj = await login(api, "bj-admin", "long-enough")
    seen = {u["username"] for u in (await api.get("/users", headers=bj)).json()}
    assert seen == {"8001", "8002", "bj-admin"}  # BJ's users; not SH's, not headquarters'
    ok = await api.post("/users", headers=bj, json={
        "username": "sup-bj", "password": "long-enough", "role": "supervisor", "branch": "BJ"})
    assert ok.status_code == 201, ok.text
    for body in ({"username": "sup-sh", "password": "long-enough", "role": "supervisor",
                  "branch": "SH"},
                 {"username": "boss", "password": "long-enough", "role": "admin",
                  "branch": "BJ"}):
        assert (await api.post("/users", headers=bj, json=body)).status_code == 403
    sh_agent = next(u for u in (await api.get("/users", headers=admin)).json()
                    if u["username"] == "8003")
    assert (await api.patch(f"/users/{sh_agent['id']}", headers=bj,
                            json={"active": False})).status_code == 404
    assert [e["username"] for e in (await api.get("/audit", headers=bj)).json()] == [
        "bj-admin", "admin"]  # BJ's entries only: its own and the admin's creation of it
    for role in ("supervisor", "ops", "8001"):
        assert (await api.get("/users", headers=await login(api, role))).status_code == 403
        assert (await api.get("/audit", headers=await login(api, role))).status_code == 403


async def test_create_admin_makes_the_first_administrator_of_a_new_installation(
        migrated_url, sessions):
    async def create_admin(username: str, password: str) -> tuple[int, str]:
        run = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cli.main", "create-admin", username, stdin=PIPE, stdout=PIPE,
            stderr=PIPE, env={**os.environ, "HOTLINE_DB__URL": migrated_url})
        out, err = await run.communicate(f"{password}\n".encode())
        return run.returncode, (out + err).decode()

    assert await create_admin("chief", "a-long-password") == (
        0, "administrator chief created: sign in at /admin\n")
    async with sessions() as s:
        user = await s.scalar(select(User).where(User.username == "chief"))
        entry = await s.scalar(select(AuditEntry))
    assert user.role == "admin" and user.active
    assert (entry.username, entry.action, entry.entity_id) == ("command line", "create",
                                                               str(user.id))
    code, said = await create_admin("deputy", "short")
    assert code == 1 and "no administrator created: a password has at least 8" in said
    code, said = await create_admin("chief", "a-long-password")
    assert code == 1 and "username 'chief' is taken" in said


async def test_the_branches_are_listed_headquarters_first_to_anyone_signed_in(api):
    assert (await api.get("/branches")).status_code == 401
    branches = (await api.get("/branches", headers=await login(api, "8001"))).json()
    assert [(b["code"], b["is_headquarters"], b["timezone"]) for b in branches] == [
        ("HQ", True, "Asia/Shanghai"), ("BJ", False, "Asia/Shanghai"),
        ("SH", False, "Asia/Shanghai")]


async def test_a_supervisors_phone_has_a_secret_the_pbx_asks_for(api, sessions):
    admin = await login(api, "admin")
    made = await api.post("/users", headers=admin, json={
        "username": "sup-sh", "password": "long-enough", "role": "supervisor", "branch": "SH",
        "sip_endpoint": "supervisor-2"})
    assert made.status_code == 201, made.text
    secret = made.json()["sip_secret"]
    assert secret and len(secret) >= 20
    endpoints, _ = await pbx_layout(sessions)
    phones = {e.name: e.password for e in endpoints}
    assert phones["supervisor-2"] == secret
    assert phones["supervisor-1"], "the demo's supervisor phone has no secret"

    moved = await api.patch(f"/users/{made.json()['id']}", headers=admin,
                            json={"sip_endpoint": "supervisor-3"})
    assert moved.json()["sip_secret"] not in (None, secret)  # another phone, another secret
    log = (await api.get("/audit", headers=admin, params={"entity": "user"})).json()
    assert all(secret not in str(e) for e in log), "a phone's secret was written in the log"
