from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from migrations import runner
from models import Base, make_engine
from models.knowledge import KNOWLEDGE_FTS, KNOWLEDGE_TRGM_INDEX

pytestmark = pytest.mark.db

MODEL_TABLES = set(Base.metadata.tables)
# the newest revision file: every revision is numbered in turn from 0001
HEAD = max(p.name[:4] for p in (Path(runner.__file__).parent / "versions").glob("0*.py"))
IVR_TABLES = {  # created by 0002
    "business_hours", "holidays", "voicemails", "ivr_steps", "self_service_attempts",
    "self_service_locks", "orders",
}
ACD_TABLES = {"queue_settings", "agent_transitions", "callback_requests"}  # created by 0003
USER_TABLES = {"users", "auth_tokens", "call_dispositions"}  # created by 0004 and 0005
CATALOGUE_TABLES = {"products", "product_supply", "order_limits", "order_lines"}  # 0006
OPINION_TABLES = {"departments", "opinions", "work_orders", "work_order_steps"}  # 0007
KNOWLEDGE_TABLES = {"knowledge_articles"}  # 0008, with its search index below
QUALITY_TABLES = {"score_forms", "score_criteria", "call_scores", "call_score_items"}  # 0009
RECORDING_TABLES = {"recordings"}  # 0010
CAMPAIGN_TABLES = {"campaigns", "campaign_agents", "contacts", "contact_attempts",
                   "do_not_call"}  # 0011
ADMINISTRATION_TABLES = {"audit_log", "step_templates"}  # 0012, 0015
REPORT_TABLES = {"report_queue_intervals", "report_agent_intervals", "report_ivr_intervals",
                 "report_pin_intervals", "report_campaign_intervals", "report_campaign_results",
                 "report_rollup_marks", "report_queue_days", "report_agent_days",
                 "report_ivr_days", "report_pin_days", "report_campaign_days",
                 "report_campaign_result_days",  # 0029
                 "report_schedules"}  # 0027
BUSINESS_FACT_TABLES = {"order_refusals"} | {  # 0030
    f"report_{name}_{kind}" for name in ("order", "order_product", "order_cycle", "refusal",
                                         "opinion", "step") for kind in ("intervals", "days")}
AFTER_0002 = (ACD_TABLES | USER_TABLES | CATALOGUE_TABLES | OPINION_TABLES | KNOWLEDGE_TABLES
              | QUALITY_TABLES | RECORDING_TABLES | CAMPAIGN_TABLES | ADMINISTRATION_TABLES
              | REPORT_TABLES | BUSINESS_FACT_TABLES)


def _index_table(name: str) -> bool:
    """SQLite's FTS5 search table and its shadow tables (knowledge_fts_data, ...)."""
    return name.startswith(KNOWLEDGE_FTS)


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
            return {n for n in names if not _index_table(n)}
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    assert await runner.current(db_url) is None

    await runner.upgrade(db_url)
    assert await runner.current(db_url) == HEAD
    assert await _tables(db_url) == MODEL_TABLES | {"alembic_version"}

    await runner.downgrade(db_url, "0002")
    assert await runner.current(db_url) == "0002"
    assert await _tables(db_url) == MODEL_TABLES - AFTER_0002 | {"alembic_version"}

    await runner.downgrade(db_url, "0001")
    assert await runner.current(db_url) == "0001"
    assert await _tables(db_url) == (MODEL_TABLES - IVR_TABLES - AFTER_0002
                                    | {"alembic_version"})

    await runner.downgrade(db_url, "base")
    assert await runner.current(db_url) is None
    assert await _tables(db_url) == {"alembic_version"}

    await runner.upgrade(db_url)
    assert await runner.current(db_url) == HEAD
    assert await _tables(db_url) == MODEL_TABLES | {"alembic_version"}


def _differences(conn: Connection) -> list[object]:
    def ours(obj, name, type_, reflected, compare_to) -> bool:  # not the search index
        return not (type_ == "table" and _index_table(name)
                    or type_ == "index" and name == KNOWLEDGE_TRGM_INDEX)

    context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "include_object": ours})
    return list(compare_metadata(context, Base.metadata))


async def test_schema_after_upgrade_matches_models(db_url: str) -> None:
    # Types, nullability, indexes, unique constraints and foreign keys, on both backends.
    await runner.upgrade(db_url)
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_sqlite_engine_settings(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "hotline.db"
    url = f"sqlite+aiosqlite:///{path}"
    await runner.upgrade(url)  # turns foreign keys off and on again while migrating
    assert path.exists()
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}")  # noqa: E731
            assert (await pragma("foreign_keys")).scalar() == 1
            assert (await pragma("journal_mode")).scalar() == "wal"
            assert (await pragma("busy_timeout")).scalar() == 5000
    finally:
        await engine.dispose()
