"""Slow clients hold no connection: a connection has `head_timeout` seconds, from its opening or
from its last response, to send a whole request head, or it is closed (a slowloris sending a
header line now and then). Uvicorn closes idle keep-alive connections but waits for a head
forever once a byte of it came; h11 bounds the head's size (16 KiB), this bounds its time."""
import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("hotline.http")


class _HeadDeadline(H11Protocol):
    head_timeout = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.head_timeout, self._overdue)

    def _overdue(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # closed already, or a WebSocket now
        if self.conn.their_state is h11.IDLE:  # no whole request head yet
            log.warning("request head too slow: connection closed",
                        extra={"client": self.client[0] if self.client else None,
                               "seconds": self.head_timeout})
            self.transport.close()


def head_deadline(seconds: float) -> type[H11Protocol]:
    """Uvicorn's HTTP/1.1 protocol with a deadline for each request head."""
    return type("HeadDeadline", (_HeadDeadline,), {"head_timeout": seconds})
