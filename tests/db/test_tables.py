from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Agent,
    AgentSkill,
    Branch,
    Call,
    CallDirection,
    CallEvent,
    CallOutcome,
    Retailer,
    RetailerPhone,
    Skill,
)

pytestmark = pytest.mark.db

Sessions = async_sessionmaker[AsyncSession]
BEIJING = timezone(timedelta(hours=8))


def _call(linkedid: str, pbx_server: str = "local", **kwargs: object) -> Call:
    return Call(
        pbx_server=pbx_server,
        linkedid=linkedid,
        uniqueid=linkedid,
        direction=CallDirection.INBOUND,
        caller_number="13800000001",
        dialed_number="12313",
        offered_at=datetime(2025, 1, 1, 20, 0, tzinfo=BEIJING),
        **kwargs,
    )


async def test_card_number_is_unique(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add(Retailer(card_number="1100001", name="A", retailer_class="A"))
        await session.commit()
        session.add(Retailer(card_number="1100001", name="B", retailer_class="B"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_phone_shared_by_retailers_but_once_per_retailer(sessions: Sessions) -> None:
    async with sessions() as session:
        for card in ("1", "2"):
            retailer = Retailer(card_number=card, name=card, retailer_class="A")
            retailer.phones.append(RetailerPhone(number="01088888888"))
            session.add(retailer)
        await session.commit()
        retailer.phones.append(RetailerPhone(number="01088888888"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_call_unique_per_pbx_server(sessions: Sessions) -> None:
    async with sessions() as session:
        session.add_all([_call("1700000000.1"), _call("1700000000.1", pbx_server="branch-bj")])
        await session.commit()
        session.add(_call("1700000000.1"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_datetimes_come_back_aware_utc(sessions: Sessions) -> None:
    async with sessions() as session:
        call = _call("1700000000.2", answered_at=datetime(2025, 1, 1, 12, 0, 5, tzinfo=UTC))
        session.add(call)
        await session.commit()
        call_id = call.id
    async with sessions() as session:
        loaded = await session.get_one(Call, call_id)
        assert loaded.offered_at.tzinfo is UTC
        assert loaded.offered_at == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
        assert loaded.answered_at is not None and loaded.answered_at.tzinfo is UTC
        assert loaded.outcome is CallOutcome.IN_PROGRESS
        # Comparisons against aware values work on both backends (SQLite compares text).
        found = await session.scalar(
            select(Call.id).where(Call.offered_at >= datetime(2025, 1, 1, 19, 59, tzinfo=BEIJING))
        )
        assert found == call_id
        raw = await session.scalar(text(f"SELECT outcome FROM calls WHERE id = {call_id}"))
        assert raw == "in_progress"


async def test_naive_datetime_is_refused(sessions: Sessions) -> None:
    async with sessions() as session:
        call = _call("1700000000.3")
        call.ended_at = datetime(2025, 1, 1, 12, 0)
        session.add(call)
        with pytest.raises(StatementError, match="naive datetime"):
            await session.commit()


async def test_call_events_go_with_their_call(sessions: Sessions) -> None:
    async with sessions() as session:
        call = _call("1700000000.4")
        call.events.append(
            CallEvent(
                at=call.offered_at,
                kind="Newchannel",
                channel="PJSIP/trunk-00000001",
                data={"Exten": "12313", "中文": "零售户"},
            )
        )
        session.add(call)
        await session.commit()
        [event] = await session.scalars(select(CallEvent))
        assert event.data["中文"] == "零售户"
        await session.delete(call)
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(CallEvent)) == 0


async def test_agent_skill_level_is_checked(sessions: Sessions) -> None:
    async with sessions() as session:
        agent = Agent(
            number="8001",
            name="Agent 1",
            branch=Branch(code="HQ", name="Headquarters", is_headquarters=True),
            sip_endpoint="agent8001",
            pin_hash="x",
        )
        agent.skills.append(AgentSkill(skill=Skill(code="order-zh", name="Orders"), level=10))
        session.add(agent)
        await session.commit()
        agent.skills[0].level = 11
        with pytest.raises(IntegrityError):
            await session.commit()
