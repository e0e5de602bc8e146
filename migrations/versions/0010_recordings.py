"""Call recordings, the recording policy per queue, supervisors' phones.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pbx_server", sa.String(64), nullable=False),
        sa.Column("linkedid", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("policy", sa.String(32), nullable=False),  # RecordingPolicy values
        sa.Column("status", sa.String(32), nullable=False),  # RecordingStatus values
        sa.Column("file", sa.String(255), nullable=True),
        _time("started_at"),
        _time("ended_at", nullable=True),
        sa.Column("duration_seconds", sa.Double(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("paused_seconds", sa.Double(), nullable=False),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("problem", sa.String(200), nullable=True),
        _time("purged_at", nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_recordings_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("pbx_server", "linkedid",
                            name=op.f("uq_recordings_pbx_server_linkedid")),
    )
    for column in ("agent_id", "status", "started_at"):
        op.create_index(op.f(f"ix_recordings_{column}"), "recordings", [column])
    with op.batch_alter_table("queue_settings") as batch:
        batch.add_column(sa.Column("recording", sa.String(32), nullable=False,
                                   server_default="always"))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sip_endpoint", sa.String(64), nullable=True))
        batch.create_unique_constraint(op.f("uq_users_sip_endpoint"), ["sip_endpoint"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("uq_users_sip_endpoint"), type_="unique")
        batch.drop_column("sip_endpoint")
    with op.batch_alter_table("queue_settings") as batch:
        batch.drop_column("recording")
    for column in ("started_at", "status", "agent_id"):
        op.drop_index(op.f(f"ix_recordings_{column}"), table_name="recordings")
    op.drop_table("recordings")
