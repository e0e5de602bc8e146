"""Slow clients against the app served by uvicorn on loopback: a hundred connections that never
finish their request head (a slowloris) are closed after the head's deadline, as is a
keep-alive connection dribbling its second head, while a prompt client is served and an open
WebSocket feed, older than the deadline, goes on."""
import asyncio
import json
import time

import httpx
import pytest
import websockets
from sqlalchemy import select

from agent_api.app import create_app
from models import Agent
from runtime.live import agent_topic
from runtime.settings import Settings
from services.demo import seed
from tests.db.conftest import login
from tests.pbx.helpers import served

pytestmark = pytest.mark.db

SLOW = 100
HEAD = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def _closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent until it closed the connection."""
    return await reader.read()


async def test_connections_that_never_finish_their_request_head_are_closed(
        migrated_url, sessions, tmp_path):
    await seed(sessions)
    async with sessions() as s:
        agent_id = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
    settings = Settings(data_dir=tmp_path, db={"url": migrated_url},
                        pbx={"run_dir": tmp_path / "pbx"}, http={"header_timeout": 1.0})
    app = create_app(settings, telephony=False)
    async with served(app) as base, httpx.AsyncClient(base_url=base) as client:
        port = int(base.rsplit(":", 1)[1])
        headers = await login(client, "8001")
        async with websockets.connect(base.replace("http", "ws") + "/ws/agent") as feed:
            await feed.send(json.dumps({"token": headers["Authorization"].split()[1]}))
            assert json.loads(await feed.recv())["kind"] == "reset"
            started = time.monotonic()
            slow = [await asyncio.open_connection("127.0.0.1", port) for _ in range(SLOW)]
            for _, writer in slow:
                writer.write(HEAD[:-2])  # every header line but the blank one that ends them
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(HEAD)
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 ")
            writer.write(HEAD[:20])  # kept alive, then the next head dribbles
            assert (await client.get("/auth/me", headers=headers)).status_code == 200
            async with asyncio.timeout(30):  # a failure's bound; it takes about a second
                answers = await asyncio.gather(*(_closed_by_server(r) for r, _ in slow))
                await reader.read()
            print(f"{SLOW} slow connections closed after {time.monotonic() - started:.2f} s")
            assert answers == [b""] * SLOW  # closed, never answered
            # the feed, opened before them and so past its own head's deadline, is live
            app.state.engine.hub.publish(agent_topic(agent_id), "probe", {})
            async with asyncio.timeout(10):
                assert json.loads(await feed.recv())["kind"] == "probe"
            for _, slow_writer in slow:
                slow_writer.close()
            writer.close()
