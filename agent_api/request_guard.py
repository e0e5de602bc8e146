"""One guard in front of every HTTP route: text that no column can hold and numbers no column
or JSON reply can carry are refused before any route sees them, with a 422 naming where they
are (`loc`), in the shape of FastAPI's own validation errors. JSON bodies, URL-encoded forms,
query strings and the path are read; multipart uploads are left to their own parsers.

- NUL and lone UTF-16 surrogates (`"\\ud800"` is valid JSON) in any string or key:
  `rule.text_characters`; PostgreSQL refuses NUL and no UTF-8 encoder takes a surrogate.
- An integer beyond the database's integer columns (agent_api/fields.py) in a JSON body:
  `rule.integer_range`.
- NaN or an infinity in a JSON body (Python's parser reads `NaN`, `Infinity` and `1e999`):
  `rule.finite_number`.

A body longer than the settings allow (`http.max_json_bytes` for JSON and forms, which are read
whole; `http.max_body_bytes` for uploads) is refused with 413 `rule.body_size` as its length is
declared, or, sent without one, as it passes the limit: nothing reads it whole first."""
import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agent_api.fields import MAX_INTEGER

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
Loc = tuple[str | int, ...]


def _text_problem(loc: Loc, text: str) -> dict[str, Any] | None:
    if _BAD_TEXT.search(text) is None:
        return None
    return {"loc": list(loc), "type": "rule.text_characters",
            "msg": "text may not hold a NUL character or a lone UTF-16 surrogate"}


def _walk(loc: Loc, value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, str):
        if problem := _text_problem(loc, value):
            yield problem
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            yield {"loc": list(loc), "type": "rule.integer_range",
                   "msg": f"an integer must lie within {-MAX_INTEGER - 1} to {MAX_INTEGER}",
                   "ctx": {"ge": -MAX_INTEGER - 1, "le": MAX_INTEGER}}
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield {"loc": list(loc), "type": "rule.finite_number",
                   "msg": "a number must be finite (not NaN or an infinity)"}
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := _text_problem((*loc, key), key):
                yield problem
            yield from _walk((*loc, key), item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk((*loc, i), item)


def _pairs(where: str, encoded: str) -> Iterator[dict[str, Any]]:
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        if problem := (_text_problem((where, name), name)
                       or _text_problem((where, name), value)):
            yield problem


def problems(scope: Scope, body: bytes | None) -> list[dict[str, Any]]:
    found = [p for p in (_text_problem(("path",), scope["path"]),) if p]
    found += _pairs("query", scope["query_string"].decode("latin-1"))
    if body:
        kind = _content_type(scope)
        if kind == "application/x-www-form-urlencoded":
            found += _pairs("body", body.decode("latin-1"))
        else:
            try:
                document = json.loads(body)
            except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep
                return found  # FastAPI says so itself
            found += _walk(("body",), document)
    return found


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


def _read_whole(scope: Scope) -> bool:
    kind = _content_type(scope)
    return kind == "application/x-www-form-urlencoded" or kind.endswith("json")


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _too_large(limit: int) -> list[dict[str, Any]]:
    return [{"loc": ["body"], "type": "rule.body_size", "ctx": {"le": limit},
             "msg": f"the request body may hold at most {limit} bytes"}]


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_json_bytes: int) -> None:
        self.app = app
        self.max_body_bytes, self.max_json_bytes = max_body_bytes, max_json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        whole = _read_whole(scope)
        limit = self.max_json_bytes if whole else self.max_body_bytes
        if (_declared_length(scope) or 0) > limit:
            await _refuse(send, 413, _too_large(limit))
            return
        cap = _Cap(receive, send, limit)
        receive, send = cap.receive, cap.send
        body: bytes | None = None
        if whole:
            chunks, more = [], True
            while more:
                message = await receive()
                if cap.refused:
                    return
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message], receive), send)
                    return
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
            receive = _replay([{"type": "http.request", "body": body}], receive)
        found = problems(scope, body)
        if found:
            await _refuse(send, 422, found)
            return
        try:
            await self.app(scope, receive, send)
        except Exception:
            if not cap.refused:  # else: an upload's parser told the client went away
                raise


class _Cap:
    """A body counted as it arrives: past `limit`, 413 is answered (unless a reply has begun),
    the route reads that the client went away, and what it then sends is dropped."""

    def __init__(self, receive: Receive, send: Send, limit: int) -> None:
        self._receive, self._send, self.limit = receive, send, limit
        self.seen, self.started, self.refused = 0, False, False

    async def receive(self) -> Message:
        message = await self._receive()
        self.seen += len(message.get("body", b""))
        if self.seen <= self.limit:
            return message
        if not self.started and not self.refused:
            await _refuse(self._send, 413, _too_large(self.limit))
        self.refused = True
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


async def _refuse(send: Send, status: int, found: list[dict[str, Any]]) -> None:
    reply = json.dumps({"detail": found}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(reply)).encode())]})
    await send({"type": "http.response.body", "body": reply})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()
    return replayed
