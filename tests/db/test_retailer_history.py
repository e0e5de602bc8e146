from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from models import Branch, Retailer, RetailerHistory, RetailerPhone, RetailerStatus
from models.security import hash_pin

pytestmark = pytest.mark.db

Sessions = async_sessionmaker[AsyncSession]


async def _history(session: AsyncSession, retailer_id: int) -> list[RetailerHistory]:
    rows = await session.scalars(
        select(RetailerHistory)
        .where(RetailerHistory.retailer_id == retailer_id)
        .order_by(RetailerHistory.version)
    )
    return list(rows)


async def _new_retailer(sessions: Sessions, **kwargs: object) -> int:
    async with sessions() as session:
        branch = Branch(code="BJ", name="Beijing")
        retailer = Retailer(
            card_number="1100001", name="Old Shop", branch=branch, retailer_class="C", **kwargs
        )
        retailer.phones.append(RetailerPhone(number="13800000001"))
        session.add(retailer)
        await session.commit()
        return retailer.id


async def test_insert_writes_version_1(sessions: Sessions) -> None:
    async with sessions() as session:
        session.info["actor"] = "ops:alice"
        branch = Branch(code="BJ", name="Beijing")
        retailer = Retailer(
            card_number="1100001",
            name="Old Shop",
            branch=branch,
            retailer_class="C",
            pin_hash=hash_pin("246810"),
            phones=[RetailerPhone(number="13800000002"), RetailerPhone(number="13800000001")],
        )
        session.add(retailer)
        await session.commit()

        assert retailer.version == 1
        [entry] = await _history(session, retailer.id)
    assert entry.version == 1
    assert entry.changed_by == "ops:alice"
    assert entry.changed_at == retailer.updated_at
    snapshot = entry.snapshot
    assert snapshot["id"] == retailer.id
    assert snapshot["branch_id"] == branch.id  # set through the relationship, known after flush
    assert snapshot["card_number"] == "1100001"
    assert snapshot["status"] == "active"
    assert snapshot["version"] == 1
    assert snapshot["phones"] == ["13800000001", "13800000002"]
    assert snapshot["pin_changed"] is True
    assert "pin_hash" not in snapshot and retailer.pin_hash not in str(snapshot)


async def test_update_keeps_the_old_values(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions)
    async with sessions() as session:
        retailer = await session.get_one(Retailer, retailer_id)
        retailer.name = "New Shop"
        retailer.status = RetailerStatus.SUSPENDED
        await session.commit()
        assert retailer.version == 2

    async with sessions() as session:
        first, second = await _history(session, retailer_id)
    assert first.snapshot["name"] == "Old Shop" and first.snapshot["status"] == "active"
    assert second.snapshot["name"] == "New Shop" and second.snapshot["status"] == "suspended"
    assert second.version == second.snapshot["version"] == 2
    assert second.snapshot["pin_changed"] is False
    assert second.changed_by is None


async def test_phone_changes_are_changes(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions)
    async with sessions() as session:  # through the collection
        retailer = await session.get_one(Retailer, retailer_id)
        retailer.phones.append(RetailerPhone(number="13800000009"))
        await session.commit()
    async with sessions() as session:  # a phone row on its own
        session.add(RetailerPhone(retailer_id=retailer_id, number="01012345678"))
        await session.commit()
    async with sessions() as session:  # removal
        retailer = await session.get_one(Retailer, retailer_id)
        retailer.phones = [p for p in retailer.phones if p.number != "13800000001"]
        await session.commit()

        history = await _history(session, retailer_id)
        assert retailer.version == 4
    assert [h.snapshot["phones"] for h in history] == [
        ["13800000001"],
        ["13800000001", "13800000009"],
        ["01012345678", "13800000001", "13800000009"],
        ["01012345678", "13800000009"],
    ]
    assert [h.version for h in history] == [1, 2, 3, 4]


async def test_no_real_change_no_history(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions)
    async with sessions() as session:
        retailer = await session.get_one(Retailer, retailer_id)
        retailer.name = "Old Shop"  # the same value
        retailer.phones[0].number = "13800000001"
        await session.flush()
        await session.commit()
        assert retailer.version == 1
        assert len(await _history(session, retailer_id)) == 1


async def test_pin_change_is_flagged_not_stored(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions)
    async with sessions() as session:
        retailer = await session.get_one(Retailer, retailer_id)
        retailer.pin_hash = hash_pin("135790")
        await session.commit()
        first, second = await _history(session, retailer_id)
    assert first.snapshot["pin_changed"] is False
    assert second.snapshot["pin_changed"] is True
    assert "pin_hash" not in second.snapshot


async def test_concurrent_edit_is_refused(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions)
    async with sessions() as first, sessions() as second:
        a = await first.get_one(Retailer, retailer_id)
        b = await second.get_one(Retailer, retailer_id)
        a.name = "Edited by A"
        await first.commit()
        b.name = "Edited by B"
        with pytest.raises(StaleDataError):
            await second.commit()


async def test_bulk_statements_are_refused(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions)
    async with sessions() as session:
        for statement in (
            update(Retailer).where(Retailer.id == retailer_id).values(name="Sneaky"),
            update(Retailer.__table__).values(name="Sneaky"),
            delete(RetailerPhone),
            insert(RetailerHistory).values(retailer_id=retailer_id, version=9),
        ):
            with pytest.raises(InvalidRequestError, match="history"):
                await session.execute(statement)


async def test_enum_stored_as_value(sessions: Sessions) -> None:
    retailer_id = await _new_retailer(sessions, status=RetailerStatus.CLOSED)
    async with sessions() as session:
        raw = await session.scalar(text(f"SELECT status FROM retailers WHERE id = {retailer_id}"))
        assert raw == "closed"
        count = await session.scalar(select(func.count()).select_from(RetailerHistory))
        assert count == 1


async def test_bulk_import_gets_one_history_row_each(sessions: Sessions) -> None:
    async with sessions() as session:
        session.info["actor"] = "import:contacts.csv"
        session.add_all(
            Retailer(
                card_number=f"{n:07d}",
                name=f"Shop {n}",
                retailer_class="B",
                phones=[RetailerPhone(number=f"139{n:08d}")],
            )
            for n in range(1200)  # more than one chunk of ids
        )
        await session.commit()
        history = list(await session.scalars(select(RetailerHistory)))
    assert len(history) == 1200
    assert {h.version for h in history} == {1}
    for h in history:
        assert h.snapshot["phones"] == [f"139{int(h.snapshot['card_number']):08d}"]
