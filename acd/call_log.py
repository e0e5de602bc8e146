"""Persists the tracker's deltas: one row per call, its events, batched per flush."""
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from acd.tracker import CallDelta, CallEventRecord, LiveCall
from models import Call, CallEvent
from models.calls import CallDirection, CallOutcome
from models.write_behind import WriteBehind

log = logging.getLogger("hotline.call_log")

TIME_COLUMNS = {"offered_at", "answered_at", "queued_at", "connected_at", "ended_at"}
FOREIGN_KEYS = ("retailer_id", "branch_id", "agent_id")
ENUMS = {"direction": CallDirection, "outcome": CallOutcome}


def column_value(column: str, value: Any) -> Any:
    """A delta's value as the row's column holds it (the live figures read deltas the same way)."""
    if column in TIME_COLUMNS and value is not None:
        return datetime.fromtimestamp(value, UTC)
    if column in ENUMS:
        return ENUMS[column](value)
    return value


class CallLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], flush_interval: float = 0.05,
                 max_batch: int = 2000) -> None:
        self.sessions = sessions
        self.db = sessions.kw["bind"]
        self._observers: list[Callable[[list[CallDelta]], None]] = []
        self.writer: WriteBehind[CallDelta] = WriteBehind(
            lambda batch: self._write(batch),  # looked up at each batch: a test may wrap it
            "call", flush_interval=flush_interval, max_batch=max_batch,
            fallback=self._write_one_by_one, logger=log)

    def submit(self, deltas: Iterable[CallDelta]) -> None:
        deltas = list(deltas)
        self.writer.submit_many(deltas)
        for observer in self._observers:
            try:
                observer(deltas)
            except Exception:  # an observer's fault never costs a row nor the dispatcher
                log.exception("a call log observer failed")

    def observe(self, observer: Callable[[list[CallDelta]], None]) -> None:
        """`observer` sees every delta as it is submitted, in order (the live figures keep
        today's figures from them, as the rows will be)."""
        self._observers.append(observer)

    @property
    def written(self) -> int:
        return self.writer.written

    async def run(self) -> None:
        await self.writer.run()

    async def flush(self) -> None:
        """Until every delta submitted so far is stored."""
        await self.writer.flush()

    async def open_calls(self, server: str) -> list[LiveCall]:
        """The calls on record as in progress, as the tracker keeps them (once every delta
        submitted so far is stored: a call that ended in memory must not come back)."""
        await self.flush()
        async with self.sessions() as s:
            rows = await s.scalars(select(Call).where(Call.pbx_server == server,
                                                      Call.outcome == CallOutcome.IN_PROGRESS))
            return [LiveCall(server, c.linkedid, c.uniqueid, c.direction.value,
                             _seconds(c.offered_at), answered_at=_seconds(c.answered_at),
                             connected_at=_seconds(c.connected_at), queue=c.queue,
                             queued_at=_seconds(c.queued_at), last_step=c.last_step)
                    for c in rows]

    async def unrecorded(self, server: str, linkedids: Iterable[str]) -> set[str]:
        """Those of `linkedids` that have no row."""
        wanted = set(linkedids)
        async with self.sessions() as s:
            for chunk in _chunks(sorted(wanted), 500):
                wanted -= set(await s.scalars(select(Call.linkedid).where(
                    Call.pbx_server == server, Call.linkedid.in_(chunk))))
        return wanted

    async def _write_one_by_one(self, batch: list[CallDelta]) -> int:
        """Call by call: one bad reference (say an agent id that does not exist) must not lose
        the rest."""
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
        return len(batch)

    async def _write(self, batch: list[CallDelta]) -> None:
        async with self.db.begin() as conn:
            start = 0
            while start < len(batch):
                start = await _write_until_reopened(conn, batch, start)


