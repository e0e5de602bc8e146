"""The calls today's live figures read as the engine starts: connected since midnight, and
those still in progress (acd/live_figures.py), by index rather than a scan of every call.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_calls_connected_at", "calls", ["connected_at"])
    op.create_index("ix_calls_outcome", "calls", ["outcome"])


def downgrade() -> None:
    op.drop_index("ix_calls_outcome", table_name="calls")
    op.drop_index("ix_calls_connected_at", table_name="calls")
