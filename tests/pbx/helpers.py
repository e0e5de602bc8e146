"""What PBX tests share besides fixtures: a logged-in HTTP client of the app, and the wait for
call rows."""
import asyncio
import time

from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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
