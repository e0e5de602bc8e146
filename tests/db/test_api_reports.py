"""The business reports over the API on SQLite and PostgreSQL: figures of known orders, opinions,
consultations and work-order steps, each row on its branch's local day; a branch's supervisor
sees their branch only; every bad question a 422 naming its field and rule; CSV and XLSX in
the reader's language. The reports read the business facts the roll-up keeps: refused orders
are counted by rule, a rebuilt day gives the same figures, a late change updates its day."""
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from models import Branch, Order, OrderRefusal, OrderStatus, Retailer, Role, User
from models.catalogue import Product
from models.opinions import (
    ConsultationTopic,
    Department,
    Opinion,
    OpinionKind,
    OpinionSource,
    OpinionStatus,
    OpinionSubject,
    WorkOrder,
    WorkOrderStep,
)
from models.orders import OrderLine
from models.reports import DAY_SUMS, OpinionInterval, OrderInterval, StepInterval
from models.security import hash_pin
from services.demo import DEMO_PASSWORD
from services.reports.rollup import rebuild_day, roll
from tests.db.conftest import login

pytestmark = pytest.mark.db

WEEK = {"since": "2025-03-03", "until": "2025-03-09"}  # Monday to Sunday, far from the demo's


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
async def seeded(api, sessions) -> dict:
    """Known rows of the week of 2025-03-03 (Beijing and Shanghai keep UTC+8), a few just
    outside it, and a supervisor of Beijing."""
    async with sessions() as s, s.begin():
        card = {r.card_number: r for r in await s.scalars(select(Retailer))}
        product = {p.name: p for p in await s.scalars(select(Product))}
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        ops = await s.scalar(select(User).where(User.username == "ops"))
        s.add(User(username="bj-supervisor", password_hash=hash_pin(DEMO_PASSWORD),
                   role=Role.SUPERVISOR, branch=bj))

        def order(retailer: str, at: datetime, channel: str, status: OrderStatus,
                  *lines: tuple[str, int]) -> None:
            rows = [OrderLine(product_id=product[name].id, quantity=n,
                              unit_price=product[name].unit_price,
                              amount=product[name].unit_price * n) for name, n in lines]
            s.add(Order(retailer_id=card[retailer].id, created_at=at, channel=channel,
                        status=status, amount=sum(x.amount for x in rows), lines=rows))
        order("110100001", utc(3, 2), "phone", OrderStatus.ACCEPTED, ("中华（硬）", 2),
              ("玉溪（软）", 3))  # Monday 10:00 in Beijing: 900 + 690
        order("110100002", utc(3, 16, 30), "ivr", OrderStatus.ACCEPTED,
              ("中华（硬）", 1))  # Tuesday 00:30 in Beijing
        order("310100001", utc(5, 3), "web", OrderStatus.DELIVERED, ("玉溪（软）", 10))
        order("110100001", utc(6, 3), "phone", OrderStatus.CANCELLED, ("中华（硬）", 5))
        order("110100001", utc(2, 15, 59), "phone", OrderStatus.ACCEPTED,
              ("中华（硬）", 1))  # Sunday 23:59 in Beijing: the week before
        order("110100001", utc(9, 16), "phone", OrderStatus.ACCEPTED,
              ("中华（硬）", 1))  # Monday 00:00 in Beijing: the week after

        department = Department(code="logistics-test", name="物流部")

        def opinion(kind: OpinionKind, subject: OpinionSubject, branch: Branch | None,
                    at: datetime, status: OpinionStatus = OpinionStatus.OPEN,
                    closed_after: timedelta | None = None, **more) -> Opinion:
            row = Opinion(kind=kind, subject=subject, source=OpinionSource.RETAILER,
                          text="…", captured_by=ops.id, branch_id=branch.id if branch else None,
                          status=status, created_at=at,
                          updated_at=at + (closed_after or timedelta(0)), **more)
            s.add(row)
            return row
        sh = await s.scalar(select(Branch).where(Branch.code == "SH"))
        complaint = opinion(OpinionKind.COMPLAINT, OpinionSubject.LOGISTICS, bj, utc(4, 2),
                            OpinionStatus.RESOLVED, timedelta(hours=6))
        opinion(OpinionKind.SUGGESTION, OpinionSubject.COMMERCE, bj, utc(5, 2))
        opinion(OpinionKind.PRAISE, OpinionSubject.LOGISTICS, sh, utc(5, 2),
                OpinionStatus.CLOSED, timedelta(hours=2))
        opinion(OpinionKind.CONSULTATION, OpinionSubject.COMMERCE, bj, utc(4, 3),
                topic=ConsultationTopic.PRODUCT, answer="在售")
        opinion(OpinionKind.CONSULTATION, OpinionSubject.COMMERCE, bj, utc(4, 4),
                topic=ConsultationTopic.PRODUCT)
        await s.flush()
        s.add(WorkOrder(opinion_id=complaint.id, department=department, created_by=ops.id,
                        created_at=utc(4, 2), steps=[
            WorkOrderStep(step_no=1, department=department, description="查", due_at=utc(4, 2),
                          done_at=utc(4, 4)),  # two hours late
            WorkOrderStep(step_no=2, department=department, description="送", due_at=utc(5, 2)),
            WorkOrderStep(step_no=3, department=department, description="回", due_at=utc(6, 2),
                          done_at=utc(6, 1))]))
    await rolled(sessions)
    return {"ops": await login(api, "ops"), "bj": await login(api, "bj-supervisor")}


