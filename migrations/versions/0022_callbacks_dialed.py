"""Callbacks are dialed: a request's contact in its branch's callback campaign, the agent a
feedback call goes to first, and whether the caller keeps its place in the queue.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callback_requests") as batch:
        batch.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("keeps_place", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.create_foreign_key("fk_callback_requests_contact_id_contacts", "contacts",
                                 ["contact_id"], ["id"])
        batch.create_foreign_key("fk_callback_requests_agent_id_agents", "agents",
                                 ["agent_id"], ["id"])
        batch.create_index("ix_callback_requests_contact_id", ["contact_id"])


def downgrade() -> None:
    with op.batch_alter_table("callback_requests") as batch:
        batch.drop_index("ix_callback_requests_contact_id")
        batch.drop_constraint("fk_callback_requests_agent_id_agents", type_="foreignkey")
        batch.drop_constraint("fk_callback_requests_contact_id_contacts", type_="foreignkey")
        batch.drop_column("keeps_place")
        batch.drop_column("agent_id")
        batch.drop_column("contact_id")
