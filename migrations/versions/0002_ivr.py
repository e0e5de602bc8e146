"""IVR and self-service: business hours, holidays, voicemails, IVR steps, PIN attempts and locks,
and a minimal orders table.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-29

Rows of a call (voicemails, ivr_steps, self_service_attempts) carry the call's (pbx_server,
linkedid), not a foreign key to calls. orders.amount is NUMERIC(12, 2); orders.status holds
OrderStatus values in a VARCHAR(32).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _call_key() -> list[sa.Column]:
    return [
        sa.Column("pbx_server", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "business_hours",
        _id(),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_business_hours_weekday_range")
        ),
        sa.CheckConstraint("opens < closes", name=op.f("ck_business_hours_opens_before_closes")),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_business_hours_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_hours")),
        sa.UniqueConstraint(
            "branch_id", "weekday", "opens", name=op.f("uq_business_hours_branch_id_weekday_opens")
        ),
    )
    op.create_table(
        "holidays",
        _id(),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"],
            ["branches.id"],
            name=op.f("fk_holidays_branch_id_branches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
        sa.UniqueConstraint("branch_id", "day", name=op.f("uq_holidays_branch_id_day")),
    )
    # A unique constraint treats NULLs as distinct: days closed for every branch need this one.
    op.create_index(
        "ix_holidays_day_every_branch",
        "holidays",
        ["day"],
        unique=True,
        sqlite_where=sa.text("branch_id IS NULL"),
        postgresql_where=sa.text("branch_id IS NULL"),
    )
    op.create_table(
        "voicemails",
        _id(),
        *_call_key(),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("card_number", sa.String(32), nullable=True),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("business_type", sa.String(32), nullable=True),
        _ts("recorded_at"),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        _ts("handled_at", nullable=True),
        sa.Column("handled_by", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_voicemails_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["retailer_id"], ["retailers.id"], name=op.f("fk_voicemails_retailer_id_retailers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voicemails")),
    )
    op.create_index(op.f("ix_voicemails_branch_id"), "voicemails", ["branch_id"])
    op.create_index(op.f("ix_voicemails_handled_at"), "voicemails", ["handled_at"])
    op.create_table(
        "ivr_steps",
        _id(),
        *_call_key(),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("prompt", sa.String(200), nullable=True),
        sa.Column("keys", sa.String(100), nullable=False),
        sa.Column("result", sa.String(32), nullable=False),
        _ts("entered_at"),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_steps")),
        sa.UniqueConstraint(
            "pbx_server", "linkedid", "seq", name=op.f("uq_ivr_steps_pbx_server_linkedid_seq")
        ),
    )
    op.create_index("ix_ivr_steps_pbx_server_linkedid", "ivr_steps", ["pbx_server", "linkedid"])
    op.create_table(
        "self_service_attempts",
        _id(),
        *_call_key(),
        sa.Column("card_number", sa.String(32), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        _ts("at"),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["retailer_id"],
            ["retailers.id"],
            name=op.f("fk_self_service_attempts_retailer_id_retailers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_service_attempts")),
    )
    op.create_table(
        "self_service_locks",
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        _ts("locked_until", nullable=True),
        sa.CheckConstraint(
            "failures >= 0", name=op.f("ck_self_service_locks_failures_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["retailer_id"],
            ["retailers.id"],
            name=op.f("fk_self_service_locks_retailer_id_retailers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("retailer_id", name=op.f("pk_self_service_locks")),
    )
    op.create_table(
        "orders",
        _id(),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),  # OrderStatus values
        sa.Column("channel", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["retailer_id"], ["retailers.id"], name=op.f("fk_orders_retailer_id_retailers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_retailer_id"), "orders", ["retailer_id"])
    op.create_index(op.f("ix_orders_created_at"), "orders", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_created_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_retailer_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_table("self_service_locks")
    op.drop_table("self_service_attempts")
    op.drop_index("ix_ivr_steps_pbx_server_linkedid", table_name="ivr_steps")
    op.drop_table("ivr_steps")
    op.drop_index(op.f("ix_voicemails_handled_at"), table_name="voicemails")
    op.drop_index(op.f("ix_voicemails_branch_id"), table_name="voicemails")
    op.drop_table("voicemails")
    op.drop_index("ix_holidays_day_every_branch", table_name="holidays")
    op.drop_table("holidays")
    op.drop_table("business_hours")
