"""What every WebSocket feed shares: the first message, read strictly (a binary, oversized,
deeply nested or non-JSON one closes the socket with its own code), the token it carries, and
the end of the feed with that token: logout, expiry, the user disabled or their password reset
close it with 1008 at once."""
import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import BaseModel, Field, ValidationError

from agent_api.auth import digest, holder_of
from runtime.feed_leases import FeedLeases, Lease
from services.principal import Principal

log = logging.getLogger("hotline.live")
HELLO_TIMEOUT = 10.0
HELLO_MAX_BYTES = 4096
HELLO_MAX_DEPTH = 2  # the hello is one flat object
POLICY = 1008  # the token ended: WebSocket's policy-violation close


class Hello(BaseModel):
    token: str = Field(min_length=1, max_length=200)
    agent: str | None = Field(default=None, max_length=16)
    epoch: str | None = Field(default=None, max_length=32)
    after: int | None = Field(default=None, ge=0)


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


async def first_message(ws: WebSocket) -> Hello:
    try:
        async with asyncio.timeout(HELLO_TIMEOUT):
            message = await ws.receive()
    except TimeoutError:
        raise Refused(4400, "no first message with the token") from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raise Refused(1003, "first message: binary; send the hello as JSON text")
    if len(text.encode()) > HELLO_MAX_BYTES:
        raise Refused(1009, f"first message: over {HELLO_MAX_BYTES} bytes")
    if _nesting(text) > HELLO_MAX_DEPTH:
        raise Refused(1008, f"first message: nested deeper than {HELLO_MAX_DEPTH}")
    try:
        data = json.loads(text)
    except ValueError:
        raise Refused(1007, "first message: not JSON") from None
    try:
        return Hello.model_validate(data)
    except ValidationError as exc:
        raise Refused(4400, f"first message: {exc}"[:120]) from None


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in this JSON text, counted without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


@asynccontextmanager
async def opened(ws: WebSocket) -> AsyncIterator[tuple[Hello, Principal, Lease]]:
    """The first message read and its token checked; a lease on the token is held while the
    feed runs. The token is checked again once the lease is held: a logout that came between
    the first check and the lease is not missed."""
    hello = await first_message(ws)
    user, expires_at = await _holder(ws, hello)
    leases: FeedLeases = ws.app.state.leases
    with leases.lease(user.user_id, digest(hello.token), expires_at) as held:
        await _holder(ws, hello)
        yield hello, user, held


async def _holder(ws: WebSocket, hello: Hello) -> tuple[Principal, datetime]:
    async with ws.app.state.sessions() as session:
        held = await holder_of(session, hello.token)
    if held is None:
        raise Refused(4401, "token: not logged in, or the token expired")
    return held


async def refuse(ws: WebSocket, refused: Refused) -> None:
    log.warning("feed refused", extra={"path": ws.url.path, "code": refused.code,
                                       "reason": refused.reason,
                                       "client": ws.client.host if ws.client else None})
    await ws.close(refused.code, refused.reason)


async def end(ws: WebSocket, held: Lease) -> None:
    log.info("feed closed: %s", held.reason, extra={"path": ws.url.path, "user_id": held.user_id})
    await ws.close(POLICY, held.reason)


async def until_gone(ws: WebSocket) -> None:
    """Reads (and ignores) what the client sends, only to notice that it went."""
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass
