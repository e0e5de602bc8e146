"""Initial schema: branches, business types, skills, agents, retailers with history, calls.

Revision ID: 0001
Revises:
Create Date: 2025-11-22

Enum columns are plain VARCHAR(32) holding the enum values (the models use native_enum=False);
timestamps are DateTime(timezone=True), which models.base.UtcDateTime wraps.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "branches",
        _id(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("is_headquarters", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
        sa.UniqueConstraint("code", name=op.f("uq_branches_code")),
    )
    op.create_table(
        "business_types",
        _id(),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_zh", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("menu_key", sa.String(1), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_types")),
        sa.UniqueConstraint("code", name=op.f("uq_business_types_code")),
        sa.UniqueConstraint("menu_key", name=op.f("uq_business_types_menu_key")),
    )
    op.create_table(
        "skills",
        _id(),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("business_type_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_type_id"],
            ["business_types.id"],
            name=op.f("fk_skills_business_type_id_business_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("code", name=op.f("uq_skills_code")),
    )
    op.create_table(
        "agents",
        _id(),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("sip_endpoint", sa.String(64), nullable=False),
        sa.Column("pin_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_agents_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("number", name=op.f("uq_agents_number")),
        sa.UniqueConstraint("sip_endpoint", name=op.f("uq_agents_sip_endpoint")),
    )
    op.create_table(
        "agent_skills",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 10", name=op.f("ck_agent_skills_level_range")),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_skills_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_agent_skills_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "skill_id", name=op.f("pk_agent_skills")),
    )
    op.create_table(
        "retailers",
        _id(),
        sa.Column("card_number", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("retailer_class", sa.String(8), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),  # RetailerStatus values
        sa.Column("pin_hash", sa.String(255), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_retailers_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retailers")),
        sa.UniqueConstraint("card_number", name=op.f("uq_retailers_card_number")),
    )
    op.create_table(
        "retailer_phones",
        _id(),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["retailer_id"],
            ["retailers.id"],
            name=op.f("fk_retailer_phones_retailer_id_retailers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retailer_phones")),
        sa.UniqueConstraint(
            "retailer_id", "number", name=op.f("uq_retailer_phones_retailer_id_number")
        ),
    )
    op.create_index(op.f("ix_retailer_phones_number"), "retailer_phones", ["number"])
    op.create_table(
        "retailer_history",
        _id(),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("changed_at"),
        sa.Column("changed_by", sa.String(100), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["retailer_id"],
            ["retailers.id"],
            name=op.f("fk_retailer_history_retailer_id_retailers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retailer_history")),
        sa.UniqueConstraint(
            "retailer_id", "version", name=op.f("uq_retailer_history_retailer_id_version")
        ),
    )
    op.create_table(
        "calls",
        _id(),
        sa.Column("pbx_server", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("uniqueid", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(32), nullable=False),  # CallDirection values
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("caller_name", sa.String(100), nullable=True),
        sa.Column("dialed_number", sa.String(64), nullable=False),
        sa.Column("card_number", sa.String(32), nullable=True),
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("business_type", sa.String(32), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        _ts("offered_at"),
        _ts("answered_at", nullable=True),
        _ts("connected_at", nullable=True),
        _ts("ended_at", nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),  # CallOutcome values
        sa.Column("hangup_cause", sa.Integer(), nullable=True),
        sa.Column("hangup_cause_text", sa.String(100), nullable=True),
        sa.Column("last_step", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_calls_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_calls_branch_id_branches")
        ),
        sa.ForeignKeyConstraint(
            ["retailer_id"], ["retailers.id"], name=op.f("fk_calls_retailer_id_retailers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("pbx_server", "linkedid", name=op.f("uq_calls_pbx_server_linkedid")),
    )
    op.create_index(op.f("ix_calls_offered_at"), "calls", ["offered_at"])
    op.create_index(op.f("ix_calls_retailer_id"), "calls", ["retailer_id"])
    op.create_index(op.f("ix_calls_agent_id"), "calls", ["agent_id"])
    op.create_table(
        "call_events",
        _id(),
        sa.Column("call_id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(200), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.id"],
            name=op.f("fk_call_events_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_events")),
    )
    op.create_index("ix_call_events_call_id_at", "call_events", ["call_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_call_events_call_id_at", table_name="call_events")
    op.drop_table("call_events")
    op.drop_index(op.f("ix_calls_agent_id"), table_name="calls")
    op.drop_index(op.f("ix_calls_retailer_id"), table_name="calls")
    op.drop_index(op.f("ix_calls_offered_at"), table_name="calls")
    op.drop_table("calls")
    op.drop_table("retailer_history")
    op.drop_index(op.f("ix_retailer_phones_number"), table_name="retailer_phones")
    op.drop_table("retailer_phones")
    op.drop_table("retailers")
    op.drop_table("agent_skills")
    op.drop_table("agents")
    op.drop_table("skills")
    op.drop_table("business_types")
    op.drop_table("branches")
