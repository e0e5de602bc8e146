"""Customer opinions and work orders with their steps.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEPARTMENTS = [("logistics", "物流部"), ("marketing", "营销部"), ("quality", "质量部"),
               ("sales", "销售部"), ("it", "信息中心")]


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), **kw)


def upgrade() -> None:
    departments = op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("code", name=op.f("uq_departments_code")),
    )
    op.bulk_insert(departments, [{"code": c, "name": n} for c, n in DEPARTMENTS])
    op.create_table(
        "opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),  # OpinionKind values
        sa.Column("subject", sa.String(32), nullable=False),  # OpinionSubject values
        sa.Column("source", sa.String(32), nullable=False),  # OpinionSource values
        sa.Column("retailer_id", sa.Integer(), nullable=True),
        sa.Column("consumer_name", sa.String(100), nullable=True),
        sa.Column("consumer_phone", sa.String(32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("captured_by", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),  # OpinionStatus values
        sa.Column("outcome", sa.Text(), nullable=True),
        _time("feedback_call_at", nullable=True),
        _time("created_at"),
        _time("updated_at"),
        _fk("opinions", "retailer_id", "retailers"),
        _fk("opinions", "call_id", "calls"),
        sa.ForeignKeyConstraint(["captured_by"], ["users.id"],
                                name=op.f("fk_opinions_captured_by_users")),
        _fk("opinions", "branch_id", "branches"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinions")),
    )
    op.create_index(op.f("ix_opinions_retailer_id"), "opinions", ["retailer_id"])
    op.create_index(op.f("ix_opinions_captured_by"), "opinions", ["captured_by"])
    op.create_index("ix_opinions_branch_id_status", "opinions", ["branch_id", "status"])
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opinion_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),  # WorkOrderStatus values
        sa.Column("created_by", sa.Integer(), nullable=False),
        _time("created_at"),
        _time("done_at", nullable=True),
        _fk("work_orders", "opinion_id", "opinions", ondelete="CASCADE"),
        _fk("work_orders", "department_id", "departments"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_work_orders_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
    )
    op.create_index(op.f("ix_work_orders_opinion_id"), "work_orders", ["opinion_id"])
    op.create_table(
        "work_order_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("step_no", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _time("due_at"),
        _time("done_at", nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        _time("overdue_notified_at", nullable=True),
        _fk("work_order_steps", "work_order_id", "work_orders", ondelete="CASCADE"),
        _fk("work_order_steps", "department_id", "departments"),
        sa.ForeignKeyConstraint(["done_by"], ["users.id"],
                                name=op.f("fk_work_order_steps_done_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_steps")),
        sa.UniqueConstraint("work_order_id", "step_no",
                            name=op.f("uq_work_order_steps_work_order_id_step_no")),
    )
    op.create_index("ix_work_order_steps_done_at_due_at", "work_order_steps",
                    ["done_at", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_work_order_steps_done_at_due_at", table_name="work_order_steps")
    op.drop_table("work_order_steps")
    op.drop_index(op.f("ix_work_orders_opinion_id"), table_name="work_orders")
    op.drop_table("work_orders")
    op.drop_index("ix_opinions_branch_id_status", table_name="opinions")
    op.drop_index(op.f("ix_opinions_captured_by"), table_name="opinions")
    op.drop_index(op.f("ix_opinions_retailer_id"), table_name="opinions")
    op.drop_table("opinions")
    op.drop_table("departments")
