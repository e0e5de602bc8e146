"""A retailer's limits hold over its ordering cycle, on SQLite and PostgreSQL: the orders of a cycle
count together whatever their channel (not the cancelled nor the rejected), a refusal names the
rule with what was ordered and what is left, the next cycle starts afresh at midnight of the order
day in the branch's time zone, a retailer's own order day overrides its branch's, the order form's
allowance says it all beforehand, and the IVR's self-service counts as the review does."""
import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ivr.settings import IvrSettings
from ivr.store import IvrStore
from models import Branch, Order, Retailer
from models.catalogue import Product
from models.journal import Journal
from models.orders import OrderChannel
from services import ordering
from services.errors import Refused
from services.ordering import Line
from tests.db.conftest import login

pytestmark = pytest.mark.db

# Wednesday 9 December 2026, 10:00 in Beijing; the demo's branches order on Mondays
WEDNESDAY = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)
SUNDAY_LATE = datetime(2026, 12, 13, 15, 30, tzinfo=UTC)  # 23:30 in Beijing
MONDAY_EARLY = datetime(2026, 12, 13, 16, 30, tzinfo=UTC)  # 00:30 on Monday 14 in Beijing


@pytest.fixture
async def ids(api, sessions) -> dict:
    async with sessions() as s:
        retailers = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        products = {p.name: p.id for p in await s.scalars(select(Product))}
    return {"bj": retailers["110100001"], "bj_b": retailers["110100002"],
            "yuxi": products["玉溪（软）"], "zhonghua": products["中华（硬）"],
            "liqun": products["利群（新版）"]}


async def place(sessions, retailer_id: int, product_id: int, quantity: int,
                now: datetime | None = None, channel: OrderChannel = OrderChannel.PHONE) -> Order:
    async with sessions() as s:
        retailer = await s.get(Retailer, retailer_id)
        return await ordering.place(s, retailer, [Line(product_id, quantity)], channel=channel,
                                    now=now)


async def refused(sessions, *args, **kw) -> dict:
    with pytest.raises(Refused) as refusal:
        await place(sessions, *args, **kw)
    [problem] = refusal.value.detail
    return problem


async def orders(sessions) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count()).select_from(Order))


def order_of(ids, product: str, quantity: int) -> dict:
    return {"retailer_id": ids["bj"], "lines": [{"product_id": ids[product],
                                                 "quantity": quantity}]}


async def test_three_orders_of_50_in_one_cycle_only_the_first_is_accepted(api, ids, sessions):
    agent = await login(api, "8001")  # 朝阳便利店 is of class A: at most 50 of a product
    before = await orders(sessions)
    first = await api.post("/orders", headers=agent, json=order_of(ids, "yuxi", 50))
    assert first.status_code == 201, first.text
    for _ in range(2):
        again = await api.post("/orders", headers=agent, json=order_of(ids, "yuxi", 50))
        assert again.status_code == 422
        [problem] = again.json()["detail"]
        assert problem["type"] == "rule.retailer_upper_limit"
        assert problem["loc"] == ["body", "lines", 0, "quantity"]
        ctx = problem["ctx"]
        assert {k: ctx[k] for k in ("limit", "ordered", "allowance", "product")} == {
            "limit": 50, "ordered": 50, "allowance": 0, "product": "玉溪（软）"}
        start, end = date.fromisoformat(ctx["cycle_start"]), date.fromisoformat(ctx["cycle_end"])
        assert start.weekday() == 0 and end - start == timedelta(days=6)  # Monday to Sunday
        assert "at most 50" in problem["msg"] and "0 left" in problem["msg"]
    assert await orders(sessions) == before + 1

    allowance = (await api.get("/orders/allowance", params={"retailer_id": ids["bj"]},
                               headers=agent)).json()
    products = {p["product"]: p for p in allowance["products"]}
    assert {k: products["玉溪（软）"][k] for k in ("ordered", "allowance", "max_quantity",
                                                 "min_quantity", "on_supply")} == {
        "ordered": 50, "allowance": 0, "max_quantity": 50, "min_quantity": 1, "on_supply": True}
    assert (products["中华（硬）"]["ordered"], products["中华（硬）"]["allowance"]) == (0, 50)
    assert products["利群（新版）"]["on_supply"] is False  # not in BJ
    cycle = allowance["cycle"]
    assert cycle["order_day"] == "mon" and cycle["timezone"] == "Asia/Shanghai"
    assert (cycle["first_day"], cycle["last_day"]) == (ctx["cycle_start"], ctx["cycle_end"])

    # a cancelled order counts no more: its 50 may be ordered again
    cancelled = await api.post(f"/orders/{first.json()['id']}/status", headers=agent,
                               json={"status": "cancelled"})
    assert cancelled.status_code == 200
    assert (await api.post("/orders", headers=agent,
                           json=order_of(ids, "yuxi", 50))).status_code == 201


