"""Answering-machine detection per campaign: AMD()'s parameters, the share of the calls it
takes for machines that is kept on for an agent to check, since when its calls are the evidence
of its false positives, and, per attempt, what AMD decided and whether the call was one of
those checked.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("amd", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("amd_check_share", sa.Double(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("amd_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("contact_attempts") as batch:
        batch.add_column(sa.Column("amd_result", sa.String(64), nullable=True))
        batch.add_column(sa.Column("amd_checked", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("contact_attempts") as batch:
        batch.drop_column("amd_checked")
        batch.drop_column("amd_result")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("amd_since")
        batch.drop_column("amd_check_share")
        batch.drop_column("amd")
