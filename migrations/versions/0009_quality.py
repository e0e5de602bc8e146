"""Quality scoring: score forms with weighted criteria, and scores of calls item by item.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), **kw)


def upgrade() -> None:
    op.create_table(
        "score_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_forms")),
        sa.UniqueConstraint("name", name=op.f("uq_score_forms_name")),
    )
    op.create_table(
        "score_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("max_points", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint("weight > 0", name=op.f("ck_score_criteria_weight_positive")),
        sa.CheckConstraint("max_points > 0",
                           name=op.f("ck_score_criteria_max_points_positive")),
        _fk("score_criteria", "form_id", "score_forms", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_criteria")),
        sa.UniqueConstraint("form_id", "position",
                            name=op.f("uq_score_criteria_form_id_position")),
    )
    op.create_table(
        "call_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("scorer_id", sa.Integer(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.Numeric(4, 1), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("total BETWEEN 0 AND 100", name=op.f("ck_call_scores_total_range")),
        _fk("call_scores", "call_id", "calls"),
        _fk("call_scores", "agent_id", "agents"),
        _fk("call_scores", "form_id", "score_forms"),
        _fk("call_scores", "scorer_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_scores")),
    )
    op.create_index(op.f("ix_call_scores_call_id"), "call_scores", ["call_id"])
    op.create_index(op.f("ix_call_scores_agent_id"), "call_scores", ["agent_id"])
    op.create_table(
        "call_score_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("points >= 0", name=op.f("ck_call_score_items_points_not_negative")),
        _fk("call_score_items", "score_id", "call_scores", ondelete="CASCADE"),
        _fk("call_score_items", "criterion_id", "score_criteria"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_score_items")),
        sa.UniqueConstraint("score_id", "criterion_id",
                            name=op.f("uq_call_score_items_score_id_criterion_id")),
    )


def downgrade() -> None:
    op.drop_table("call_score_items")
    op.drop_index(op.f("ix_call_scores_agent_id"), table_name="call_scores")
    op.drop_index(op.f("ix_call_scores_call_id"), table_name="call_scores")
    op.drop_table("call_scores")
    op.drop_table("score_criteria")
    op.drop_table("score_forms")