async def test_the_next_cycle_starts_afresh_at_midnight_of_the_order_day(api, ids, sessions):
    await place(sessions, ids["bj"], ids["yuxi"], 50, WEDNESDAY)
    problem = await refused(sessions, ids["bj"], ids["yuxi"], 50, SUNDAY_LATE)
    assert problem["type"] == "rule.retailer_upper_limit"
    assert (problem["ctx"]["cycle_start"], problem["ctx"]["cycle_end"]) == ("2026-12-07",
                                                                          "2026-12-13")
    order = await place(sessions, ids["bj"], ids["yuxi"], 50, MONDAY_EARLY)  # a new cycle
    assert order.created_at == MONDAY_EARLY
    problem = await refused(sessions, ids["bj"], ids["yuxi"], 1, MONDAY_EARLY + timedelta(days=6))
    assert (problem["ctx"]["ordered"], problem["ctx"]["cycle_start"]) == (50, "2026-12-14")


async def test_every_channel_counts_and_goes_through_the_same_review(api, ids, sessions):
    ivr = await place(sessions, ids["bj"], ids["zhonghua"], 30, channel=OrderChannel.IVR)
    assert (ivr.channel, ivr.status) == ("ivr", "accepted")
    reply = await api.post("/orders", headers=await login(api, "8001"),
                           json=order_of(ids, "zhonghua", 30))
    [problem] = reply.json()["detail"]
    assert (problem["ctx"]["ordered"], problem["ctx"]["allowance"]) == (30, 20)
    problem = await refused(sessions, ids["bj"], ids["zhonghua"], 21, channel=OrderChannel.WEB)
    assert problem["type"] == "rule.retailer_upper_limit"
    before = await orders(sessions)
    await refused(sessions, ids["bj"], ids["liqun"], 1, channel=OrderChannel.WEB)  # not on supply
    assert await orders(sessions) == before


async def test_the_lower_limit_is_reached_by_the_first_order_and_topped_up_by_any(api, ids,
                                                                                  sessions):
    ops = await login(api, "ops")
    assert (await api.put("/orders/limits", headers=ops, json={
        "retailer_id": ids["bj"], "product_id": ids["zhonghua"], "min_quantity": 10,
        "max_quantity": 50})).status_code == 200
    problem = await refused(sessions, ids["bj"], ids["zhonghua"], 5, WEDNESDAY)
    assert problem["type"] == "rule.retailer_lower_limit"
    assert {k: problem["ctx"][k] for k in ("limit", "ordered", "allowance")} == {
        "limit": 10, "ordered": 0, "allowance": 50}
    await place(sessions, ids["bj"], ids["zhonghua"], 10, WEDNESDAY)
    await place(sessions, ids["bj"], ids["zhonghua"], 2, WEDNESDAY)  # the cycle holds 10 already
    problem = await refused(sessions, ids["bj"], ids["zhonghua"], 5, MONDAY_EARLY)  # afresh
    assert (problem["type"], problem["ctx"]["ordered"]) == ("rule.retailer_lower_limit", 0)


