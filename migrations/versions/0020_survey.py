"""The satisfaction survey: a queue may ask the caller to rate the service when the agent ends
the call; the rating is kept with the call (and so with its agent).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_settings") as batch:
        batch.add_column(sa.Column("survey", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("survey_rating", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("survey_rating")
    with op.batch_alter_table("queue_settings") as batch:
        batch.drop_column("survey")
