"""Refused orders by rule (order_refusals, written by services.ordering.place in a transaction of
its own), and the business reports' interval facts with their day sums (models/reports.py):
orders by channel, by product and by ordering cycle, refusals by rule, opinions and
consultations, work-order steps by department; indexes on the times the roll-up finds changed
orders and opinions by.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _seconds(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Double(), nullable=False) for name in names]


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(14, 2), nullable=False)


def _text(name: str, length: int) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=False)


def _maybe(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=True)


def _when() -> list[sa.Column]:
    return [sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
            sa.Column("local_day", sa.Date(), nullable=False),
            sa.Column("local_minute", sa.Integer(), nullable=False),
            sa.Column("branch_id", sa.Integer(), nullable=True)]


def _tables() -> dict[str, list[sa.Column]]:
    """Fresh columns at each call: a column belongs to one table."""
    return {
        "report_order_intervals": [
            *_when(), _text("channel", 16), _text("queue", 64), _maybe("agent_id"),
            *_counts("orders", "quantity"), _money("amount"), *_counts("rejected", "cancelled")],
        "report_order_product_intervals": [
            *_when(), *_counts("product_id"), _text("queue", 64), _maybe("agent_id"),
            *_counts("orders", "quantity"), _money("amount")],
        "report_order_cycle_intervals": [
            *_when(), *_counts("retailer_id"), sa.Column("cycle_day", sa.Date(), nullable=False),
            _text("queue", 64), _maybe("agent_id"), *_counts("orders", "quantity"),
            _money("amount")],
        "report_refusal_intervals": [
            *_when(), _text("channel", 16), _text("rule", 48), _maybe("product_id"),
            _maybe("agent_id"), *_counts("refusals")],
        "report_opinion_intervals": [
            *_when(), _text("kind", 16), _text("subject", 16), _text("topic", 32),
            _text("queue", 64), _maybe("agent_id"), *_counts("received", "closed"),
            *_seconds("close_s"), *_counts("with_work_order", "answered_on_call")],
        "report_step_intervals": [
            *_when(), *_counts("department_id", "due", "on_time", "late"), *_seconds("late_s"),
            *_counts("overdue"), *_seconds("overdue_due_s")],
    }


def _day_name(name: str) -> str:
    return name.replace("_intervals", "_days")


def upgrade() -> None:
    op.create_table(
        "order_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("attempt", 32),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retailer_id", sa.Integer(), nullable=False),
        _maybe("branch_id"),
        _text("channel", 16),
        _maybe("user_id"),
        _text("rule", 48),
        _maybe("product_id"),
        sa.ForeignKeyConstraint(["retailer_id"], ["retailers.id"],
                                name=op.f("fk_order_refusals_retailer_id_retailers")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_order_refusals_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_refusals")))
    op.create_index("ix_order_refusals_at", "order_refusals", ["at"])
    for name, columns in _tables().items():
        op.create_table(name, sa.Column("id", sa.Integer(), nullable=False), *columns,
                        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")))
        op.create_index(f"ix_{name}_start", name, ["interval_start"])
        op.create_index(f"ix_{name}_day_branch", name, ["local_day", "branch_id"])
    for name, columns in _tables().items():  # the day sums: no interval start nor minute
        day = _day_name(name)
        op.create_table(day, sa.Column("id", sa.Integer(), nullable=False),
                        *(c for c in columns if c.name not in ("interval_start", "local_minute")),
                        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{day}")))
        op.create_index(f"ix_{day}_day_branch", day, ["local_day", "branch_id"])
    op.create_index("ix_orders_status_changed_at", "orders", ["status_changed_at"])
    op.create_index("ix_opinions_updated_at", "opinions", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_opinions_updated_at", "opinions")
    op.drop_index("ix_orders_status_changed_at", "orders")
    for name in reversed(_tables()):
        op.drop_table(_day_name(name))
        op.drop_table(name)
    op.drop_table("order_refusals")
