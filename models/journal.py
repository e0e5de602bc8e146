"""Rows written in batches off the hot path (agent transitions, callback requests, the IVR's
steps): neither the event dispatcher nor a caller leaving the IVR waits for the database, which
under load (SQLite has one writer) can take seconds."""
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Base
from models.write_behind import WriteBehind

log = logging.getLogger("hotline.journal")


class Journal:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 flush_interval: float = 0.05) -> None:
        self.sessions = sessions
        self.db = sessions.kw["bind"]
        self._observers: list[Callable[[Base], None]] = []
        self.writer: WriteBehind[Base] = WriteBehind(
            lambda rows: self._write(rows),  # looked up at each batch: a test may wrap it
            "journal", flush_interval=flush_interval, logger=log)

    def submit(self, row: Base) -> None:
        self.writer.submit(row)
        for observer in self._observers:
            try:
                observer(row)
            except Exception:  # an observer's fault never costs a row nor its writer
                log.exception("a journal observer failed")

    def observe(self, observer: Callable[[Base], None]) -> None:
        """`observer` sees every row as it is submitted, in the order written."""
        self._observers.append(observer)

    def unsaved(self) -> list[Base]:
        """Rows submitted and not yet committed, for readers that cannot wait for them."""
        return self.writer.unsaved()

    @property
    def written(self) -> int:
        return self.writer.written

    async def run(self) -> None:
        await self.writer.run()

    async def flush(self) -> None:
        """The rows submitted so far; a busy database leaves them for the next flush."""
        await self.writer.flush(retry_busy=False)

    async def _write(self, rows: list[Base]) -> None:
        """A Core insert per table and set of columns on a plain connection: far cheaper than
        an ORM object per row, or than the ORM's bulk insert (no reader needs the rows' ids)."""
        groups: dict[tuple[Table, frozenset[str]], list[dict[str, Any]]] = {}
        for row in rows:
            values = _columns(row)
            groups.setdefault((row.__table__, frozenset(values)), []).append(values)
        async with self.db.begin() as conn:
            for (table, _), table_rows in groups.items():
                await conn.execute(table.insert(), table_rows)


def _columns(row: Base) -> dict[str, Any]:
    """The values set on the row, by their table column."""
    state = inspect(row)
    return {a.columns[0].key: state.dict[a.key] for a in state.mapper.column_attrs
            if a.key in state.dict}