async def rolled(sessions) -> None:
    """The raw rows rolled into the facts the reports read, as the engine's roll-up would."""
    async with sessions() as s:
        await roll(s, datetime.now(UTC))


async def report(api, headers, name, **params):
    reply = await api.get(f"/reports/{name}", headers=headers, params={**WEEK, **params})
    assert reply.status_code == 200, reply.text
    return reply.json()


async def test_orders_by_day_branch_and_channel_on_the_branch_s_local_day(api, seeded):
    table = await report(api, seeded["ops"], "orders")
    assert [(r["period"], r["branch"], r["channel"], r["orders"], r["quantity"], r["amount"],
             r["cancelled"]) for r in table["rows"]] == [
        ("2025-03-03", "BJ", "phone", 1, 5, "1590.00", 0),
        ("2025-03-04", "BJ", "ivr", 1, 1, "450.00", 0),
        ("2025-03-05", "SH", "web", 1, 10, "2300.00", 0),
        ("2025-03-06", "BJ", "phone", 0, 0, "0.00", 1)]
    assert table["totals"] == {"orders": 3, "quantity": 16, "amount": "4340.00",
                               "average_amount": "1446.67", "rejected": 0, "cancelled": 1}
    assert [(p["period"], p["orders"]) for p in table["by_period"]] == [
        ("2025-03-03", 1), ("2025-03-04", 1), ("2025-03-05", 1), ("2025-03-06", 0)]
    assert [c["key"] for c in table["columns"]][:3] == ["period", "branch", "channel"]

    weekly = await report(api, seeded["ops"], "orders", group="week")
    assert {(r["period"], r["branch"], r["channel"]) for r in weekly["rows"]} == {
        ("2025-03-03", "BJ", "phone"), ("2025-03-03", "BJ", "ivr"), ("2025-03-03", "SH", "web")}
    hourly = await report(api, seeded["ops"], "orders", group="hour", branch="BJ")
    assert [(r["period"], r["orders"]) for r in hourly["rows"]] == [
        ("2025-03-03 10:00", 1), ("2025-03-04 00:00", 1), ("2025-03-06 11:00", 0)]
    interval = await report(api, seeded["ops"], "orders", group="interval", branch="BJ",
                            until="2025-03-04")
    assert [r["period"] for r in interval["rows"]] == ["2025-03-03 10:00", "2025-03-04 00:30"]


async def test_orders_by_product_and_by_ordering_cycle(api, seeded):
    products = await report(api, seeded["ops"], "orders_by_product", group="week")
    assert [(r["branch"], r["product"], r["orders"], r["quantity"], r["amount"])
            for r in products["rows"]] == [
        ("BJ", "中华（硬）", 2, 3, "1350.00"), ("BJ", "玉溪（软）", 1, 3, "690.00"),
        ("SH", "玉溪（软）", 1, 10, "2300.00")]
    cycles = await report(api, seeded["ops"], "order_cycles")
    assert [(r["cycle"], r["branch"], r["retailers"], r["orders"], r["quantity"])
            for r in cycles["rows"]] == [("2025-03-03", "BJ", 2, 2, 6),
                                         ("2025-03-03", "SH", 1, 1, 10)]
    assert cycles["totals"]["retailers"] == 3


