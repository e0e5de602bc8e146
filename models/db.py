"""Engine and session factory (async)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def make_engine(url: str | URL, echo: bool = False, pool_size: int = 5) -> AsyncEngine:
    sa_url = make_url(url)
    if sa_url.get_backend_name() != "sqlite":
        return create_async_engine(sa_url, echo=echo, pool_pre_ping=True, pool_size=pool_size)
    database = sa_url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = (create_async_engine(sa_url, echo=echo, pool_size=pool_size)
              if database and database != ":memory:" else create_async_engine(sa_url, echo=echo))
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def database_busy(exc: BaseException) -> bool:
    """SQLite's other writers held the database past the busy timeout: nothing was written,
    and the same work may simply be tried again."""
    return "database is locked" in str(getattr(exc, "orig", exc))


# PostgreSQL's connection exceptions (class 08) and a server shutting down or starting up.
_UNREACHABLE_STATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(exc: BaseException) -> bool:
    """The database server could not be reached or dropped the connection (a restart, a crash,
    a network cut): the transaction did not commit, and the same work may be tried again once
    the server is back. (A connection lost during COMMIT leaves it unknown; rarely.)"""
    if isinstance(exc, OSError):  # refused, reset, timed out: raised as is by the driver
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    state = getattr(getattr(exc, "orig", exc), "sqlstate", None)
    return isinstance(state, str) and state.startswith(_UNREACHABLE_STATES)
