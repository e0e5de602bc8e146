"""Product catalogue, supply per branch, per-retailer limits and order lines.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Orders gain who captured them, the call they were taken on, a note and when their status last
changed; their amount stays the total, which the IVR's self-service reads.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), **kw)


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _time("updated_at"),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_products_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
    )
    op.create_table(
        "product_supply",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("on_supply", sa.Boolean(), nullable=False),
        _time("updated_at"),
        _fk("product_supply", "product_id", "products", ondelete="CASCADE"),
        _fk("product_supply", "branch_id", "branches", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("product_id", "branch_id", name=op.f("pk_product_supply")),
    )
    op.create_table(
        "order_limits",
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("min_quantity >= 0", name=op.f("ck_order_limits_min_not_negative")),
        sa.CheckConstraint("max_quantity >= min_quantity",
                           name=op.f("ck_order_limits_max_not_below_min")),
        _fk("order_limits", "retailer_id", "retailers", ondelete="CASCADE"),
        _fk("order_limits", "product_id", "products", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("retailer_id", "product_id", name=op.f("pk_order_limits")),
    )
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("call_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("note", sa.String(500), nullable=True))
        batch.add_column(_time("status_changed_at", nullable=True))
        batch.create_foreign_key(op.f("fk_orders_created_by_users"), "users", ["created_by"],
                                 ["id"])
        batch.create_foreign_key(op.f("fk_orders_call_id_calls"), "calls", ["call_id"], ["id"])
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(12, 2), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        _fk("order_lines", "order_id", "orders", ondelete="CASCADE"),
        _fk("order_lines", "product_id", "products"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint("order_id", "product_id",
                            name=op.f("uq_order_lines_order_id_product_id")),
    )


def downgrade() -> None:
    op.drop_table("order_lines")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("fk_orders_call_id_calls"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_orders_created_by_users"), type_="foreignkey")
        for column in ("status_changed_at", "note", "call_id", "created_by"):
            batch.drop_column(column)
    op.drop_table("order_limits")
    op.drop_table("product_supply")
    op.drop_table("products")
