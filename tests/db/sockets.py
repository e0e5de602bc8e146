"""A WebSocket client of the app for the database tier, and what its tests share."""
import asyncio
import json
from typing import Any


def app_of(api) -> Any:
    return api._transport.app  # the app the conftest's client speaks to, lifespan running


class Socket:
    """A WebSocket client on the app's own ASGI interface (httpx speaks no WebSocket), in the
    test's event loop beside the conftest's client."""

    def __init__(self, app, path: str) -> None:
        self.app, self.path = app, path
        self.to_app: asyncio.Queue[dict] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict] = asyncio.Queue()

    async def __aenter__(self) -> "Socket":
        scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "ws",
                 "path": self.path, "raw_path": self.path.encode(), "root_path": "",
                 "query_string": b"", "headers": [(b"host", b"test")], "subprotocols": [],
                 "client": ("127.0.0.1", 50000), "server": ("test", 80), "state": {}}
        await self.to_app.put({"type": "websocket.connect"})
        self.task = asyncio.create_task(self.app(scope, self.to_app.get, self.from_app.put))
        assert (await self.receive())["type"] == "websocket.accept"
        return self

    async def send_json(self, data: dict) -> None:
        await self.send_text(json.dumps(data))

    async def send_text(self, text: str) -> None:
        await self.to_app.put({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.to_app.put({"type": "websocket.receive", "bytes": data})

    async def closed(self) -> tuple[int, str]:
        """The close code and reason, once the app closes (frames before it are skipped)."""
        while (message := await self.receive())["type"] != "websocket.close":
            pass
        return message["code"], message["reason"]

    async def receive(self) -> dict:
        async with asyncio.timeout(10):  # a failing test ends, it does not hang
            return await self.from_app.get()

    async def receive_json(self) -> dict:
        message = await self.receive()
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def __aexit__(self, *exc: object) -> None:
        await self.to_app.put({"type": "websocket.disconnect", "code": 1000})
        async with asyncio.timeout(10):
            await self.task


def token(headers: dict) -> str:
    return headers["Authorization"].removeprefix("Bearer ")
