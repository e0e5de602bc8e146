"""Migration 0023 puts the phone numbers written before models/phone.py in their one form,
keeping one of two that become the same number, on SQLite and PostgreSQL."""
import pytest
import sqlalchemy as sa

from migrations import runner
from models import make_engine

pytestmark = pytest.mark.db


async def test_numbers_written_before_are_put_in_their_one_form(db_url: str) -> None:
    await runner.upgrade(db_url, "0022")
    engine = make_engine(db_url)
    try:
        async with engine.begin() as c:
            branch = (await c.execute(sa.text(
                "INSERT INTO branches (code, name, is_headquarters, timezone, order_day) "
                "VALUES ('BJ', 'Beijing', false, 'Asia/Shanghai', 0) RETURNING id"))).scalar()
            retailer = (await c.execute(sa.text(
                "INSERT INTO retailers (card_number, name, branch_id, retailer_class, status, "
                "version, created_at, updated_at) VALUES ('110100001', 'shop', :b, 'A', "
                "'ACTIVE', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"),
                {"b": branch})).scalar()
            for number in ("13800010001", "+86 138-0001-0001", "١٣٩٠٠٠٠١١١١", "no phone"):
                await c.execute(sa.text("INSERT INTO retailer_phones (retailer_id, number) "
                                        "VALUES (:r, :n)"), {"r": retailer, "n": number})
            for phone in ("+8613311110001", "0086 13311110001", "+86 10 6512 3456"):
                await c.execute(sa.text("INSERT INTO do_not_call (phone, reason, added_at) "
                                        "VALUES (:p, '', CURRENT_TIMESTAMP)"), {"p": phone})
        await runner.upgrade(db_url)
        async with engine.connect() as c:
            phones = (await c.execute(sa.text(
                "SELECT number FROM retailer_phones ORDER BY id"))).scalars().all()
            blocked = (await c.execute(sa.text(
                "SELECT phone FROM do_not_call ORDER BY id"))).scalars().all()
    finally:
        await engine.dispose()
    assert phones == ["13800010001", "13900001111", "no phone"]
    assert blocked == ["13311110001", "01065123456"]
