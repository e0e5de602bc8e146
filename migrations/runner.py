"""Run alembic from async code (the CLI, the app's startup, tests) without a second event loop.

Alembic's commands are synchronous; each runs here inside AsyncConnection.run_sync, with the
sync connection handed to env.py through config.attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from models.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config() -> Config:
    """A config without an ini file: env.py then leaves the process's logging alone."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, command.upgrade, revision)


async def downgrade(url: str, revision: str) -> None:
    await _run(url, command.downgrade, revision)


async def current(url: str) -> str | None:
    """The revision the database is at, None when it has never been migrated."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def _run(url: str, cmd: Callable[[Config, str], None], revision: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_in_sync, cmd, revision)
    finally:
        await engine.dispose()


def _in_sync(conn: Connection, cmd: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    cmd(config, revision)
