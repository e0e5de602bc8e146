"""Fixtures for tests that need a real database: each test runs on SQLite and on PostgreSQL.

PostgreSQL (127.0.0.1:5432, user postgres, trust auth) gets one throwaway database per test
session; its schema is wiped before each test. If the server cannot be reached the tests fail:
a missing backend must never pass for a green run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from migrations import runner
from models import make_engine, make_sessionmaker

# bin/test points this at the server on 127.0.0.1:5432 or at a throwaway cluster it started.
PG_URL = make_url(os.environ.get("HOTLINE_TEST_PG_URL",
                                 "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
PG_HOST, PG_PORT, PG_USER, PG_ADMIN_DB = PG_URL.host, PG_URL.port or 5432, PG_URL.username, PG_URL.database


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    # A private loop: asyncio.run would also reset the thread's current loop under pytest-asyncio.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


async def _execute(database: str, *statements: str) -> None:
    conn = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, database=database, timeout=5
    )
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The name of a fresh PostgreSQL database, dropped at the end of the session."""
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    try:
        _run(_execute(PG_ADMIN_DB, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL on {PG_HOST}:{PG_PORT} (user {PG_USER}, database {PG_ADMIN_DB}) "
            f"is required by tests/db and could not be used: {exc!r}",
            pytrace=False,
        )
    yield name
    _run(_execute(PG_ADMIN_DB, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'hotline.db'}"
    name = request.getfixturevalue("pg_database")
    _run(_execute(name, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to head."""
    await runner.upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