async def test_opinions_consultations_and_steps_by_department(api, seeded):
    opinions = await report(api, seeded["ops"], "opinions", group="week")
    assert [(r["branch"], r["kind"], r["subject"], r["received"], r["closed"], r["open"],
             r["time_to_close"], r["with_work_order"]) for r in opinions["rows"]] == [
        ("BJ", "complaint", "logistics", 1, 1, 0, 6 * 3600, 1),
        ("BJ", "suggestion", "commerce", 1, 0, 1, None, 0),
        ("SH", "praise", "logistics", 1, 1, 0, 2 * 3600, 0)]
    assert opinions["totals"] == {"received": 3, "closed": 2, "open": 1, "closed_share": 0.6667,
                                  "time_to_close": 4 * 3600, "with_work_order": 1}
    consultations = await report(api, seeded["ops"], "consultations", group="week")
    assert [(r["topic"], r["received"], r["answered_on_call"], r["answered_on_call_share"])
            for r in consultations["rows"]] == [("product", 2, 1, 0.5)]
    steps = await report(api, seeded["ops"], "overdue_steps", group="week")
    [row] = steps["rows"]
    assert (row["department"], row["steps_due"], row["done_on_time"], row["done_late"],
            row["overdue_open"]) == ("物流部", 3, 1, 1, 1)
    overdue_for = datetime.now(UTC) - utc(5, 2)
    assert row["average_delay"] >= (2 * 3600 + overdue_for.total_seconds()) / 2 - 60


async def test_a_branch_s_supervisor_sees_their_branch_only(api, seeded):
    table = await report(api, seeded["bj"], "orders", group="week")
    assert {r["branch"] for r in table["rows"]} == {"BJ"}
    assert table["totals"]["amount"] == "2040.00"
    opinions = await report(api, seeded["bj"], "opinions", group="week")
    assert opinions["totals"]["received"] == 2
    reply = await api.get("/reports/orders", headers=seeded["bj"], params={**WEEK,
                                                                           "branch": "SH"})
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["type"] == "rule.unknown_branch"
    assert reply.json()["detail"][0]["loc"] == ["query", "branch"]


