"""Outbound campaigns, contacts, call attempts and the do-not-call list.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE" if cascade else None)


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("business_type_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("script", sa.Text(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("abandon_target", sa.Double(), nullable=False),
        sa.Column("max_lines_per_agent", sa.Double(), nullable=False),
        sa.Column("ring_seconds", sa.Integer(), nullable=False),
        sa.Column("wrap_up_seconds", sa.Integer(), nullable=False),
        sa.Column("caller_id", sa.String(32), nullable=False),
        sa.Column("retries", sa.JSON(), nullable=False),
        sa.Column("detect_machines", sa.Boolean(), nullable=False),
        sa.Column("recording", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        _fk("campaigns", "business_type_id", "business_types"),
        _fk("campaigns", "branch_id", "branches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )
    _indexes("campaigns", "state")
    op.create_table(
        "campaign_agents",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        _fk("campaign_agents", "campaign_id", "campaigns", cascade=True),
        _fk("campaign_agents", "agent_id", "agents", cascade=True),
        sa.PrimaryKeyConstraint("campaign_id", "agent_id", name=op.f("pk_campaign_agents")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("next_attempt_at", nullable=True),
        sa.Column("last_outcome", sa.String(32), nullable=True),
        sa.Column("callback_agent_id", sa.Integer(), nullable=True),
        _time("created_at"),
        _fk("contacts", "campaign_id", "campaigns", cascade=True),
        _fk("contacts", "retailer_id", "retailers"),
        _fk("contacts", "callback_agent_id", "agents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("campaign_id", "phone", name=op.f("uq_contacts_campaign_id_phone")),
    )
    _indexes("contacts", "phone", "retailer_id", "next_attempt_at")
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        _time("started_at"),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("pbx_reason", sa.String(64), nullable=True),
        _time("answered_at", nullable=True),
        _time("connected_at", nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        _time("ended_at", nullable=True),
        sa.Column("disposition", sa.String(32), nullable=True),
        _fk("contact_attempts", "campaign_id", "campaigns", cascade=True),
        _fk("contact_attempts", "contact_id", "contacts", cascade=True),
        _fk("contact_attempts", "retailer_id", "retailers"),
        _fk("contact_attempts", "agent_id", "agents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempts")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_contact_attempts_channel_id")),
    )
    _indexes("contact_attempts", "campaign_id", "contact_id", "retailer_id", "phone", "started_at")
    op.create_table(
        "do_not_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        _time("added_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_do_not_call")),
        sa.UniqueConstraint("phone", name=op.f("uq_do_not_call_phone")),
    )


def downgrade() -> None:
    for table in ("do_not_call", "contact_attempts", "contacts", "campaign_agents", "campaigns"):
        op.drop_table(table)
