"""A queue's wallboard thresholds: amber, then red, once its longest caller has waited this long.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_settings") as batch:
        batch.add_column(sa.Column("wait_amber_seconds", sa.Integer(), nullable=False,
                                   server_default="30"))
        batch.add_column(sa.Column("wait_red_seconds", sa.Integer(), nullable=False,
                                   server_default="60"))
        batch.create_check_constraint(
            "wait_thresholds_rising",
            "wait_amber_seconds > 0 AND wait_red_seconds > wait_amber_seconds")


def downgrade() -> None:
    with op.batch_alter_table("queue_settings") as batch:
        batch.drop_constraint("wait_thresholds_rising", type_="check")
        batch.drop_column("wait_red_seconds")
        batch.drop_column("wait_amber_seconds")
