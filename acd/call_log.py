"""Persists the tracker's deltas: one row per call, its events, batched per flush."""
import asyncio
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from acd.tracker import CallDelta, CallEventRecord
from models import Call, CallEvent, database_busy
from models.calls import CallDirection, CallOutcome

log = logging.getLogger("hotline.call_log")

RETRY_SECONDS = 0.5  # after the database refused a batch (busy)
TIME_COLUMNS = {"offered_at", "answered_at", "queued_at", "connected_at", "ended_at"}
FOREIGN_KEYS = ("retailer_id", "branch_id", "agent_id")
ENUMS = {"direction": CallDirection, "outcome": CallOutcome}


def _column_value(column: str, value: Any) -> Any:
    if column in TIME_COLUMNS and value is not None:
        return datetime.fromtimestamp(value, UTC)
    if column in ENUMS:
        return ENUMS[column](value)
    return value


class CallLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], flush_interval: float = 0.05,
                 max_batch: int = 2000) -> None:
        self.sessions = sessions
        self.flush_interval = flush_interval
        self.max_batch = max_batch
        self._pending: list[CallDelta] = []
        self._wake = asyncio.Event()
        self.written = 0

    def submit(self, deltas: Iterable[CallDelta]) -> None:
        self._pending.extend(deltas)
        if self._pending:
            self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                await asyncio.sleep(self.flush_interval)  # let a burst gather into one transaction
                await self.flush()
        finally:
            await asyncio.shield(self.flush())

    async def flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
            self._wake.clear()
            try:
                await self._write(batch)
            except OperationalError as exc:
                if not database_busy(exc):
                    raise
                log.warning("database busy; call batch deferred", extra={"deltas": len(batch)})
                self._pending[:0] = batch
                await asyncio.sleep(RETRY_SECONDS)
                continue
            except IntegrityError:
                # One bad reference (say an agent id that does not exist) must not lose the rest.
                log.warning("call batch refused; writing call by call", exc_info=True)
                await self._write_one_by_one(batch)
            self.written += len(batch)

    async def _write_one_by_one(self, batch: list[CallDelta]) -> None:
        by_call: dict[tuple[str, str], list[CallDelta]] = {}
        for delta in batch:
            by_call.setdefault((delta.server, delta.linkedid), []).append(delta)
        for deltas in by_call.values():
            try:
                await self._write(deltas)
            except IntegrityError:
                log.warning("dropping unknown references of a call",
                            extra={"linkedid": deltas[0].linkedid})
                await self._write([_without_foreign_keys(d) for d in deltas])

    async def _write(self, batch: list[CallDelta]) -> None:
        keys = {(d.server, d.linkedid) for d in batch}
        async with self.sessions() as session, session.begin():
            rows: dict[tuple[str, str], Call] = {}
            events: list[tuple[Call, CallEventRecord]] = []
            for server in {s for s, _ in keys}:
                ids = [linkedid for s, linkedid in keys if s == server]
                found = await session.scalars(
                    select(Call).where(Call.pbx_server == server, Call.linkedid.in_(ids)))
                rows.update({(c.pbx_server, c.linkedid): c for c in found})
            for delta in batch:
                key = (delta.server, delta.linkedid)
                call = rows.get(key)
                if call is not None and _reopens(call, delta):
                    await _retire_reused_key(session, call)
                    call = None
                if call is None:
                    if "offered_at" not in delta.fields:
                        continue  # an update for a call that was never opened here
                    call = rows[key] = Call(pbx_server=delta.server, linkedid=delta.linkedid)
                    session.add(call)
                for column, value in delta.fields.items():
                    setattr(call, column, _column_value(column, value))
                if delta.event is not None:
                    events.append((call, delta.event))
            if events:  # one bulk insert, far cheaper than an ORM object per event
                await session.flush()  # the new calls get their ids
                await session.execute(insert(CallEvent), [
                    {"call_id": call.id, "at": datetime.fromtimestamp(e.at, UTC),
                     "kind": e.kind, "channel": e.channel, "data": dict(e.data)}
                    for call, e in events])


def _reopens(call: Call, delta: CallDelta) -> bool:
    """A new call under the key of a finished one: Asterisk's uniqueids are the boot second and
    a counter, so a PBX restarted within the same second hands out ids already on record."""
    return "offered_at" in delta.fields and call.outcome != CallOutcome.IN_PROGRESS


async def _retire_reused_key(session: AsyncSession, call: Call) -> None:
    log.warning("the PBX reused a linkedid; the earlier call keeps a suffixed key",
                extra={"linkedid": call.linkedid, "call_id": call.id})
    call.linkedid = f"{call.linkedid}~{call.id}"
    await session.flush()  # free the key before the new row takes it


def _without_foreign_keys(delta: CallDelta) -> CallDelta:
    fields = {k: v for k, v in delta.fields.items() if k not in FOREIGN_KEYS}
    return CallDelta(delta.server, delta.linkedid, fields, delta.event, delta.closed)