async def test_a_retailers_own_order_day_overrides_its_branchs(api, ids, sessions):
    admin = await login(api, "admin")
    branch = await api.patch("/branches/BJ", headers=admin, json={"order_day": "mon"})
    assert branch.status_code == 200 and branch.json()["order_day"] == "mon"
    retailer = (await api.get(f"/retailers/{ids['bj']}", headers=admin)).json()
    assert retailer["order_day"] is None  # its branch's
    thursday = await api.patch(f"/retailers/{ids['bj']}", headers=admin,
                               json={"version": retailer["version"], "order_day": "thu"})
    assert thursday.status_code == 200, thursday.text
    assert thursday.json()["order_day"] == "thu"

    # its cycle runs Thursday to Wednesday: Wednesday's 50 and Thursday's 50 are two cycles
    await place(sessions, ids["bj"], ids["yuxi"], 50, WEDNESDAY)
    await place(sessions, ids["bj"], ids["yuxi"], 50, WEDNESDAY + timedelta(days=1))
    # its neighbour keeps the branch's Monday (class B: at most 30)
    await place(sessions, ids["bj_b"], ids["yuxi"], 30, WEDNESDAY)
    problem = await refused(sessions, ids["bj_b"], ids["yuxi"], 30, WEDNESDAY + timedelta(days=1))
    assert problem["ctx"]["cycle_start"] == "2026-12-07"
    cycle = (await api.get("/orders/allowance", params={"retailer_id": ids["bj"]},
                           headers=admin)).json()["cycle"]
    assert cycle["order_day"] == "thu"
    assert date.fromisoformat(cycle["first_day"]).weekday() == 3

    # the branch moves its day; the retailer back on the branch's, which is now Thursday
    assert (await api.patch("/branches/BJ", headers=admin,
                            json={"order_day": "thu"})).json()["order_day"] == "thu"
    cleared = await api.patch(f"/retailers/{ids['bj']}", headers=admin,
                              json={"version": thursday.json()["version"], "order_day": None})
    assert cleared.json()["order_day"] is None
    await place(sessions, ids["bj_b"], ids["yuxi"], 30, WEDNESDAY + timedelta(days=1))

    log = (await api.get("/audit", headers=admin)).json()
    changes = [(e["entity"], e["before"], e["after"]) for e in log
               if "order_day" in (e["after"] or {})]
    assert changes == [("retailer", {"order_day": "thu"}, {"order_day": None}),
                       ("branch", {"order_day": "mon"}, {"order_day": "thu"}),
                       ("retailer", {"order_day": None}, {"order_day": "thu"})]


async def test_an_order_day_is_a_weekday_and_an_administrators_to_set(api, ids, sessions):
    admin, agent = await login(api, "admin"), await login(api, "8001")
    for url, body in (("/branches/BJ", {"order_day": "someday"}),
                      (f"/retailers/{ids['bj']}", {"version": 1, "order_day": "7"})):
        reply = await api.patch(url, headers=admin, json=body)
        assert reply.status_code == 422, reply.text
        assert [(p["type"], p["loc"]) for p in reply.json()["detail"]] == [
            ("rule.not_a_weekday", ["body", "order_day"])]
    made = await api.post("/branches", headers=admin,
                          json={"code": "TJ", "name": "天津分公司", "order_day": "fri"})
    assert made.json()["order_day"] == "fri"
    by_agent = await api.patch(f"/retailers/{ids['bj']}", headers=agent,
                               json={"version": 1, "order_day": "thu"})
    assert by_agent.status_code == 403
    assert by_agent.json()["detail"][0]["type"] == "rule.administrators_only"
    async with sessions() as s:
        assert (await s.get(Retailer, ids["bj"])).order_day is None
        assert await s.scalar(select(Branch.order_day).where(Branch.code == "BJ")) == 0


async def test_two_orders_at_once_one_is_accepted_and_the_other_counts_it(api, ids, sessions):
    results = await asyncio.gather(*(place(sessions, ids["bj"], ids["yuxi"], 30)
                                     for _ in range(2)), return_exceptions=True)
    accepted = [r for r in results if isinstance(r, Order)]
    [refusal] = [r for r in results if isinstance(r, Refused)]
    assert len(accepted) == 1
    assert (refusal.detail[0]["type"], refusal.detail[0]["ctx"]["ordered"]) == (
        "rule.retailer_upper_limit", 30)


async def test_the_self_service_tells_what_the_review_counts(api, ids, sessions):
    store = IvrStore(sessions, Journal(sessions), IvrSettings(), "local")
    nothing = await store.allowance(ids["bj"], WEDNESDAY)
    assert (nothing.last_day, nothing.ordered, nothing.left) == (date(2026, 12, 13), 0, None)
    await place(sessions, ids["bj"], ids["yuxi"], 20, WEDNESDAY)
    await place(sessions, ids["bj"], ids["zhonghua"], 45, WEDNESDAY)
    cancelled = await place(sessions, ids["bj"], ids["zhonghua"], 1, WEDNESDAY)
    async with sessions() as s, s.begin():
        (await s.get(Order, cancelled.id)).status = "cancelled"
    told = await store.allowance(ids["bj"], WEDNESDAY)
    assert (told.ordered, told.left) == (65, 30 + 5)
    assert (await store.allowance(ids["bj"], MONDAY_EARLY)).ordered == 0
