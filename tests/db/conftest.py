"""Fixtures for tests that need a real database: each test runs on SQLite and on PostgreSQL.

PostgreSQL (127.0.0.1:5432, user postgres, trust auth) gets one throwaway database per test
session; its schema is wiped before each test. If the server cannot be reached the tests fail:
a missing backend must never pass for a green run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from agent_api.app import create_app
from migrations import runner
from models import Branch, Call, Voicemail, make_engine, make_sessionmaker, utcnow
from models.calls import CallDirection
from runtime.settings import Settings
from services.demo import DEMO_PASSWORD, seed
from tests.pg_cluster import ThrowawayCluster

# bin/test points this at the server on 127.0.0.1:5432 or at a throwaway cluster it started.
PG_URL = make_url(os.environ.get("HOTLINE_TEST_PG_URL",
                                 "postgresql+asyncpg://postgres@127.0.0.1:5432/test"))
PG_HOST, PG_PORT = PG_URL.host, PG_URL.port or 5432
PG_USER, PG_ADMIN_DB = PG_URL.username, PG_URL.database


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
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL on {PG_HOST}:{PG_PORT} (user {PG_USER}, database {PG_ADMIN_DB}) "
            f"is required by tests/db and could not be used: {exc!r}",
            pytrace=False,
        )
    yield name
    _run(_execute(PG_ADMIN_DB, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'hotline.db'}"
    name = request.getfixturevalue("pg_database")
    _run(_execute(name, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    return _pg_url(name)


def _pg_url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@pytest.fixture(scope="session")
def sqlite_at_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "hotline.db"
    _run(runner.upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_at_head(pg_database: str) -> Iterator[str]:
    """A PostgreSQL database migrated to head once per session: each test's database is
    created from it as a template (tens of milliseconds, against a quarter second for the
    migrations)."""
    name = f"{pg_database}_head"
    _run(_execute(PG_ADMIN_DB, f'CREATE DATABASE "{name}"'))
    _run(runner.upgrade(_pg_url(name)))
    yield name
    _run(_execute(PG_ADMIN_DB, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def migrated_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of each backend at the migrations' head, of this test alone."""
    if backend == "sqlite":
        path = tmp_path / "data" / "hotline.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("sqlite_at_head"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("pg_at_head")
    name = f"hotline_test_{uuid.uuid4().hex[:12]}"
    _run(_execute(PG_ADMIN_DB, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    _run(_execute(PG_ADMIN_DB, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(migrated_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database at the migrations' head."""
    engine = make_engine(migrated_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def api(migrated_url, sessions, tmp_path):
    """The app on a seeded database with one call and one voicemail in each of BJ and SH."""
    await seed(sessions)
    async with sessions() as s, s.begin():
        for i, code in enumerate(("BJ", "SH")):
            branch = await s.scalar(select(Branch).where(Branch.code == code))
            s.add(Call(linkedid=f"1.{i}", uniqueid=f"1.{i}", direction=CallDirection.INBOUND,
                       offered_at=utcnow(), branch_id=branch.id, queue=f"{code}-order"))
            s.add(Voicemail(pbx_server="local", linkedid=f"1.{i}", caller_number="139",
                            branch_id=branch.id, recorded_at=utcnow(), duration_ms=1000,
                            path=str(tmp_path / "none.wav"), size_bytes=100))
    settings = Settings(data_dir=tmp_path, db={"url": migrated_url},
                        pbx={"run_dir": tmp_path / "pbx"})
    app = create_app(settings, telephony=False)
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app), base_url="http://test") as client:
            yield client


async def login(api, username: str, password: str = DEMO_PASSWORD) -> dict:
    reply = await api.post("/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def busy_once(write, refused: list[int]):
    """`write` (a batch writer) refused once as a busy SQLite refuses, then let through; the
    size of the refused batch goes into `refused`."""
    async def refusing(batch):
        if not refused:
            refused.append(len(batch))
            raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
        await write(batch)
    return refusing


@pytest.fixture
async def throwaway_cluster() -> AsyncIterator[ThrowawayCluster]:
    """A PostgreSQL server of the test's own, which it may stop and start."""
    cluster = ThrowawayCluster()
    try:
        await asyncio.to_thread(cluster.create)
        yield cluster
    finally:
        await asyncio.to_thread(cluster.remove)
