"""What a queue offers at its maximum wait: a message or a callback (as before), or one of them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_settings") as batch:
        batch.add_column(sa.Column("max_wait_offer", sa.String(32), nullable=False,
                                   server_default="message_or_callback"))


def downgrade() -> None:
    with op.batch_alter_table("queue_settings") as batch:
        batch.drop_column("max_wait_offer")
