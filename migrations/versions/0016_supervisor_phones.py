"""Supervisors' phones get a SIP secret as agents' do: no phone account without a password.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("sip_secret", sa.String(64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("sip_endpoint", sa.String),
                     sa.column("sip_secret", sa.String))
    bind = op.get_bind()
    for (user_id,) in bind.execute(sa.select(users.c.id).where(
            users.c.sip_endpoint.is_not(None))).all():
        bind.execute(users.update().where(users.c.id == user_id)
                     .values(sip_secret=secrets.token_urlsafe(18)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("sip_secret")
