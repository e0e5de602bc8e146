"""ACD: queue settings, agent state transitions, callback requests, and when a call first joined
a queue (calls.queued_at).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(column: str, table: str, source: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"],
                                   name=op.f(f"fk_{source}_{column}_{table}"), **kw)


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_calls_queued_at"), ["queued_at"])
    op.create_table(
        "queue_settings",
        _id(),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("business_type_id", sa.Integer(), nullable=False),
        sa.Column("wrap_up_seconds", sa.Integer(), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("overflow", sa.JSON(), nullable=False),
        sa.Column("max_wait_seconds", sa.Integer(), nullable=True),
        sa.Column("service_level_seconds", sa.Integer(), nullable=False),
        sa.Column("class_priority", sa.JSON(), nullable=False),
        sa.CheckConstraint("min_level BETWEEN 1 AND 10",
                           name=op.f("ck_queue_settings_min_level_range")),
        sa.CheckConstraint("wrap_up_seconds >= 0",
                           name=op.f("ck_queue_settings_wrap_up_not_negative")),
        sa.CheckConstraint("service_level_seconds > 0",
                           name=op.f("ck_queue_settings_service_level_positive")),
        _fk("branch_id", "branches", "queue_settings", ondelete="CASCADE"),
        _fk("business_type_id", "business_types", "queue_settings", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_settings")),
        sa.UniqueConstraint("branch_id", "business_type_id",
                            name=op.f("uq_queue_settings_branch_id_business_type_id")),
    )
    op.create_table(
        "agent_transitions",
        _id(),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=False),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("call_linkedid", sa.String(64), nullable=True),
        _fk("agent_id", "agents", "agent_transitions", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_transitions")),
    )
    op.create_index("ix_agent_transitions_agent_id_at", "agent_transitions", ["agent_id", "at"])
    op.create_table(
        "callback_requests",
        _id(),
        sa.Column("pbx_server", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        _fk("retailer_id", "retailers", "callback_requests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_requests")),
    )
    op.create_index(op.f("ix_callback_requests_status"), "callback_requests", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_callback_requests_status"), table_name="callback_requests")
    op.drop_table("callback_requests")
    op.drop_index("ix_agent_transitions_agent_id_at", table_name="agent_transitions")
    op.drop_table("agent_transitions")
    op.drop_table("queue_settings")
    with op.batch_alter_table("calls") as batch:
        batch.drop_index(op.f("ix_calls_queued_at"))
        batch.drop_column("queued_at")
