"""Every HTTP request has an id: the client's `X-Request-Id` when it is a plain token, else a
new one. It is in each log line written while the request is handled (telemetry/log_context)
and in the response's `X-Request-Id` header."""
import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from telemetry import log_context

HEADER = "X-Request-Id"
GIVEN = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # no spaces or quotes: safe in any log reader


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(HEADER, "")
        request_id = given if GIVEN.fullmatch(given) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = log_context.request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_context.request_id.reset(token)
