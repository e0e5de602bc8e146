"""When an agent gave an attempt its result: the reports' roll-up finds the attempts whose
result came after the call ended (a person or a machine, the campaign's results) by it.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_attempts") as batch:
        batch.add_column(sa.Column("result_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_contact_attempts_result_at"), ["result_at"])


def downgrade() -> None:
    with op.batch_alter_table("contact_attempts") as batch:
        batch.drop_index(op.f("ix_contact_attempts_result_at"))
        batch.drop_column("result_at")
