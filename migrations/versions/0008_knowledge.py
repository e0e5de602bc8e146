"""Knowledge base articles and their full-text index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

Chinese has no spaces between words, so the index is by character trigrams: on SQLite an FTS5
table with the trigram tokenizer over the articles (external content, kept in step by
triggers); on PostgreSQL a GIN index with pg_trgm's trigram operator class, which ILIKE uses.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS = "knowledge_fts"
TRGM_INDEX = "ix_knowledge_articles_trgm"
SEARCHED = "title || ' ' || tags || ' ' || body"
COLUMNS = "title, tags, body"


def upgrade() -> None:
    op.create_table(
        "knowledge_articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),  # KnowledgeCategory values
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_articles")),
    )
    op.create_index(op.f("ix_knowledge_articles_category"), "knowledge_articles", ["category"])
    if op.get_context().dialect.name == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLUMNS}, "
                   "content='knowledge_articles', content_rowid='id', tokenize='trigram')")
        new = "new.title, new.tags, new.body"
        old = "old.title, old.tags, old.body"
        op.execute(f"CREATE TRIGGER knowledge_ai AFTER INSERT ON knowledge_articles BEGIN "
                   f"INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {new}); END")
        op.execute(f"CREATE TRIGGER knowledge_ad AFTER DELETE ON knowledge_articles BEGIN "
                   f"INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {old});"
                   " END")
        op.execute(f"CREATE TRIGGER knowledge_au AFTER UPDATE ON knowledge_articles BEGIN "
                   f"INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {old});"
                   f" INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {new}); END")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {TRGM_INDEX} ON knowledge_articles "
                   f"USING gin (({SEARCHED}) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for trigger in ("knowledge_au", "knowledge_ad", "knowledge_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")
    op.drop_index(op.f("ix_knowledge_articles_category"), table_name="knowledge_articles")
    op.drop_table("knowledge_articles")
