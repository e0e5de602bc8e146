"""Scheduled reports kept by an administrator: a report, its grouping and filters, daily or
weekly, and the addresses it is mailed to.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=64), nullable=False),
        sa.Column("every", sa.String(length=16), nullable=False),
        sa.Column("grouping", sa.String(length=16), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("every IN ('daily', 'weekly')",
                           name=op.f("ck_report_schedules_every")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )


def downgrade() -> None:
    op.drop_table("report_schedules")
