"""The ordering cycle: a retailer's lower and upper limits hold over a weekly cycle that starts on
its branch's order day (branches.order_day, Monday for the branches there are) or on its own
(retailers.order_day, none: the branch's).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("branches") as batch:
        batch.add_column(sa.Column("order_day", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_check_constraint("order_day_range", "order_day BETWEEN 0 AND 6")
    with op.batch_alter_table("retailers") as batch:
        batch.add_column(sa.Column("order_day", sa.Integer(), nullable=True))
        batch.create_check_constraint("order_day_range", "order_day BETWEEN 0 AND 6")


def downgrade() -> None:
    with op.batch_alter_table("retailers") as batch:
        batch.drop_constraint("order_day_range", type_="check")
        batch.drop_column("order_day")
    with op.batch_alter_table("branches") as batch:
        batch.drop_constraint("order_day_range", type_="check")
        batch.drop_column("order_day")
