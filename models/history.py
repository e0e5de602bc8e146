"""Retailer history, kept by session events so that no ORM code path can forget it.

before_flush finds each new or really changed Retailer (a column, or its phones), sets its
version (1, then +1) and updated_at; after_flush, once the rows are written, reads those
retailers back from the database and inserts one RetailerHistory row each with that snapshot.
Bulk INSERT/UPDATE/DELETE statements on these tables through a Session would skip all this, so
they are refused.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from models.base import utcnow
from models.retailers import Retailer, RetailerHistory, RetailerPhone

_PENDING = "hotline.retailer_changes"
_GUARDED_TABLES = {"retailers", "retailer_phones", "retailer_history"}
_CHUNK = 500  # ids per IN (...) when reading snapshots back


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    new, dirty, deleted = set(session.new), set(session.dirty), set(session.deleted)
    pin_changed: dict[Retailer, bool] = {}
    for obj in new:
        if isinstance(obj, Retailer):
            pin_changed[obj] = obj.pin_hash is not None
    for obj in dirty:
        if isinstance(obj, Retailer) and session.is_modified(obj):
            pin_changed[obj] = inspect(obj).attrs.pin_hash.history.has_changes()
    for obj in new | deleted | dirty:
        if isinstance(obj, RetailerPhone) and (obj not in dirty or session.is_modified(obj)):
            for owner in _phone_owners(session, obj):
                pin_changed.setdefault(owner, False)

    now = utcnow()
    pending: list[tuple[Retailer, bool]] = []
    for retailer, pin in pin_changed.items():
        if retailer in deleted:
            continue
        if retailer in new:
            retailer.version = 1
            retailer.created_at = retailer.created_at or now
        else:
            version = inspect(retailer).attrs.version.history
            retailer.version = (version.deleted or version.unchanged or [retailer.version])[0] + 1
        retailer.updated_at = now
        pending.append((retailer, pin))
    session.info[_PENDING] = (now, pending)


def _phone_owners(session: Session, phone: RetailerPhone) -> list[Retailer]:
    """The retailers a phone belongs to, or belonged to before this flush."""
    state = inspect(phone)
    owners = [r for r in state.attrs.retailer.history.sum() if r is not None]
    for retailer_id in state.attrs.retailer_id.history.sum():
        if retailer_id is not None and (owner := session.get(Retailer, retailer_id)):
            owners.append(owner)
    return owners


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    now, pending = session.info.pop(_PENDING, (None, []))
    if not pending:
        return
    conn = session.connection()
    actor = session.info.get("actor")
    snapshots = _snapshots(conn, [retailer.id for retailer, _ in pending])
    rows = []
    for retailer, pin in pending:
        snapshot = snapshots[retailer.id] | {"pin_changed": pin}
        rows.append(
            {
                "retailer_id": retailer.id,
                "version": retailer.version,
                "changed_at": now,
                "changed_by": None if actor is None else str(actor),
                "snapshot": snapshot,
            }
        )
    conn.execute(insert(RetailerHistory.__table__), rows)


def _snapshots(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """The retailers as the database now holds them: columns but the PIN hash, and phones."""
    retailers, phones = Retailer.__table__, RetailerPhone.__table__
    snapshots: dict[int, dict[str, Any]] = {}
    numbers: defaultdict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids):
        for row in conn.execute(select(retailers).where(retailers.c.id.in_(chunk))).mappings():
            snapshots[row["id"]] = {k: _jsonable(v) for k, v in row.items() if k != "pin_hash"}
        query = (
            select(phones.c.retailer_id, phones.c.number)
            .where(phones.c.retailer_id.in_(chunk))
            .order_by(phones.c.number)
        )
        for retailer_id, number in conn.execute(query):
            numbers[retailer_id].append(number)
    for retailer_id, snapshot in snapshots.items():
        snapshot["phones"] = numbers[retailer_id]
    return snapshots


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_dml(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _GUARDED_TABLES:
        raise InvalidRequestError(
            f"bulk statements on {table.name} bypass the retailer history: "  # type: ignore[union-attr]
            "load the objects and change them instead"
        )
