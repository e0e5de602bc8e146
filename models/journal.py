"""Rows written in batches off the hot path (agent transitions, callback requests, the IVR's
steps): neither the event dispatcher nor a caller leaving the IVR waits for the database, which
under load (SQLite has one writer) can take seconds."""
import asyncio
import logging
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Base, database_busy

log = logging.getLogger("hotline.journal")
RETRY_SECONDS = 0.5  # after the database refused a batch (busy)


class Journal:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 flush_interval: float = 0.05) -> None:
        self.sessions = sessions
        self.db = sessions.kw["bind"]
        self.flush_interval = flush_interval
        self._pending: list[Base] = []
        self._writing: list[Base] = []
        self._wake = asyncio.Event()
        self.written = 0

    def submit(self, row: Base) -> None:
        self._pending.append(row)
        self._wake.set()

    def unsaved(self) -> list[Base]:
        """Rows submitted and not yet committed, for readers that cannot wait for them."""
        return self._writing + self._pending

    async def run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                await asyncio.sleep(self.flush_interval)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())

    async def flush(self) -> None:
        batch, self._pending = self._pending, []
        self._wake.clear()
        if not batch:
            return
        self._writing = batch
        try:
            await self._write(batch)
        except OperationalError as exc:
            if database_busy(exc):
                log.warning("database busy; journal batch deferred", extra={"rows": len(batch)})
                self._writing, self._pending[:0] = [], batch
                self._wake.set()
                await asyncio.sleep(RETRY_SECONDS)
            else:
                await self._one_by_one(batch)
        except SQLAlchemyError:
            await self._one_by_one(batch)
        finally:
            self._writing = []

    async def _one_by_one(self, batch: list[Base]) -> None:
        log.warning("journal batch refused; writing row by row", exc_info=True)
        for row in batch:
            try:
                await self._write([row])
            except SQLAlchemyError:
                log.exception("journal row lost", extra={"row": repr(row)})

    async def _write(self, rows: list[Base]) -> None:
        """A Core insert per table and set of columns on a plain connection: far cheaper than
        an ORM object per row, or than the ORM's bulk insert (no reader needs the rows' ids)."""
        groups: dict[tuple[Table, frozenset[str]], list[dict[str, Any]]] = {}
        for row in rows:
            values = _columns(row)
            groups.setdefault((row.__table__, frozenset(values)), []).append(values)
        async with self.db.begin() as conn:
            for (table, _), values in groups.items():
                await conn.execute(table.insert(), values)
        self.written += len(rows)


def _columns(row: Base) -> dict[str, Any]:
    """The values set on the row, by their table column."""
    state = inspect(row)
    return {a.columns[0].key: state.dict[a.key] for a in state.mapper.column_attrs
            if a.key in state.dict}
