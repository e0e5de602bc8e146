"""Indexes for the lists that page newest first by (time, id): calls, orders, opinions,
recordings and voicemails, each filter (branch, retailer, agent) leading an index of its own.
The single-column indexes these begin with are dropped: the new ones serve their lookups.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: (the indexes made, the single-column indexes they replace)
PAGING = {
    "calls": ({"ix_calls_offered_at_id": ["offered_at", "id"],
               "ix_calls_branch_id_offered_at_id": ["branch_id", "offered_at", "id"],
               "ix_calls_retailer_id_offered_at_id": ["retailer_id", "offered_at", "id"],
               "ix_calls_agent_id_offered_at_id": ["agent_id", "offered_at", "id"]},
              ["offered_at", "retailer_id", "agent_id"]),
    "orders": ({"ix_orders_created_at_id": ["created_at", "id"],
                "ix_orders_retailer_id_created_at_id": ["retailer_id", "created_at", "id"]},
               ["created_at", "retailer_id"]),
    "opinions": ({"ix_opinions_created_at_id": ["created_at", "id"],
                  "ix_opinions_branch_id_created_at_id": ["branch_id", "created_at", "id"],
                  "ix_opinions_retailer_id_created_at_id": ["retailer_id", "created_at", "id"]},
                 ["retailer_id"]),
    "recordings": ({"ix_recordings_started_at_id": ["started_at", "id"],
                    "ix_recordings_agent_id_started_at_id": ["agent_id", "started_at", "id"]},
                   ["started_at", "agent_id"]),
    "voicemails": ({"ix_voicemails_recorded_at_id": ["recorded_at", "id"],
                    "ix_voicemails_branch_id_recorded_at_id": ["branch_id", "recorded_at", "id"]},
                   ["branch_id"]),
}


def upgrade() -> None:
    for table, (made, replaced) in PAGING.items():
        for name, columns in made.items():
            op.create_index(name, table, columns)
        for column in replaced:
            op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, (made, replaced) in PAGING.items():
        for column in replaced:
            op.create_index(f"ix_{table}_{column}", table, [column])
        for name in made:
            op.drop_index(name, table_name=table)
