"""Logins, roles and branch scoping of the API, on SQLite and PostgreSQL (the engine runs without
a PBX here: nothing these routes do needs one)."""
from datetime import timedelta

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select, update

from models import AuthToken, User, utcnow
from services.demo import DEMO_PASSWORD
from tests.db.conftest import login
from tests.db.sockets import app_of

pytestmark = pytest.mark.db


async def test_a_token_from_the_password_flow_opens_the_api_and_logout_closes_it(api):
    assert (await api.get("/calls")).status_code == 401
    headers = await login(api, "supervisor")
    me = (await api.get("/auth/me", headers=headers)).json()
    assert (me["role"], me["sees_all_branches"], me["agent_number"]) == ("supervisor", True, None)
    agent = (await api.get("/auth/me", headers=await login(api, "8003"))).json()
    assert (agent["role"], agent["agent_number"], agent["sees_all_branches"]) == (
        "agent", "8003", False)
    assert (await api.get("/calls", headers=headers)).status_code == 200
    assert (await api.post("/auth/logout", headers=headers)).status_code == 204
    assert (await api.get("/calls", headers=headers)).status_code == 401
    bogus = {"Authorization": "Bearer not-a-token"}
    assert (await api.get("/queues", headers=bogus)).status_code == 401


def _from(api, address: str) -> AsyncClient:
    """A client of the same app from another address."""
    return AsyncClient(transport=ASGITransport(app_of(api), client=(address, 40000)),
                       base_url="http://test")


async def _try(client: AsyncClient, username: str, password: str = "wrong"):
    return await client.post("/auth/token", data={"username": username, "password": password})


async def test_failed_logins_make_that_address_wait_and_never_lock_the_user_out(api):
    """Five failures for a name from one address: its next attempts wait (429, Retry-After),
    even with the right password; the user signs in from another address all the while. An
    unknown name is answered exactly as a known one."""
    async with _from(api, "10.0.0.66") as attacker, _from(api, "10.0.0.7") as desk:
        answers = {}
        for name in ("8001", "nobody"):
            for _ in range(5):
                reply = await _try(attacker, name)
                assert reply.status_code == 401
            answers[name] = (reply.status_code, reply.json(), reply.headers["www-authenticate"])
            throttled = await _try(attacker, name, DEMO_PASSWORD)
            assert throttled.status_code == 429
            assert int(throttled.headers["retry-after"]) >= 1
            answers[name] += (throttled.status_code, throttled.json())
        assert answers["8001"] == answers["nobody"] == (
            401, {"detail": "incorrect username or password"}, "Bearer",
            429, {"detail": "too many failed logins: try again later"})
        assert (await _try(desk, "8001", DEMO_PASSWORD)).status_code == 200
        assert (await _try(attacker, "8002", DEMO_PASSWORD)).status_code == 200  # another name
    missing = await api.post("/auth/token", data={"username": "8002"})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "password"]


async def test_an_address_guessing_many_names_waits_for_every_name(api):
    async with _from(api, "10.0.0.99") as guesser, _from(api, "10.0.0.7") as desk:
        for i in range(20):  # per address: 20 failures, whatever the names
            assert (await _try(guesser, f"guess-{i}")).status_code == 401
        assert (await _try(guesser, "8003", DEMO_PASSWORD)).status_code == 429
        assert (await _try(desk, "8003", DEMO_PASSWORD)).status_code == 200


async def test_a_disabled_user_is_answered_as_a_wrong_password(api, sessions):
    async with sessions() as s, s.begin():
        await s.execute(update(User).where(User.username == "8004").values(active=False))
    reply = await _try(api, "8004", DEMO_PASSWORD)
    assert (reply.status_code, reply.json()) == (401, {"detail": "incorrect username or password"})


