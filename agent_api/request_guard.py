"""One guard in front of every HTTP route: text that no column can hold and numbers no column
or JSON reply can carry are refused before any route sees them, with a 422 naming where they
are (`loc`), in the shape of FastAPI's own validation errors. JSON bodies, URL-encoded forms,
query strings and the path are read; multipart uploads are left to their own parsers.

- NUL and lone UTF-16 surrogates (`"\\ud800"` is valid JSON) in any string or key:
  `rule.text_characters`; PostgreSQL refuses NUL and no UTF-8 encoder takes a surrogate.
- An integer beyond the database's integer columns (agent_api/fields.py) in a JSON body:
  `rule.integer_range`.
- NaN or an infinity in a JSON body (Python's parser reads `NaN`, `Infinity` and `1e999`):
  `rule.finite_number`."""
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


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body: bytes | None = None
        if _read_whole(scope):
            chunks, more = [], True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    await self.app(scope, _replay([message], receive), send)
                    return
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
            receive = _replay([{"type": "http.request", "body": body}], receive)
        found = problems(scope, body)
        if not found:
            await self.app(scope, receive, send)
            return
        reply = json.dumps({"detail": found}).encode()
        await send({"type": "http.response.start", "status": 422,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(reply)).encode())]})
        await send({"type": "http.response.body", "body": reply})


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()
    return replayed
