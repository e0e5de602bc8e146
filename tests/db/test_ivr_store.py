from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from ivr import flow
from ivr.settings import IvrSettings
from ivr.store import IvrStore, StepTiming
from models import (
    Branch,
    BusinessHours,
    Holiday,
    Order,
    Retailer,
    RetailerPhone,
    SelfServiceAttempt,
    utcnow,
)
from models.journal import Journal
from services.demo import opening_now, seed

pytestmark = pytest.mark.db


@pytest.fixture
async def store(sessions):
    await seed(sessions)
    return IvrStore(sessions, Journal(sessions),
                    IvrSettings(pin_failures_before_lock=3, pin_lock_minutes=30))


async def ids(sessions, model, **where):
    async with sessions() as s:
        return await s.scalar(select(model.id).filter_by(**where))


async def recognized(store, caller: str):
    return (await store.caller_facts("9.1", caller))[1]


async def test_a_caller_with_exactly_one_retailer_is_recognized(store, sessions):
    retailer = await recognized(store, "13800010001")
    assert retailer.card_number == "110100001" and retailer.branch_code == "BJ"
    ctx = await store.menu_context("13800010001")
    assert ctx.menu[0] == ("order", "1") and ("operator", "0") in ctx.menu
    assert await recognized(store, "13399999999") is None
    async with sessions() as s, s.begin():  # a shop phone shared by two retailers
        s.add(RetailerPhone(retailer_id=await ids(sessions, Retailer, card_number="110100002"),
                            number="13800010001"))
    assert await recognized(store, "13800010001") is None


async def test_a_call_back_in_the_ivr_numbers_its_steps_after_the_written_and_unwritten(store):
    entry = flow.PathEntry(1, "menu", "1", "ok")
    timing = StepTiming(utcnow(), 900, "welcome")
    assert await store.caller_facts("9.1", "") == (0, None)
    store.keep_path("9.1", 0, [entry, flow.PathEntry(2, "card", "110100001#", "ok")],
                    [timing, timing])
    first, recognized = await store.caller_facts("9.1", "13800010001")
    assert first == 2 and recognized.card_number == "110100001"  # still in the journal
    await store.journal.flush()
    store.keep_path("9.1", 2, [entry], [timing])
    assert (await store.caller_facts("9.1", ""))[0] == 3  # two written, one not
    await store.journal.flush()
    assert (await store.caller_facts("9.1", ""))[0] == 3
    assert (await store.caller_facts("9.2", ""))[0] == 0


async def test_open_branches_follow_hours_and_holidays(store, sessions):
    bj = await ids(sessions, Branch, code="BJ")
    async with sessions() as s, s.begin():
        hours = list(await s.scalars(select(BusinessHours).where(BusinessHours.branch_id == bj)))
        for h in hours:
            await s.delete(h)
        s.add_all(BusinessHours(branch_id=bj, weekday=d, opens=time(0, 0),
                                closes=time(23, 59, 59)) for d in range(7))
    assert "BJ" in (await store.menu_context("1")).open_branches
    async with sessions() as s, s.begin():
        today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
        s.add(Holiday(branch_id=None, day=today, name="national holiday"))
    store._org = None  # the organisation is cached for a few seconds
    ctx = await store.menu_context("1")
    assert not {"BJ", "SH", "HQ"} & ctx.open_branches

    demo = IvrStore(sessions, Journal(sessions), IvrSettings(open_around_the_clock=True))
    assert (await demo.menu_context("1")).open_branches == {"BJ", "SH", "HQ"}  # holiday or not


async def test_three_wrong_pins_lock_and_every_attempt_is_kept(store, sessions):
    rid = await ids(sessions, Retailer, card_number="110100003")
    outcomes = [await store.check_pin(rid, pin, "call-1") for pin in ("1", "2", "3", "1234")]
    assert outcomes == [flow.PinOutcome.WRONG, flow.PinOutcome.WRONG, flow.PinOutcome.LOCKED,
                        flow.PinOutcome.LOCKED]  # even the right PIN, while locked
    assert (await store.lookup_card("110100003")).locked
    async with sessions() as s:
        reasons = list(await s.scalars(select(SelfServiceAttempt.reason)
                                       .order_by(SelfServiceAttempt.id)))
    assert reasons == ["wrong_pin", "wrong_pin", "wrong_pin", "locked"]
    other = await ids(sessions, Retailer, card_number="110100002")
    assert await store.check_pin(other, "1234", "call-2") == flow.PinOutcome.OK


async def test_last_orders_are_dated_in_the_branch_time_zone(store, sessions):
    rid = await ids(sessions, Retailer, card_number="110100003")
    async with sessions() as s, s.begin():  # 20:00 UTC is already the next day in Beijing
        s.add(Order(retailer_id=rid, created_at=datetime(2026, 3, 1, 20, 0, tzinfo=UTC),
                    amount=Decimal("12.30"), status="accepted"))
    [order] = await store.last_orders(rid, 3)
    assert (order.day.isoformat(), order.amount, order.status) == ("2026-03-02",
                                                                  Decimal("12.30"), "accepted")


async def test_the_demo_says_which_branches_are_open_now_and_why(store, sessions):
    bj, sh = await ids(sessions, Branch, code="BJ"), await ids(sessions, Branch, code="SH")
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    async with sessions() as s, s.begin():
        for h in await s.scalars(select(BusinessHours).where(BusinessHours.branch_id == bj)):
            await s.delete(h)
        s.add_all(BusinessHours(branch_id=bj, weekday=d, opens=time(0, 0),
                                closes=time(23, 59, 59)) for d in range(7))
        s.add(Holiday(branch_id=sh, day=today, name="branch outing"))
    bj_line, hq_line, sh_line = await opening_now(sessions)
    assert bj_line.startswith("BJ   open ") and "today 00:00-23:59" in bj_line
    assert hq_line.startswith("HQ   open ") and "today around the clock" in hq_line
    assert sh_line.startswith("SH   closed ") and sh_line.endswith("(holiday)")
    assert all("open (all hours, demo)" in line
               for line in await opening_now(sessions, around_the_clock=True))
