"""The live feeds end with the token that opened them, on SQLite and PostgreSQL: logout, the
token's expiry, the user disabled or their password reset close an open /ws/agent or
/ws/wallboard with 1008 at once (the revocation tells the feed; nothing polls). A first message
that is binary, not JSON, too big or nested too deep closes the socket with its own code."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import update

from models import AuthToken, utcnow
from runtime.live import agent_topic
from tests.db.conftest import login
from tests.db.sockets import Socket, app_of, token

pytestmark = pytest.mark.db


async def _following(ws: Socket, headers: dict, **hello) -> dict:
    await ws.send_json({"token": token(headers), **hello})
    first = await ws.receive_json()
    assert first["kind"] in ("reset", "wallboard"), first
    return first


async def _user_id(api, admin: dict, username: str) -> int:
    return next(u["id"] for u in (await api.get("/users", headers=admin)).json()
                if u["username"] == username)


async def test_logout_closes_that_tokens_feeds_and_no_others(api):
    app = app_of(api)
    first, second = await login(api, "8001"), await login(api, "8001")
    supervisor = await login(api, "supervisor")
    async with (Socket(app, "/ws/agent") as ended, Socket(app, "/ws/agent") as kept,
                Socket(app, "/ws/wallboard") as board):
        await _following(ended, first)
        reset = await _following(kept, second)
        await _following(board, supervisor)
        assert (await api.post("/auth/logout", headers=first)).status_code == 204
        assert await ended.closed() == (1008, "token: logged out")
        # the same user's other token still has its feed: a live event arrives on it
        app.state.engine.hub.publish(agent_topic(reset["data"]["agent"]["id"]), "probe", {})
        assert (await kept.receive_json())["kind"] == "probe"
        assert (await api.post("/auth/logout", headers=supervisor)).status_code == 204
        assert await board.closed() == (1008, "token: logged out")


async def test_disabling_a_user_or_resetting_the_password_closes_the_users_feeds(api):
    app = app_of(api)
    admin = await login(api, "admin")
    agent, supervisor = await login(api, "8002"), await login(api, "supervisor")
    async with Socket(app, "/ws/agent") as feed, Socket(app, "/ws/wallboard") as board:
        await _following(feed, agent)
        await _following(board, supervisor)
        disabled = await api.patch(f"/users/{await _user_id(api, admin, '8002')}",
                                   headers=admin, json={"active": False})
        assert disabled.status_code == 200, disabled.text
        assert await feed.closed() == (1008, "token: the user was changed or disabled")
        reset = await api.post(f"/users/{await _user_id(api, admin, 'supervisor')}/password",
                               headers=admin, json={"password": "a-new-password"})
        assert reset.status_code == 204, reset.text
        assert await board.closed() == (1008, "token: the password was reset")


async def test_a_feed_closes_when_its_token_expires(api, sessions):
    app = app_of(api)
    agent, supervisor = await login(api, "8001"), await login(api, "supervisor")
    async with sessions() as s, s.begin():
        await s.execute(update(AuthToken).values(expires_at=utcnow() + timedelta(seconds=4)))
    async with Socket(app, "/ws/agent") as feed, Socket(app, "/ws/wallboard") as board:
        await _following(feed, agent)
        await _following(board, supervisor)
        assert await feed.closed() == (1008, "token: expired")
        assert await board.closed() == (1008, "token: expired")


@pytest.mark.parametrize("path", ["/ws/agent", "/ws/wallboard"])
async def test_a_bad_first_message_closes_the_socket_with_its_code(api, path, caplog):
    app = app_of(api)
    headers = await login(api, "supervisor")
    hello = f'{{"token": "{token(headers)}", "agent": "8001"}}'
    for send, code in (
            (lambda ws: ws.send_bytes(hello.encode()), 1003),
            (lambda ws: ws.send_text("token=" + token(headers)), 1007),
            (lambda ws: ws.send_text(hello[:-1] + ', "pad": "' + "x" * 5000 + '"}'), 1009),
            (lambda ws: ws.send_text("[" * 1500 + "]" * 1500), 1008),
            (lambda ws: ws.send_text('{"token": {"a": {"b": 1}}}'), 1008)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="hotline.live"):
            async with Socket(app, path) as ws:
                await send(ws)
                assert (await ws.closed())[0] == code
        [record] = [r for r in caplog.records if r.getMessage() == "feed refused"]
        assert record.code == code and record.path == path
    async with Socket(app, path) as ws:  # a well-formed hello still opens the feed
        await ws.send_text(hello)
        assert (await ws.receive_json())["kind"] in ("reset", "wallboard")