async def _write_until_reopened(conn: AsyncConnection, batch: list[CallDelta], start: int) -> int:
    """Writes the deltas from `start` on in a few statements (a Core insert or update per set
    of columns, one insert of the events): the ORM's unit of work cost the event loop several
    times more. Stops at a delta that opens a new call under the key of a finished one
    (Asterisk's uniqueids are the boot second and a counter, so a PBX restarted within the same
    second hands out ids already on record): what came before is written, the finished call's
    key retired, and the index of that delta returned."""
    ids, finished = await _known_calls(conn, {(d.server, d.linkedid) for d in batch[start:]})
    new: dict[tuple[str, str], dict[str, Any]] = {}
    changed: dict[tuple[str, str], dict[str, Any]] = {}
    events: list[tuple[tuple[str, str], CallEventRecord]] = []
    end = len(batch)
    for i in range(start, len(batch)):
        delta = batch[i]
        key = (delta.server, delta.linkedid)
        if "offered_at" in delta.fields and key in finished:
            end = i
            break
        if key in ids:
            row = changed.setdefault(key, {})
        elif key in new or "offered_at" in delta.fields:
            row = new.setdefault(key, {"pbx_server": delta.server, "linkedid": delta.linkedid})
        else:
            continue  # an update for a call that was never opened here
        row.update((c, column_value(c, v)) for c, v in delta.fields.items())
        if row.get("outcome", CallOutcome.IN_PROGRESS) != CallOutcome.IN_PROGRESS:
            finished.add(key)
        if delta.event is not None:
            events.append((key, delta.event))
    ids |= await _insert_calls(conn, list(new.values()))
    updates = ({"call_id": ids[key]} | fields for key, fields in changed.items() if fields)
    for rows in _grouped(updates).values():
        await conn.execute(_UPDATE_CALL, rows)
    if events:
        await conn.execute(insert(CallEvent.__table__), [
            {"call_id": ids[key], "at": datetime.fromtimestamp(e.at, UTC), "kind": e.kind,
             "channel": e.channel, "data": dict(e.data)} for key, e in events])
    if end < len(batch):
        await _retire_key(conn, ids[(batch[end].server, batch[end].linkedid)])
    return end


_CALLS = Call.__table__
_UPDATE_CALL = update(_CALLS).where(_CALLS.c.id == bindparam("call_id"))  # SET: the rows' keys


async def _known_calls(conn: AsyncConnection, keys: set[tuple[str, str]]
                       ) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """The ids of the calls on record under these keys, and which of them are finished."""
    ids, finished = {}, set()
    for server in {s for s, _ in keys}:
        linkedids = [linkedid for s, linkedid in keys if s == server]
        for call_id, linkedid, outcome in await conn.execute(
                select(_CALLS.c.id, _CALLS.c.linkedid, _CALLS.c.outcome).where(
                    _CALLS.c.pbx_server == server, _CALLS.c.linkedid.in_(linkedids))):
            ids[(server, linkedid)] = call_id
            if outcome != CallOutcome.IN_PROGRESS:
                finished.add((server, linkedid))
    return ids, finished


async def _insert_calls(conn: AsyncConnection, rows: list[dict[str, Any]]
                        ) -> dict[tuple[str, str], int]:
    ids = {}
    for same_columns in _grouped(rows).values():
        for call_id, server, linkedid in await conn.execute(insert(_CALLS).returning(
                _CALLS.c.id, _CALLS.c.pbx_server, _CALLS.c.linkedid), same_columns):
            ids[(server, linkedid)] = call_id
    return ids


def _grouped(rows: Iterable[dict[str, Any]]) -> dict[frozenset[str], list[dict[str, Any]]]:
    """Rows by their set of columns: one statement runs many rows of the same columns."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(frozenset(row), []).append(row)
    return groups


async def _retire_key(conn: AsyncConnection, call_id: int) -> None:
    """The finished call keeps its key with its id as a suffix, freeing it for the new call."""
    log.warning("the PBX reused a linkedid; the earlier call keeps a suffixed key",
                extra={"call_id": call_id})
    await conn.execute(update(_CALLS).where(_CALLS.c.id == call_id).values(
        linkedid=_CALLS.c.linkedid + f"~{call_id}"))


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    return (items[i:i + size] for i in range(0, len(items), size))


def _seconds(at: datetime | None) -> Any:
    """A stored time as the tracker's epoch seconds (SQLite hands it back without its zone)."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _without_foreign_keys(delta: CallDelta) -> CallDelta:
    fields = {k: v for k, v in delta.fields.items() if k not in FOREIGN_KEYS}
    return CallDelta(delta.server, delta.linkedid, fields, delta.event, delta.closed)
