"""Rows written behind the hot path (the journal, the call log, the dialer's outcomes): neither
the event dispatcher nor a caller waits for the database, which under load (SQLite has one
writer) can take seconds. What is submitted waits a moment so that a burst goes into one
transaction, is written in order in batches, and is never lost to a busy database nor to a
database server that is restarting: such a batch goes back to the head of the line and is tried
again. At shutdown the rest is written."""
import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from sqlalchemy.exc import OperationalError

from models.db import database_busy, database_unreachable

T = TypeVar("T")
RETRY_SECONDS = 0.5  # after the database refused a batch (busy, or unreachable)
_log = logging.getLogger("hotline.write_behind")


class WriteBehind(Generic[T]):
    """`write` stores a batch in one transaction (all of it or nothing). A batch refused for
    another reason than a busy or unreachable database goes to `fallback`, which stores what it
    can (by default item by item, logging each item lost) and returns how many it stored."""

    def __init__(self, write: Callable[[list[T]], Awaitable[None]], name: str, *,
                 flush_interval: float = 0.05, max_batch: int = 2000,
                 retry_seconds: float = RETRY_SECONDS,
                 fallback: Callable[[list[T]], Awaitable[int]] | None = None,
                 logger: logging.Logger = _log) -> None:
        self.write, self.name, self.log = write, name, logger  # "database busy; {name} batch..."
        self.fallback = fallback or self._one_by_one
        self.flush_interval, self.max_batch = flush_interval, max_batch
        self.retry_seconds = retry_seconds
        self.written = 0
        self._pending: list[T] = []
        self._writing: list[T] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()  # one flush at a time: batches land in the order submitted

    def submit(self, item: T) -> None:
        self._pending.append(item)
        self._wake.set()

    def submit_many(self, items: Iterable[T]) -> None:
        self._pending.extend(items)
        if self._pending:
            self._wake.set()

    def unsaved(self) -> list[T]:
        """Items submitted and not yet committed, in order, for readers that cannot wait."""
        return self._writing + self._pending

    def pending(self) -> int:
        return len(self._writing) + len(self._pending)

    async def run(self) -> None:
        """Writes what is submitted until cancelled, then what is left."""
        try:
            while True:
                await self._wake.wait()
                await asyncio.sleep(self.flush_interval)  # let a burst gather into one transaction
                await self.flush()
        finally:
            await self.flush()

    async def flush(self, retry_busy: bool = True) -> None:
        """Writes everything submitted so far, in batches of max_batch. A batch the busy (or
        unreachable) database refused goes back to the head of the line, tried again after
        retry_seconds (without `retry_busy`: left there for the next flush). A cancelled caller
        never cuts a write in half: the flush goes on to its end."""
        await asyncio.shield(self._flush(retry_busy))

    async def _flush(self, retry_busy: bool) -> None:
        async with self._lock:
            while self._pending:
                self._wake.clear()
                batch = self._writing = self._pending[:self.max_batch]
                del self._pending[:self.max_batch]
                try:
                    rest = await self._store(batch)
                finally:
                    self._writing = []
                if rest:
                    self.log.warning(f"database busy or unreachable; {self.name} batch deferred",
                                     extra={"items": len(rest)})
                    self._pending[:0] = rest
                    self._wake.set()
                    if not retry_busy:
                        return
                    await asyncio.sleep(self.retry_seconds)

    async def _store(self, batch: list[T]) -> list[T]:
        """What is left to try again: the batch when the database was busy or unreachable, or
        the part the item-by-item fallback had not reached when the database went away (a given
        fallback cut short that way tries the whole batch again). Any other failure of the
        fallback costs the batch, never the writer."""
        try:
            await self.write(batch)
        except Exception as exc:  # a bad item or a bug costs its batch's items, never the writer
            if _try_again(exc):
                return batch
            self.log.warning(f"{self.name} batch refused; writing it piece by piece",
                             exc_info=True)
            try:
                self.written += await self.fallback(batch)
            except _CutShort as cut:
                self.written += cut.stored
                return batch[cut.at:]
            except Exception as fallback_exc:
                if _try_again(fallback_exc):
                    return batch
                self.log.exception(f"{self.name} batch lost", extra={"items": len(batch)})
        else:
            self.written += len(batch)
        return []

    async def _one_by_one(self, batch: list[T]) -> int:
        """Each item in its own transaction: a bad one costs itself, not its batch."""
        stored = 0
        for at, item in enumerate(batch):
            try:
                await self.write([item])
                stored += 1
            except Exception as exc:
                if _try_again(exc):
                    raise _CutShort(stored, at) from exc
                self.log.exception(f"{self.name} item lost", extra={"item": repr(item)})
        return stored


class _CutShort(Exception):
    """The database went away during the item-by-item fallback, at item `at` of its batch,
    after `stored` items were written."""

    def __init__(self, stored: int, at: int) -> None:
        super().__init__(stored, at)
        self.stored, self.at = stored, at


def _try_again(exc: BaseException) -> bool:
    return (isinstance(exc, OperationalError) and database_busy(exc)) or database_unreachable(exc)
