"""The one place where the services' domain errors become HTTP replies, and where the engine's
own refusals (an agent's state, monitoring, the dialer, the PBX) become domain errors naming
their rule, so every refusal reaches a client as a list of {loc, msg, type, ctx}."""
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from acd.agent_state import InvalidTransition
from acd.monitoring import MonitorRefused
from asterisk.ami import AmiError, AmiNotConnected
from dialer.runner import DialRefused
from services.errors import (
    Conflict,
    DomainError,
    NotAllowed,
    NotFound,
    Refused,
    TooLarge,
    Unavailable,
    Violation,
)

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404), (NotAllowed, 403), (Conflict, 409), (TooLarge, 413), (Refused, 422),
    (Unavailable, 503))


async def domain_error_reply(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    return JSONResponse({"detail": exc.detail}, status_code=status)


async def unreadable_body_reply(request: Request, exc: Exception) -> Response:
    """A body FastAPI or Starlette could not read at all (not UTF-8, JSON nested too deep, broken
    multipart) is a 400 with a bare sentence there: here it is a refusal like any other, a 422
    naming the body and its rule."""
    assert isinstance(exc, HTTPException)
    if exc.status_code != 400 or not isinstance(exc.detail, str):
        return await http_exception_handler(request, exc)
    return JSONResponse({"detail": [{"loc": ["body"], "msg": exc.detail,
                                     "type": "rule.body_unreadable"}]}, status_code=422)


def conflict(exc: InvalidTransition | MonitorRefused | DialRefused,
             loc: tuple[str | int, ...] = (), msg: str | None = None,
             **ctx: Any) -> Conflict:
    """The engine refused because of the state things are in now: a 409 naming its rule (an
    agent's state also says which state, for the reader's words)."""
    if isinstance(exc, InvalidTransition):
        ctx |= {"state": exc.state.value, "event": type(exc.event).__name__}
    elif isinstance(exc, DialRefused):
        ctx |= exc.ctx
    return Conflict([Violation(exc.rule, loc, msg or str(exc), ctx or None)])


def pbx_failed(exc: AmiError) -> Unavailable:
    """A 503: the PBX is not connected, or refused the action."""
    rule = "pbx_not_connected" if isinstance(exc, AmiNotConnected) else "pbx_refused"
    return Unavailable([Violation(rule, (), f"the PBX refused: {exc}")])


# What a refusal's body is, for the OpenAPI schema: a list of {loc, msg, type, ctx?}, or (from
# the older routes and the login) a sentence.
SAID: dict[str, Any] = {"type": "object", "required": ["loc", "msg", "type"], "properties": {
    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
    "msg": {"type": "string"}, "type": {"type": "string"}, "ctx": {"type": "object"}}}
REFUSAL: dict[str, Any] = {"type": "object", "required": ["detail"], "properties": {"detail": {
    "anyOf": [{"type": "string"}, {"type": "array", "items": SAID}]}}}
WHY = {401: "Not logged in, or the token expired",
       403: "The caller's role or branch may not do this (rule named)",
       404: "Unknown, or not the caller's to see",
       409: "Refused because of the state things are in now (rule named)",
       413: "The request's body is longer than the server takes (rule.body_size, its limit)",
       422: "A rule broken, naming its field",
       429: "Too many failed logins: locked for a while",
       503: "The PBX is not connected, or refused the action (rule named)"}
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refusals(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route's refusals of these statuses."""
    return {code: {"description": WHY[code],
                   "content": {"application/json": {"schema": REFUSAL}}} for code in codes}


PBX_AWAY = refusals(503)  # a route that acts on the PBX
UNKNOWN = refusals(404)  # a route whose query or body names a thing that may be unknown


def declare_refusals(app: FastAPI) -> None:
    """Every operation's schema says the refusals it may answer, by one rule rather than route
    by route: behind a login, 401 and 403 (a role, a branch); naming a thing in its path, 404;
    a write, 409 and 422; with a body, 413; the password flow's token URL, 401 and 429. What a
    route adds (a 503 from the PBX, a 410) it declares itself."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's own, cached: what is added here is added once
        token_urls = {flow["tokenUrl"] for scheme in schema.get("components", {}).get(
            "securitySchemes", {}).values() for flow in scheme.get("flows", {}).values()}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                codes = set()
                if operation.get("security"):
                    codes |= {401, 403}
                if any(p["in"] == "path" for p in operation.get("parameters", ())):
                    codes.add(404)
                if method.upper() in WRITES:
                    codes |= {409, 422}
                if "requestBody" in operation:
                    codes.add(413)
                if path in token_urls:
                    codes |= {401, 429}
                responses = operation.setdefault("responses", {})
                for code, said in refusals(*sorted(codes)).items():
                    responses.setdefault(str(code), said)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
