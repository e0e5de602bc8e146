"""What an administrator keeps of queues and the menu: a queue's service-level target beside
its threshold; which business types' prompts are recordings an administrator uploaded.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_settings") as batch:
        batch.add_column(sa.Column("service_level_target", sa.Integer(), nullable=False,
                                   server_default="80"))
        batch.create_check_constraint("service_level_target_range",
                                      "service_level_target BETWEEN 1 AND 100")
    with op.batch_alter_table("business_types") as batch:
        batch.add_column(sa.Column("uploaded_prompts", sa.JSON(), nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("business_types") as batch:
        batch.drop_column("uploaded_prompts")
    with op.batch_alter_table("queue_settings") as batch:
        batch.drop_constraint("service_level_target_range", type_="check")
        batch.drop_column("service_level_target")
