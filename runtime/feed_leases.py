"""Live feeds end with the token that opened them. A feed holds a lease on its token while it
runs; the lease ends (`ended` set, `reason` saying why) the moment the token is revoked (logout),
its user's sessions end (disabled, password reset, rights changed) or it expires: revocations
are told in-process by whoever revokes, the expiry is a timer. Nothing polls the database."""
import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from models import utcnow

log = logging.getLogger("hotline.live")


class Lease:
    def __init__(self, user_id: int, token_hash: str) -> None:
        self.user_id, self.token_hash = user_id, token_hash
        self.ended = asyncio.Event()
        self.reason = ""

    def end(self, reason: str) -> None:
        if not self.ended.is_set():
            self.reason = reason
            self.ended.set()


class FeedLeases:
    def __init__(self) -> None:
        self._by_user: dict[int, set[Lease]] = {}

    @contextmanager
    def lease(self, user_id: int, token_hash: str, expires_at: datetime) -> Iterator[Lease]:
        lease = Lease(user_id, token_hash)
        delay = max(0.0, (expires_at - utcnow()).total_seconds())
        timer = asyncio.get_running_loop().call_later(delay, lease.end, "token: expired")
        held = self._by_user.setdefault(user_id, set())
        held.add(lease)
        try:
            yield lease
        finally:
            timer.cancel()
            held.discard(lease)
            if not held:
                self._by_user.pop(user_id, None)

    def token_revoked(self, token_hash: str) -> None:
        for held in self._by_user.values():
            for lease in held:
                if lease.token_hash == token_hash:
                    lease.end("token: logged out")

    def sessions_ended(self, user_id: int, why: str) -> None:
        for lease in self._by_user.get(user_id, ()):
            lease.end(f"token: {why}")
