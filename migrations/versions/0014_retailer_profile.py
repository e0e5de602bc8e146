"""The retailer's profile (seed 002): address, business format (业态), shop area in m² and trade
area (商圈), beside the class and phones it had. The history's snapshots carry them from the
next version on.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("retailers") as batch:
        batch.add_column(sa.Column("address", sa.String(300), nullable=True))
        batch.add_column(sa.Column("business_format", sa.String(32), nullable=True))
        batch.add_column(sa.Column("shop_area", sa.Float(), nullable=True))
        batch.add_column(sa.Column("trade_area", sa.String(100), nullable=True))
        batch.create_check_constraint("shop_area_positive", "shop_area > 0")


def downgrade() -> None:
    with op.batch_alter_table("retailers") as batch:
        batch.drop_constraint("shop_area_positive", type_="check")
        batch.drop_column("trade_area")
        batch.drop_column("shop_area")
        batch.drop_column("business_format")
        batch.drop_column("address")
