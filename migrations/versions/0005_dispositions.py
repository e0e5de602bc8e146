"""Call dispositions and notes, append-only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disposition", sa.String(32), nullable=False),  # Disposition values
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"],
                                name=op.f("fk_call_dispositions_call_id_calls"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_call_dispositions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_dispositions")),
    )
    op.create_index("ix_call_dispositions_call_id_at", "call_dispositions", ["call_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_call_dispositions_call_id_at", table_name="call_dispositions")
    op.drop_table("call_dispositions")
