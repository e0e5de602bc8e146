from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import desc, func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Branch,
    BusinessHours,
    Holiday,
    IvrStep,
    Order,
    OrderStatus,
    Retailer,
    RetailerHistory,
    SelfServiceAttempt,
    SelfServiceLock,
    Voicemail,
)

pytestmark = pytest.mark.db

Sessions = async_sessionmaker[AsyncSession]
BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=BEIJING)


async def _branch(sessions: Sessions, code: str = "BJ") -> int:
    async with sessions() as session:
        branch = Branch(code=code, name=code)
        session.add(branch)
        await session.commit()
        return branch.id


async def _retailer(sessions: Sessions, card_number: str = "1100001") -> int:
    async with sessions() as session:
        retailer = Retailer(card_number=card_number, name="Shop", retailer_class="C")
        session.add(retailer)
        await session.commit()
        return retailer.id


async def _refused(sessions: Sessions, *rows: object) -> None:
    """Adding the rows in one transaction fails on a database constraint."""
    async with sessions() as session:
        session.add_all(rows)
        with pytest.raises(IntegrityError):
            await session.commit()


async def _count(session: AsyncSession, model: type) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


def _step(seq: int, linkedid: str = "1700000000.1", **kwargs: object) -> IvrStep:
    values: dict[str, object] = {"state": "menu", "result": "ok", "entered_at": T0,
                                 "duration_ms": 1500}
    return IvrStep(linkedid=linkedid, seq=seq, **(values | kwargs))


# Business hours and holidays


async def test_business_hours_allow_a_lunch_break(sessions: Sessions) -> None:
    branch_id = await _branch(sessions)
    async with sessions() as session:
        session.add_all(
            [
                BusinessHours(branch_id=branch_id, weekday=0, opens=time(8), closes=time(12)),
                BusinessHours(
                    branch_id=branch_id, weekday=0, opens=time(13, 30), closes=time(17, 30)
                ),
                BusinessHours(
                    branch_id=branch_id, weekday=6, opens=time(9), closes=time(23, 59, 59)
                ),
            ]
        )
        await session.commit()
    async with sessions() as session:
        rows = (
            await session.execute(
                select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes)
                .where(BusinessHours.branch_id == branch_id)
                .order_by(BusinessHours.weekday, BusinessHours.opens)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        (0, time(8), time(12)),
        (0, time(13, 30), time(17, 30)),
        (6, time(9), time(23, 59, 59)),
    ]


@pytest.mark.parametrize("weekday", [-1, 7])
async def test_weekday_is_0_to_6(sessions: Sessions, weekday: int) -> None:
    branch_id = await _branch(sessions)
    hours = BusinessHours(branch_id=branch_id, weekday=weekday, opens=time(8), closes=time(12))
    await _refused(sessions, hours)


@pytest.mark.parametrize(
    ("opens", "closes"), [(time(12), time(12)), (time(9, 30), time(9, 5)), (time(18), time(2))]
)
async def test_opens_before_closes(sessions: Sessions, opens: time, closes: time) -> None:
    branch_id = await _branch(sessions)
    await _refused(
        sessions, BusinessHours(branch_id=branch_id, weekday=1, opens=opens, closes=closes)
    )


async def test_business_hours_interval_unique_by_start(sessions: Sessions) -> None:
    branch_id = await _branch(sessions)
    async with sessions() as session:
        session.add(BusinessHours(branch_id=branch_id, weekday=2, opens=time(8), closes=time(12)))
        await session.commit()
    await _refused(
        sessions, BusinessHours(branch_id=branch_id, weekday=2, opens=time(8), closes=time(17))
    )


async def test_business_hours_need_a_branch(sessions: Sessions) -> None:
    await _refused(sessions, BusinessHours(branch_id=999, weekday=0, opens=time(8), closes=time(9)))


async def test_holiday_unique_per_branch_and_day(sessions: Sessions) -> None:
    bj, sh = await _branch(sessions, "BJ"), await _branch(sessions, "SH")
    new_year = date(2025, 1, 1)
    async with sessions() as session:
        session.add_all(
            [
                Holiday(branch_id=None, day=new_year, name="元旦"),  # every branch
                Holiday(branch_id=bj, day=new_year, name="New Year, Beijing"),
                Holiday(branch_id=sh, day=new_year, name="New Year, Shanghai"),
                Holiday(branch_id=bj, day=date(2025, 1, 2), name="Stocktaking"),
            ]
        )
        await session.commit()
    await _refused(sessions, Holiday(branch_id=bj, day=new_year, name="again"))
    # NULL branch ids are distinct in a unique constraint: a partial unique index covers them.
    await _refused(sessions, Holiday(branch_id=None, day=new_year, name="again, every branch"))
    async with sessions() as session:
        days = await session.scalars(
            select(Holiday.day).where(Holiday.branch_id.is_(None) | (Holiday.branch_id == bj))
        )
        assert sorted(days) == [new_year, new_year, date(2025, 1, 2)]