async def test_who_may_read_reports_and_what_the_list_says(api, seeded):
    listed = await api.get("/reports", headers=seeded["ops"])
    assert listed.status_code == 200
    orders = next(r for r in listed.json() if r["name"] == "orders")
    assert orders["filters"] == ["agent", "branch", "queue"]
    assert [c["key"] for c in orders["columns"]][:2] == ["branch", "channel"]
    assert {r["name"] for r in listed.json()} >= {
        "orders", "orders_by_product", "order_cycles", "opinions", "consultations",
        "overdue_steps"}
    agent = await login(api, "8001")
    assert (await api.get("/reports", headers=agent)).status_code == 403
    assert (await api.get("/reports/orders", headers=agent)).status_code == 403
    assert (await api.get("/reports/orders")).status_code == 401
    assert (await api.get("/reports")).status_code == 401
    page = await api.get("/reports", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200 and "<html" in page.text


@pytest.mark.parametrize(("params", "loc", "kind"), [
    ({"since": "2025-13-01"}, ["query", "since"], "date_from_datetime_parsing"),
    ({"until": "2025-03-02"}, ["query", "until"], "rule.range_order"),
    ({"group": "interval", "until": "2025-04-03"}, ["query", "until"], "rule.range_too_long"),
    ({"group": "fortnight"}, ["query", "group"], "enum"),
    ({"campaign": "7"}, ["query", "campaign"], "rule.filter_not_applicable"),
    ({"branch": "XX"}, ["query", "branch"], "rule.unknown_branch"),
    ({"format": "pdf"}, ["query", "format"], "literal_error"),
])
async def test_a_bad_question_is_refused_naming_its_field(api, seeded, params, loc, kind):
    reply = await api.get("/reports/orders", headers=seeded["ops"], params={**WEEK, **params})
    assert reply.status_code == 422, reply.text
    [problem] = reply.json()["detail"]
    assert (problem["loc"], problem["type"]) == (loc, kind)
    if kind == "rule.range_too_long":
        assert problem["ctx"] == {"max_days": 31, "group": "interval"}


async def test_an_unknown_report_is_a_404(api, seeded):
    assert (await api.get("/reports/nope", headers=seeded["ops"])).status_code == 404


async def test_csv_in_the_reader_s_language_opens_in_excel(api, seeded):
    reply = await api.get("/reports/opinions", headers=seeded["ops"],
                          params={**WEEK, "group": "week", "format": "csv"})
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    assert reply.content.startswith("\ufeff".encode())
    lines = reply.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "时段,分公司,类型,类别,受理数,已办结,未办结,办结率,平均办结时长,派发工单数"
    assert lines[1] == "2025-03-03,BJ,投诉,物流,1,1,0,100.0%,6:00:00,1"
    assert lines[-1] == "合计,,,,3,2,1,66.7%,4:00:00,1"
    english = await api.get("/reports/opinions", headers=seeded["ops"],
                            params={**WEEK, "group": "week", "format": "csv", "lang": "en"})
    assert english.content.decode("utf-8-sig").splitlines()[0].startswith(
        "Period,Branch,Kind,Subject,Received,Closed,Open,Closed share,Average time to close")


async def test_xlsx_keeps_numbers_with_their_formats(api, seeded):
    reply = await api.get("/reports/opinions", headers=seeded["ops"],
                          params={**WEEK, "group": "week", "format": "xlsx"})
    assert reply.status_code == 200
    sheet = load_workbook(io.BytesIO(reply.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("时段", "分公司", "类型", "类别", "受理数")
    first = sheet["I2"]  # the time to close of the first row
    # a fraction of a day shown as a duration (openpyxl reads such a cell as a timedelta)
    assert first.value == timedelta(hours=6) and first.number_format == "[h]:mm:ss"
    assert sheet["H2"].value == 1 and sheet["H2"].number_format == "0.0%"
    assert rows[-1][:1] == ("合计",) and rows[-1][4:7] == (3, 2, 1)
    orders = await api.get("/reports/orders", headers=seeded["ops"],
                           params={**WEEK, "format": "xlsx", "lang": "en"})
    sheet = load_workbook(io.BytesIO(orders.content)).active
    assert [c.value for c in sheet[1]][:6] == [
        "Period", "Branch", "Channel", "Orders", "Quantity (cartons)", "Amount (yuan)"]
    assert sheet["C2"].value == "Phone" and sheet["F2"].value == 1590
    assert sheet["F2"].number_format == "#,##0.00"
    assert Decimal(str(sheet["F6"].value)) == Decimal("4340")  # the totals row


@pytest.fixture
def another_report():
    """A report registered as another module would register it: no columns or filters
    declared, every kind of column."""
    from services.reports.query import Column, ColumnKind, ReportTable
    from services.reports.registry import ABOUT, REPORTS, report

    kinds = [Column("period", ColumnKind.PERIOD), Column("queue", ColumnKind.TEXT),
             Column("offered", ColumnKind.COUNT, chart=True),
             Column("asa", ColumnKind.SECONDS), Column("service_level", ColumnKind.RATIO),
             Column("score", ColumnKind.NUMBER)]

    @report("test_queues")
    async def build(session, query, principal):
        return ReportTable("test_queues", kinds, [
            {"period": str(query.since), "queue": "BJ-order", "offered": 12, "asa": 3725,
             "service_level": 0.8125, "score": 4.5}],
            totals={"offered": 12, "asa": 3725, "service_level": 0.8125, "score": 4.5})
    yield
    del REPORTS["test_queues"], ABOUT["test_queues"]


async def test_any_registered_report_is_listed_read_and_exported(api, seeded, another_report):
    listed = {r["name"]: r for r in (await api.get("/reports", headers=seeded["ops"])).json()}
    assert [c["key"] for c in listed["test_queues"]["columns"]] == [
        "period", "queue", "offered", "asa", "service_level", "score"]
    assert listed["test_queues"]["filters"] == [
        "agent", "branch", "business_type", "campaign", "queue"]
    table = await report(api, seeded["ops"], "test_queues", campaign=3, business_type="order")
    assert table["rows"][0]["asa"] == 3725
    csv = await api.get("/reports/test_queues", headers=seeded["ops"],
                        params={**WEEK, "format": "csv", "lang": "en"})
    assert csv.content.decode("utf-8-sig").splitlines()[1] == (
        "2025-03-03,BJ-order,12,1:02:05,81.3%,4.5")
    book = await api.get("/reports/test_queues", headers=seeded["ops"],
                         params={**WEEK, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(book.content)).active
    # the dictionary's words, and its key for a column it has none for yet
    assert [c.value for c in sheet[1]] == ["时段", "队列", "呼入数", "平均应答时长", "服务水平",
                                           "score"]
    assert sheet["D2"].value == timedelta(seconds=3725)
    assert (sheet["E2"].value, sheet["E2"].number_format) == (0.8125, "0.0%")


@pytest.mark.parametrize(("zone", "moments", "periods"), [
    # +05:45: the database sums by the local day or hour, a day beginning at 18:15 UTC
    ("Asia/Kathmandu", [utc(4, 18, 14), utc(4, 18, 15)], {
        "day": ["2025-03-04", "2025-03-05"], "hour": ["2025-03-04 23:00", "2025-03-05 00:00"],
        "interval": ["2025-03-04 23:45", "2025-03-05 00:00"]}),
    # summer time begins on 2025-03-30 in the range: the database sums by UTC quarter-hour
    ("Europe/London", [utc(29, 23, 59), utc(30, 23, 30)], {
        "day": ["2025-03-29", "2025-03-31"], "hour": ["2025-03-29 23:00", "2025-03-31 00:00"],
        "interval": ["2025-03-29 23:45", "2025-03-31 00:30"]}),
])
async def test_a_row_falls_in_its_branch_s_own_period_whatever_its_zone(
        api, seeded, sessions, zone, moments, periods):
    async with sessions() as s, s.begin():
        sh = await s.scalar(select(Branch).where(Branch.code == "SH"))
        sh.timezone = zone
        retailer = await s.scalar(select(Retailer).where(Retailer.card_number == "310100002"))
        for at in moments:
            s.add(Order(retailer_id=retailer.id, created_at=at, channel="ivr",
                        status=OrderStatus.ACCEPTED, amount=Decimal("1.00")))
    await rolled(sessions)
    for grouping, expected in periods.items():
        table = await report(api, seeded["ops"], "orders", group=grouping, branch="SH",
                             since="2025-03-04", until="2025-03-31")
        assert [r["period"] for r in table["rows"] if r["channel"] == "ivr"] == expected


async def test_refused_orders_are_counted_by_rule_and_a_placed_one_is_not(api, seeded, sessions):
    """Orders refused over the API (an agent on the phone) are recorded by rule in their own
    transaction, the order itself not stored; rolled up, the refusals report counts them by
    branch, channel, rule and product, and the orders report the placed order only."""
    async with sessions() as s:
        card = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        product = {p.name: p.id for p in await s.scalars(select(Product))}
        before = await s.scalar(select(func.count()).select_from(Order))
    agent = await login(api, "8001")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    days = {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}
    earlier = (await report(api, seeded["ops"], "orders", group="month", **days))["totals"]

    async def order(retailer: str, *lines: tuple[str, int]) -> int:
        reply = await api.post("/orders", headers=agent, json={
            "retailer_id": card[retailer],
            "lines": [{"product_id": product[name], "quantity": n} for name, n in lines]})
        return reply.status_code
    assert await order("110100001", ("中华（硬）", 51)) == 422  # above the upper limit (A: 50)
    assert await order("110100001", ("中华（硬）", 60), ("利群（新版）", 1)) == 422  # off supply
    assert await order("110100002", ("玉溪（软）", 31)) == 422  # B: 30
    assert await order("110100001", ("中华（硬）", 2)) == 201
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Order)) == before + 1
        refusals = (await s.execute(select(OrderRefusal.attempt, OrderRefusal.rule))).all()
        agent_user = await s.scalar(select(User.id).where(User.username == "8001"))
        assert set(await s.scalars(select(OrderRefusal.user_id))) == {agent_user}
    assert len(refusals) == 4 and len({attempt for attempt, _ in refusals}) == 3
    await rolled(sessions)
    table = await report(api, seeded["ops"], "order_refusals", group="month", **days)
    assert [(r["branch"], r["channel"], r["rule"], r["product"], r["refusals"])
            for r in table["rows"]] == [
        ("BJ", "phone", "product_on_supply", "利群（新版）", 1),
        ("BJ", "phone", "retailer_upper_limit", "中华（硬）", 2),
        ("BJ", "phone", "retailer_upper_limit", "玉溪（软）", 1)]
    assert table["totals"] == {"refusals": 4}
    by_agent = await report(api, seeded["ops"], "order_refusals", agent="8001", **days)
    assert by_agent["totals"] == {"refusals": 4}
    placed = (await report(api, seeded["ops"], "orders", group="month", **days))["totals"]
    assert (placed["orders"], placed["quantity"]) == (earlier["orders"] + 1,
                                                      earlier["quantity"] + 2)
    english = await api.get("/reports/order_refusals", headers=seeded["ops"],
                            params={**days, "group": "month", "format": "csv", "lang": "en"})
    lines = english.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Period,Branch,Channel,Rule broken,Product,Refusals"
    assert lines[1].endswith(",BJ,Phone,Product not on supply in the branch,利群（新版）,1")


BUSINESS = ("orders", "orders_by_product", "order_cycles", "opinions", "consultations",
            "overdue_steps", "order_refusals")


async def business_figures(api, headers) -> dict:
    figures = {}
    for name in BUSINESS:
        for group in ("day", "interval"):
            table = await report(api, headers, name, group=group)
            for step in (table["rows"], [table["totals"]]):
                for row in step:
                    row.pop("average_delay", None)  # grows with the time it is read at
            figures[name, group] = (table["rows"], table["totals"])
    return figures


async def test_rebuilding_the_business_days_gives_the_same_figures(api, seeded, sessions):
    """The business facts rebuilt from the raw rows, day by day, after they were lost, give
    the figures the roll gave; rolling again with nothing new changes nothing."""
    rolled_figures = await business_figures(api, seeded["ops"])
    async with sessions() as s, s.begin():
        for model in (OrderInterval, OpinionInterval, StepInterval):
            await s.execute(delete(model.__table__))
            await s.execute(delete(DAY_SUMS[model]))
    assert await business_figures(api, seeded["ops"]) != rolled_figures
    async with sessions() as s:
        for day in range(1, 12):
            await rebuild_day(s, date(2025, 3, day), datetime.now(UTC))
    assert await business_figures(api, seeded["ops"]) == rolled_figures
    await rolled(sessions)
    assert await business_figures(api, seeded["ops"]) == rolled_figures


async def test_a_late_change_updates_the_interval_it_belongs_to(api, seeded, sessions):
    """An opinion closed days after its capture counts as closed, with its time to close, on
    the day it was captured; a step done late leaves the overdue ones for the late ones; an
    order cancelled later leaves the orders that count, on the day it was placed."""
    async with sessions() as s, s.begin():
        suggestion = await s.scalar(select(Opinion).where(
            Opinion.kind == OpinionKind.SUGGESTION))
        suggestion.status = OpinionStatus.CLOSED  # updated_at: now
        step = await s.scalar(select(WorkOrderStep).where(WorkOrderStep.step_no == 2))
        step.done_at = datetime.now(UTC)
        order = await s.scalar(select(Order).where(Order.channel == "web"))
        order.status, order.status_changed_at = OrderStatus.CANCELLED, datetime.now(UTC)
    async with sessions() as s:
        created, closed = (await s.execute(select(Opinion.created_at, Opinion.updated_at)
                                           .where(Opinion.id == suggestion.id))).one()
    await rolled(sessions)
    opinions = await report(api, seeded["ops"], "opinions")
    row = next(r for r in opinions["rows"] if r["kind"] == "suggestion")
    assert (row["period"], row["closed"], row["open"]) == ("2025-03-05", 1, 0)
    assert row["time_to_close"] == round((closed - created).total_seconds())
    [steps] = (await report(api, seeded["ops"], "overdue_steps", group="week"))["rows"]
    assert (steps["done_late"], steps["overdue_open"], steps["done_on_time"]) == (2, 0, 1)
    orders = await report(api, seeded["ops"], "orders")
    web = next(r for r in orders["rows"] if r["channel"] == "web")
    assert (web["period"], web["orders"], web["cancelled"]) == ("2025-03-05", 0, 1)
    assert orders["totals"]["orders"] == 2
