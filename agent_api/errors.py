"""The one place where the services' domain errors become HTTP replies."""
from fastapi import Request
from fastapi.responses import JSONResponse

from services.errors import Conflict, DomainError, NotAllowed, NotFound, Refused

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404), (NotAllowed, 403), (Conflict, 409), (Refused, 422))


async def domain_error_reply(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status = next(code for kind, code in STATUS if isinstance(exc, kind))
    return JSONResponse({"detail": exc.detail}, status_code=status)
