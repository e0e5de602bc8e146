"""Administration: the audit log of every administrative change; agents' SIP secrets.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"],
                                name=op.f("fk_audit_log_branch_id_branches"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_branch_id"), "audit_log", ["branch_id"])
    op.create_index("ix_audit_log_entity_entity_id", "audit_log", ["entity", "entity_id"])
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("sip_secret", sa.String(64), nullable=True))
    # Every phone account gets a secret, the agents already there too.
    agents = sa.table("agents", sa.column("id", sa.Integer), sa.column("sip_secret", sa.String))
    bind = op.get_bind()
    for (agent_id,) in bind.execute(sa.select(agents.c.id)).all():
        bind.execute(agents.update().where(agents.c.id == agent_id)
                     .values(sip_secret=secrets.token_urlsafe(18)))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("sip_secret")
    op.drop_table("audit_log")