async def test_an_agent_sees_its_own_branch_and_headquarters_sees_all(api):
    bj, sh, hq = [await login(api, n) for n in ("8001", "8003", "8005")]
    seen = {}
    for name, headers in (("bj", bj), ("sh", sh), ("hq", hq)):
        calls = (await api.get("/calls", headers=headers)).json()
        voicemails = (await api.get("/voicemails", headers=headers)).json()
        seen[name] = ({c["queue"] for c in calls}, len(voicemails), headers)
    assert seen["bj"][:2] == ({"BJ-order"}, 1)
    assert seen["sh"][:2] == ({"SH-order"}, 1)
    assert seen["hq"][:2] == ({"BJ-order", "SH-order"}, 2)
    sh_call = next(c for c in (await api.get("/calls", headers=seen["hq"][2])).json()
                   if c["queue"] == "SH-order")
    assert (await api.get(f"/calls/{sh_call['id']}", headers=seen["bj"][2])).status_code == 404
    assert (await api.get(f"/calls/{sh_call['id']}", headers=seen["sh"][2])).status_code == 200


async def test_each_route_checks_the_role(api):
    agent, other, ops, sup = [await login(api, n) for n in ("8001", "8002", "ops", "supervisor")]
    assert (await api.get("/voicemails", headers=ops)).status_code == 403
    assert (await api.get("/voicemails", headers=agent)).status_code == 200
    # An agent acts on its own session only; a supervisor on anyone's.
    reply = await api.post("/agents/8002/pause", headers=agent, json={"reason": "break"})
    assert reply.status_code == 403
    [refused] = reply.json()["detail"]
    assert (refused["type"], refused["loc"], refused["ctx"]) == (
        "rule.own_session", ["path", "number"], {"agent": "8002"})
    assert refused["msg"] == "only agent 8002 or a supervisor or admin may do this"
    for headers, number in ((agent, "8001"), (other, "8002"), (sup, "8002")):
        reply = await api.post(f"/agents/{number}/pause", headers=headers, json={"reason": "meal"})
        assert reply.status_code == 409  # allowed, but nobody is logged in
        [refused] = reply.json()["detail"]
        assert (refused["type"], refused["ctx"]) == (
            "rule.agent_state", {"state": "logged_out", "event": "Pause"})
        assert "Pause not allowed in logged_out" in refused["msg"]
    assert (await api.post("/agents/8001/login", headers=ops)).status_code == 403
    assert (await api.get("/agents/8002/transitions", headers=agent)).status_code == 403
    assert (await api.get("/agents/8002/transitions", headers=ops)).status_code == 200
    for path in ("/agents", "/queues", "/queues/settings", "/calls"):
        assert (await api.get(path, headers=ops)).status_code == 200, path
    assert (await api.get("/health")).status_code in (200, 503)  # public, for monitoring
    schema = (await api.get("/openapi.json")).json()
    assert "OAuth2PasswordBearer" in schema["components"]["securitySchemes"]
    assert (await api.get("/docs")).status_code == 200


async def test_an_expired_token_is_refused(api, sessions):
    headers = await login(api, "admin")
    async with sessions() as s, s.begin():
        for token in await s.scalars(select(AuthToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
    assert (await api.get("/agents", headers=headers)).status_code == 401


async def test_a_valid_token_is_renewed_and_a_dead_one_is_not(api, sessions):
    """A wallboard left on a wall renews its token before it expires: the new token works and
    runs a whole token's lifetime from now; a revoked token, or a disabled user's, renews
    nothing."""
    headers = await login(api, "supervisor")
    first = (await api.get("/auth/me", headers=headers)).json()["token_expires_at"]
    async with sessions() as s, s.begin():  # the first token is about to expire
        for token in await s.scalars(select(AuthToken)):
            token.expires_at = utcnow() + timedelta(minutes=1)
    reply = await api.post("/auth/renew", headers=headers)
    assert reply.status_code == 200, reply.text
    renewed = {"Authorization": f"Bearer {reply.json()['access_token']}"}
    assert renewed != headers
    me = (await api.get("/auth/me", headers=renewed)).json()
    assert me["username"] == "supervisor"
    assert me["token_expires_at"] >= first  # a full lifetime from now, not the old token's end
    assert (await api.get("/queues", headers=headers)).status_code == 200  # the old one runs on

    assert (await api.post("/auth/logout", headers=headers)).status_code == 204
    assert (await api.post("/auth/renew", headers=headers)).status_code == 401
    async with sessions() as s, s.begin():
        await s.execute(update(User).where(User.username == "supervisor").values(active=False))
    assert (await api.post("/auth/renew", headers=renewed)).status_code == 401
    assert (await api.post("/auth/renew")).status_code == 401
