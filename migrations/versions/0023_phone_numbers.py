"""Phone numbers in their one form (models/phone.py): the numbers written before it (Unicode
digits, separators, +86 or 0086) become ASCII digits in the national form, so the do-not-call
list matches the contacts whichever way either was written. Where two rows become one number
(the same retailer's phone twice, the do-not-call list's entry twice) the first is kept; a
campaign's contact that would repeat another of its contacts keeps its form (its attempts
refer to it). What is not a phone number stays as it was. Downgrade keeps the numbers.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.phone import national_phone

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, the columns within which a number is unique (None: not unique), and whether
# a repeat is deleted (else kept as written)
COLUMNS = (("retailer_phones", "number", ("retailer_id",), True),
           ("do_not_call", "phone", (), True),
           ("contacts", "phone", ("campaign_id",), False),
           ("opinions", "consumer_phone", None, False),
           ("campaigns", "caller_id", None, False))


def _normalise(table: str, column: str, scope: tuple[str, ...] | None, drop: bool) -> None:
    conn = op.get_bind()
    t = sa.table(table, sa.column("id"), sa.column(column),
                 *(sa.column(c) for c in scope or ()))
    rows = conn.execute(sa.select(t).where(t.c[column].is_not(None)).order_by(t.c.id)).all()
    taken = {(tuple(r._mapping[c] for c in scope), r._mapping[column])
             for r in rows} if scope is not None else set()
    for row in rows:
        written = row._mapping[column]
        phone = national_phone(written)
        if phone is None or phone == written:
            continue
        if scope is not None:
            key = tuple(row._mapping[c] for c in scope)
            if (key, phone) in taken:
                if drop:
                    conn.execute(sa.delete(t).where(t.c.id == row.id))
                continue
            taken.add((key, phone))
        conn.execute(sa.update(t).where(t.c.id == row.id).values({column: phone}))


def upgrade() -> None:
    for table, column, scope, drop in COLUMNS:
        _normalise(table, column, scope, drop)


def downgrade() -> None:
    pass  # the one form is a phone number as good as the one written
