"""Step templates: the ordered steps (department, deadline in hours, instruction) an opinion of
a kind and subject is dispatched in when no steps are given.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "step_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),  # OpinionKind values
        sa.Column("subject", sa.String(32), nullable=False),  # OpinionSubject values
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("due_in_hours", sa.Double(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_step_templates_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_templates")),
        sa.UniqueConstraint("kind", "subject", "step_no",
                            name=op.f("uq_step_templates_kind_subject_step_no")),
        sa.CheckConstraint("due_in_hours > 0",
                           name=op.f("ck_step_templates_due_in_hours_positive")),
    )
    op.create_index(op.f("ix_step_templates_department_id"), "step_templates",
                    ["department_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_step_templates_department_id"), table_name="step_templates")
    op.drop_table("step_templates")