# IVR steps


async def test_ivr_step_seq_unique_per_call(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add_all(
            [
                _step(1, state="greeting"),
                _step(2, state="card", keys="1100001", prompt="ask-card"),
                _step(1, linkedid="1700000000.2"),  # another call
                _step(1, pbx_server="branch-bj"),  # the same linkedid on another PBX
            ]
        )
        await session.commit()
    await _refused(sessions, _step(2, state="pin", keys="****"))
    async with sessions() as session:
        steps = list(
            await session.scalars(
                select(IvrStep)
                .where(IvrStep.pbx_server == "local", IvrStep.linkedid == "1700000000.1")
                .order_by(IvrStep.seq)
            )
        )
    assert [(s.seq, s.state, s.keys, s.prompt) for s in steps] == [
        (1, "greeting", "", None),  # keys default to ""
        (2, "card", "1100001", "ask-card"),
    ]
    assert steps[0].pbx_server == "local"
    assert steps[0].entered_at == T0 and steps[0].entered_at.tzinfo is UTC


async def test_naive_step_time_is_refused(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add(_step(1, entered_at=datetime(2025, 1, 6, 9, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            await session.commit()


# Voicemails


async def test_voicemail_round_trip(sessions: Sessions) -> None:
    branch_id = await _branch(sessions)
    retailer_id = await _retailer(sessions)
    async with sessions() as session:
        session.add_all(
            [
                Voicemail(
                    linkedid="1700000000.5",
                    retailer_id=retailer_id,
                    branch_id=branch_id,
                    card_number="1100001",
                    caller_number="13800000001",
                    business_type="order",
                    recorded_at=datetime(2025, 1, 6, 22, 15, tzinfo=BEIJING),
                    duration_ms=12_500,
                    path="/var/spool/hotline/voicemail/1700000000.5.wav",
                    size_bytes=200_044,
                ),
                Voicemail(  # an unknown caller: nothing but the number
                    linkedid="1700000000.6",
                    caller_number="",
                    recorded_at=datetime(2025, 1, 6, 14, 20, tzinfo=UTC),
                    duration_ms=3_000,
                    path="/var/spool/hotline/voicemail/1700000000.6.wav",
                    size_bytes=48_044,
                ),
            ]
        )
        await session.commit()
    async with sessions() as session:
        unhandled = list(
            await session.scalars(
                select(Voicemail).where(Voicemail.handled_at.is_(None)).order_by(Voicemail.id)
            )
        )
        assert [v.linkedid for v in unhandled] == ["1700000000.5", "1700000000.6"]
        first = unhandled[0]
        assert first.pbx_server == "local"
        assert first.recorded_at == datetime(2025, 1, 6, 14, 15, tzinfo=UTC)
        assert first.recorded_at.tzinfo is UTC
        assert unhandled[1].retailer_id is None and unhandled[1].branch_id is None
        first.handled_at = datetime(2025, 1, 7, 9, 5, tzinfo=BEIJING)
        first.handled_by = "8001"
        first.note = "回电已处理 (called back)"
        await session.commit()
    async with sessions() as session:
        handled = await session.get_one(Voicemail, first.id)
        assert handled.handled_at == datetime(2025, 1, 7, 1, 5, tzinfo=UTC)
        assert handled.handled_at.tzinfo is UTC
        assert handled.note == "回电已处理 (called back)"
        assert await session.scalar(
            select(func.count()).select_from(Voicemail).where(Voicemail.handled_at.is_(None))
        ) == 1


# Self-service


async def test_one_lock_row_per_retailer(sessions: Sessions) -> None:
    retailer_id = await _retailer(sessions)
    async with sessions() as session:
        session.add(SelfServiceLock(retailer_id=retailer_id))
        await session.commit()
    await _refused(sessions, SelfServiceLock(retailer_id=retailer_id, failures=1))
    await _refused(sessions, SelfServiceLock(retailer_id=999))  # no such retailer
    async with sessions() as session:
        lock = await session.get_one(SelfServiceLock, retailer_id)
        assert lock.failures == 0 and lock.locked_until is None
        lock.failures = 3
        lock.locked_until = datetime(2025, 1, 6, 9, 30, tzinfo=BEIJING)
        await session.commit()
    async with sessions() as session:
        lock = await session.get_one(SelfServiceLock, retailer_id)
        assert lock.failures == 3
        assert lock.locked_until == datetime(2025, 1, 6, 1, 30, tzinfo=UTC)
        assert lock.locked_until.tzinfo is UTC
        lock.failures = -1
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_locks_and_attempts_write_no_retailer_history(sessions: Sessions) -> None:
    retailer_id = await _retailer(sessions)
    async with sessions() as session:
        assert await _count(session, RetailerHistory) == 1
        session.add_all(
            [
                SelfServiceLock(retailer_id=retailer_id, failures=1),
                SelfServiceAttempt(
                    linkedid="1700000000.7",
                    card_number="1100001",
                    retailer_id=retailer_id,
                    at=T0,
                    success=False,
                    reason="wrong_pin",
                ),
                SelfServiceAttempt(  # a card nobody has: no retailer
                    linkedid="1700000000.7",
                    card_number="9999999",
                    at=T0,
                    success=False,
                    reason="unknown_card",
                ),
                Order(retailer_id=retailer_id, amount=Decimal("10.00")),
            ]
        )
        await session.commit()
    async with sessions() as session:
        lock = await session.get_one(SelfServiceLock, retailer_id)
        lock.failures = 3
        lock.locked_until = T0 + timedelta(minutes=15)
        session.add(
            SelfServiceAttempt(
                linkedid="1700000000.8",
                card_number="1100001",
                retailer_id=retailer_id,
                at=T0 + timedelta(minutes=1),
                success=False,
                reason="locked",
            )
        )
        await session.commit()
    async with sessions() as session:
        assert await _count(session, RetailerHistory) == 1
        retailer = await session.get_one(Retailer, retailer_id)
        assert retailer.version == 1
        attempts = list(
            await session.scalars(select(SelfServiceAttempt).order_by(SelfServiceAttempt.id))
        )
    assert [(a.reason, a.success, a.retailer_id, a.pbx_server) for a in attempts] == [
        ("wrong_pin", False, retailer_id, "local"),
        ("unknown_card", False, None, "local"),
        ("locked", False, retailer_id, "local"),
    ]
    assert all(a.at.tzinfo is UTC for a in attempts)


# Orders


AMOUNTS = [
    Decimal("0.01"),
    Decimal("0.10"),
    Decimal("1234.50"),
    Decimal("19.99"),
    Decimal("0.30"),
    Decimal("9999999999.99"),  # the largest NUMERIC(12, 2)
    Decimal("-5.00"),
]


async def test_order_amounts_round_trip_exactly(sessions: Sessions) -> None:
    retailer_id = await _retailer(sessions)
    async with sessions() as session:
        session.add_all(
            Order(retailer_id=retailer_id, amount=amount, created_at=T0 + timedelta(days=n))
            for n, amount in enumerate(AMOUNTS)
        )
        await session.commit()
    async with sessions() as session:
        amounts = list(await session.scalars(select(Order.amount).order_by(Order.created_at)))
        assert amounts == AMOUNTS
        assert all(type(a) is Decimal for a in amounts)
        assert [str(a) for a in amounts] == [str(a) for a in AMOUNTS]  # two places kept
        # 0.10 + 0.20 is not 0.30 in floating point; equality on the column must still match.
        found = await session.scalar(select(func.count()).where(Order.amount == Decimal("0.30")))
        assert found == 1


async def test_order_defaults_and_recent_first(sessions: Sessions) -> None:
    retailer_id = await _retailer(sessions)
    async with sessions() as session:
        session.add_all(
            [
                Order(retailer_id=retailer_id, amount=Decimal("100.00"), created_at=T0),
                Order(
                    retailer_id=retailer_id,
                    amount=Decimal("250.50"),
                    created_at=T0 + timedelta(days=1),
                    status=OrderStatus.DELIVERED,
                    channel="ivr",
                ),
                Order(retailer_id=retailer_id, amount=Decimal("7.00")),  # created now
            ]
        )
        await session.commit()
    async with sessions() as session:
        orders = list(
            await session.scalars(
                select(Order)
                .where(Order.retailer_id == retailer_id)
                .order_by(desc(Order.created_at))
            )
        )
        assert [o.amount for o in orders] == [Decimal("7.00"), Decimal("250.50"), Decimal("100.00")]
        now, delivered, first = orders
        assert first.status is OrderStatus.SUBMITTED and first.channel == "phone"
        assert delivered.status is OrderStatus.DELIVERED and delivered.channel == "ivr"
        assert first.created_at == datetime(2025, 1, 6, 1, 0, tzinfo=UTC)
        assert now.created_at.tzinfo is UTC
        assert now.created_at > datetime.now(UTC) - timedelta(minutes=5)
        raw = await session.scalar(text(f"SELECT status FROM orders WHERE id = {delivered.id}"))
        assert raw == "delivered"


async def test_order_needs_a_retailer(sessions: Sessions) -> None:
    await _refused(sessions, Order(retailer_id=999, amount=Decimal("1.00")))
