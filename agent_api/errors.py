"""The one place where the services' domain errors become HTTP replies, and where the engine's
own refusals (an agent's state, monitoring, the dialer, the PBX) become domain errors naming
their rule, so every refusal reaches a client as a list of {loc, msg, type, ctx}."""
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

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
