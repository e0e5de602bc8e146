"""Throttling of failed logins (password or PIN), in memory, without ever locking an account.

Failures are counted three ways: a name from one source (a user name from one address, an agent
number from one phone), the source whatever name it tries, and the name from every source. Past
a count's free failures, its next attempt waits `first_wait` seconds, doubling with each further
failure up to `max_wait`: a waiting attempt is not even checked. A success clears only its
name-from-this-source count, so an attacker cannot lock the real user out: the real user's own
source stays clean, and the name's count over every source starts late and waits little. A
count is forgotten `forget_after` seconds after its last failure; at most `max_keys` are kept
(the least recently failed go first). One process's memory: a restart forgets them."""
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

KEY_CHARS = 128


@dataclass(frozen=True, slots=True)
class Limit:
    free: int  # after this many failures, each next attempt waits
    first_wait: float  # seconds, doubled at each further failure
    max_wait: float


@dataclass(slots=True)
class _Count:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0  # no attempt checked before this time


class LoginThrottle:
    def __init__(self, per_pair: Limit, per_source: Limit, per_name: Limit, *,
                 forget_after: float, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"pair": per_pair, "source": per_source, "name": per_name}
        self.forget_after, self.max_keys, self.clock = forget_after, max_keys, clock
        self._counts: OrderedDict[Hashable, _Count] = OrderedDict()

    def retry_after(self, name: str, source: str) -> float:
        """Seconds before an attempt for `name` from `source` is checked; 0 when it may be."""
        now = self.clock()
        waits = [c.until - now for key in self._keys(name, source)
                 if (c := self._live(key, now)) is not None]
        return max([0.0, *waits])

    def failed(self, name: str, source: str) -> None:
        now = self.clock()
        for key in self._keys(name, source):
            count = self._live(key, now) or _Count()
            count.failures += 1
            count.last = now
            limit = self.limits[key[0]]
            beyond = count.failures - limit.free
            if beyond >= 0:
                count.until = now + min(limit.max_wait, limit.first_wait * 2 ** min(beyond, 32))
            self._counts[key] = count
            self._counts.move_to_end(key)
        while len(self._counts) > self.max_keys:
            self._counts.popitem(last=False)

    def succeeded(self, name: str, source: str) -> None:
        self._counts.pop(self._keys(name, source)[0], None)

    @staticmethod
    def _keys(name: str, source: str) -> tuple[tuple[str, ...], ...]:
        name, source = name[:KEY_CHARS], source[:KEY_CHARS]  # a megabyte name is no bigger key
        return ("pair", name, source), ("source", source), ("name", name)

    def _live(self, key: Hashable, now: float) -> _Count | None:
        count = self._counts.get(key)
        if count is not None and now - count.last > self.forget_after and now >= count.until:
            del self._counts[key]
            return None
        return count
