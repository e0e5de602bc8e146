"""Consultations (业务咨询): an opinion of kind "consultation" carries its topic and the answer
given on the call; only a consultation has a topic.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("opinions") as batch:
        batch.add_column(sa.Column("topic", sa.String(32), nullable=True))  # ConsultationTopic
        batch.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch.create_check_constraint("consultation_topic",
                                      "(kind = 'consultation') = (topic IS NOT NULL)")
        batch.create_index("ix_opinions_kind_created_at", ["kind", "created_at"])


def downgrade() -> None:
    # The older code cannot read a consultation: they go, with their work orders (explicitly,
    # as SQLite migrates with foreign keys off).
    consultations = "SELECT id FROM opinions WHERE kind = 'consultation'"
    work_orders = f"SELECT id FROM work_orders WHERE opinion_id IN ({consultations})"
    op.execute(f"DELETE FROM work_order_steps WHERE work_order_id IN ({work_orders})")
    op.execute(f"DELETE FROM work_orders WHERE opinion_id IN ({consultations})")
    op.execute("DELETE FROM opinions WHERE kind = 'consultation'")
    with op.batch_alter_table("opinions") as batch:
        batch.drop_index("ix_opinions_kind_created_at")
        batch.drop_constraint("consultation_topic", type_="check")
        batch.drop_column("answer")
        batch.drop_column("topic")
