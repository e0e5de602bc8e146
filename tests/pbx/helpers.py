"""What PBX tests share besides fixtures: a logged-in HTTP client of the app, the app served
by uvicorn, and the wait for call rows."""
import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import uvicorn
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agent_api.app import server_config
from asterisk.actions import AmiPbx
from asterisk.ami import AmiClient
from asterisk.ports import free_port
from asterisk.settings import AmiSettings
from models import Call
from services.demo import DEMO_PASSWORD


async def api_client(app, username: str = "admin") -> AsyncClient:
    """An HTTP client of the app, logged in as a demo user."""
    client = AsyncClient(transport=ASGITransport(app), base_url="http://test")
    reply = await client.post("/auth/token",
                              data={"username": username, "password": DEMO_PASSWORD})
    assert reply.status_code == 200, reply.text
    client.headers["Authorization"] = f"Bearer {reply.json()['access_token']}"
    return client


@contextlib.asynccontextmanager
async def served(app) -> AsyncIterator[str]:
    """The app served by uvicorn (lifespan and all) on a free port: its base URL."""
    port = free_port()
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port,
                                          log_level="warning", ws="websockets-sansio"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises what stopped it
                raise AssertionError("uvicorn stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


async def wait_for_calls(engine, count: int, *, closed: bool = True, timeout: float = 5.0):
    """The call rows once `count` of them are written (and ended, when closed)."""
    deadline = time.monotonic() + timeout
    while True:
        await engine.call_log.flush()
        async with engine.call_log.sessions() as session:
            rows = list(await session.scalars(
                select(Call).options(selectinload(Call.events)).order_by(Call.offered_at)))
        done = [c for c in rows if c.ended_at is not None and c.outcome != "in_progress"]
        if len(done if closed else rows) >= count:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {count} call rows, have {rows}")
        await asyncio.sleep(0.05)


async def wait_in_queue(settings: AmiSettings, caller: str, queue: str,
                        timeout: float = 30.0) -> None:
    """Until the PBX lists `caller` waiting in `queue`, read over an AMI link of the test's
    own (for while no engine runs)."""
    ami = AmiClient(settings)
    async with asyncio.TaskGroup() as tg:
        link = tg.create_task(ami.run())
        try:
            await ami.wait_connected(5)
            async with asyncio.timeout(timeout):
                while not any(c.queue == queue and c.channel.caller_num == caller
                              for c in await AmiPbx(ami).queued_callers()):
                    await asyncio.sleep(0.1)
        finally:
            link.cancel()


async def eventually(condition, what: str, timeout: float = 30.0, every: float = 0.1):
    """What `await condition()` returns once it is truthy, asked again every `every` seconds
    until `timeout` (state the test cannot be told of by an event: a row, a file, a reply)."""
    deadline = time.monotonic() + timeout
    while True:
        if result := await condition():
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"never {what}")
        await asyncio.sleep(every)
