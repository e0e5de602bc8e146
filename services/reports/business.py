"""The business reports (业务报表), from the business facts (models/reports.py, rolled up by
services/reports/rollup_business.py, which says what is dated when): orders by branch and
channel, by product and by ordering cycle; refused orders by rule; opinions by kind and subject
with their time to close; work-order steps by department (on time, late, overdue), the regular
summaries seed 003 asks for; consultations by topic. A row's branch is its retailer's (an
opinion's own branch); its periods are the branch's local ones (grouping.py).

The queue and agent filters keep the rows captured on a call of that queue, and by the user who
is that agent."""
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import utcnow
from models.catalogue import Product
from models.opinions import Department, OpinionKind
from models.reports import (
    OpinionInterval,
    OrderCycleInterval,
    OrderInterval,
    OrderProductInterval,
    RefusalInterval,
    StepInterval,
)
from services.principal import Principal
from services.reports.grouping import (
    Figure,
    Scope,
    counted,
    resolve,
    share,
    summed,
    sums,
    table,
)
from services.reports.query import Column, ColumnKind, Grouping, ReportQuery, ReportTable
from services.reports.registry import report

C = ColumnKind
CAPTURED = ("branch", "queue", "agent")  # the filters a row captured on a call takes
BRANCH = Column("branch", C.TEXT)
CHANNEL = Column("channel", C.TEXT, words="channel")
PRODUCT = Column("product", C.TEXT)
ORDERS = Figure(Column("orders", C.COUNT, chart=True), summed("orders"))
QUANTITY = Figure(Column("quantity", C.COUNT, chart=True), summed("quantity"))
AMOUNT = Figure(Column("amount", C.MONEY, chart=True), summed("amount"))
CONSULTATION = OpinionKind.CONSULTATION.value


async def _facts(session: AsyncSession, model: Any, query: ReportQuery, principal: Principal,
                 dims: list[str], measures: tuple[str, ...], captured: bool = True,
                 **equal: Any) -> tuple[Scope, dict[tuple[Any, ...], dict[str, Any]]]:
    """The facts' sums by (period, branch id, *dims) the reader may see, through the query's
    filters (the queue and agent ones when the rows were `captured`)."""
    scope = await resolve(session, query, principal)
    if captured and query.queue is not None:
        equal["queue"] = query.queue
    if captured and scope.agent_id is not None:
        equal["agent_id"] = scope.agent_id
    return scope, await sums(session, model.__table__, query, scope, dims, measures, equal)


@report("orders", filters=CAPTURED, columns=(
    BRANCH, CHANNEL, ORDERS.column, QUANTITY.column, AMOUNT.column,
    Column("average_amount", C.MONEY), Column("rejected", C.COUNT),
    Column("cancelled", C.COUNT)))
async def orders(session: AsyncSession, query: ReportQuery, principal: Principal
                 ) -> ReportTable:
    """Orders by branch and channel: those that count (submitted, accepted, delivered), their
    quantity and amount, and the rejected and cancelled ones apart."""
    scope, groups = await _facts(session, OrderInterval, query, principal, ["channel"], (
        "orders", "quantity", "amount", "rejected", "cancelled"))
    return table("orders", [BRANCH, CHANNEL], [
        ORDERS, QUANTITY, AMOUNT,
        Figure(Column("average_amount", C.MONEY), share("amount", "orders")),
        Figure(Column("rejected", C.COUNT), summed("rejected")),
        Figure(Column("cancelled", C.COUNT), summed("cancelled"))],
        ((period, (scope.branch_codes.get(branch), channel), m)
         for (period, branch, channel), m in groups.items()))


@report("orders_by_product", filters=CAPTURED, columns=(
    BRANCH, PRODUCT, ORDERS.column, QUANTITY.column, AMOUNT.column))
async def orders_by_product(session: AsyncSession, query: ReportQuery, principal: Principal
                            ) -> ReportTable:
    """Each product's orders (that count), quantity and amount, by branch."""
    scope, groups = await _facts(session, OrderProductInterval, query, principal,
                                 ["product_id"], ("orders", "quantity", "amount"))
    names = dict((await session.execute(select(Product.id, Product.name))).all())
    return table("orders_by_product", [BRANCH, PRODUCT], [ORDERS, QUANTITY, AMOUNT],
                 ((period, (scope.branch_codes.get(branch), names.get(product, str(product))), m)
                  for (period, branch, product), m in groups.items()))


@report("order_cycles", filters=CAPTURED, columns=(
    Column("cycle", C.PERIOD), BRANCH, Column("retailers", C.COUNT, chart=True), ORDERS.column,
    QUANTITY.column, AMOUNT.column))
async def order_cycles(session: AsyncSession, query: ReportQuery, principal: Principal
                       ) -> ReportTable:
    """By ordering cycle (订货周期, a retailer's week from its order day): how many retailers
    ordered, their orders, quantity and amount. The period is the cycle's first day, whatever
    the grouping; a cycle shows the orders of the range's days."""
    by_day = replace(query, grouping=Grouping.MONTH)  # the day sums: the periods are the cycles
    scope, groups = await _facts(session, OrderCycleInterval, by_day, principal,
                                 ["cycle_day", "retailer_id"], ("orders", "quantity", "amount"))
    return table("order_cycles", [BRANCH], [
        Figure(Column("retailers", C.COUNT, chart=True), counted("retailers")),
        ORDERS, QUANTITY, AMOUNT],
        ((cycle.isoformat(), (scope.branch_codes.get(branch),), m | {"retailers": {retailer}})
         for (_, branch, cycle, retailer), m in groups.items()), period_key="cycle")


RULE = Column("rule", C.TEXT, words="refusal_rule")


@report("order_refusals", filters=("branch", "agent"), columns=(
    BRANCH, CHANNEL, RULE, PRODUCT, Column("refusals", C.COUNT, chart=True)))
async def order_refusals(session: AsyncSession, query: ReportQuery, principal: Principal
                         ) -> ReportTable:
    """Orders the review refused, by branch, channel and the rule they broke (and the line's
    product for a rule of a line): an order that broke two rules counts under each."""
    scope, groups = await _facts(session, RefusalInterval, query, principal,
                                 ["channel", "rule", "product_id"], ("refusals",))
    names = dict((await session.execute(select(Product.id, Product.name))).all())
    return table("order_refusals", [BRANCH, CHANNEL, RULE, PRODUCT],
                 [Figure(Column("refusals", C.COUNT, chart=True), summed("refusals"))],
                 ((period, (scope.branch_codes.get(branch), channel, rule,
                            None if product is None else names.get(product, str(product))), m)
                  for (period, branch, channel, rule, product), m in groups.items()))


CASE_MEASURES = ("received", "closed", "close_s", "with_work_order", "answered_on_call")
CASE_FIGURES = [
    Figure(Column("received", C.COUNT, chart=True), summed("received")),
    Figure(Column("closed", C.COUNT, chart=True), summed("closed")),
    Figure(Column("open", C.COUNT), lambda s: s.get("received", 0) - s.get("closed", 0)),
    Figure(Column("closed_share", C.RATIO), share("closed", "received")),
    Figure(Column("time_to_close", C.SECONDS), share("close_s", "closed")),
    Figure(Column("with_work_order", C.COUNT), summed("with_work_order"))]
KIND = Column("kind", C.TEXT, words="opinion")
SUBJECT = Column("subject", C.TEXT, words="subject")
TOPIC = Column("topic", C.TEXT, words="topic")


@report("opinions", filters=CAPTURED, columns=(
    BRANCH, KIND, SUBJECT, *(f.column for f in CASE_FIGURES)))
async def opinions(session: AsyncSession, query: ReportQuery, principal: Principal
                   ) -> ReportTable:
    """Complaints, suggestions and praise by kind and subject: received, closed (resolved or
    closed) and still open, the average time to close, how many needed a work order."""
    scope, groups = await _facts(session, OpinionInterval, query, principal,
                                 ["kind", "subject"], CASE_MEASURES)
    return table("opinions", [BRANCH, KIND, SUBJECT], CASE_FIGURES,
                 ((period, (scope.branch_codes.get(branch), kind, subject), m)
                  for (period, branch, kind, subject), m in groups.items()
                  if kind != CONSULTATION))


@report("consultations", filters=CAPTURED, columns=(
    BRANCH, TOPIC, Column("received", C.COUNT, chart=True),
    Column("answered_on_call", C.COUNT, chart=True), Column("answered_on_call_share", C.RATIO),
    *(f.column for f in CASE_FIGURES[1:])))
async def consultations(session: AsyncSession, query: ReportQuery, principal: Principal
                        ) -> ReportTable:
    """Consultations (业务咨询) by topic: received, answered on the call, and as cases."""
    scope, groups = await _facts(session, OpinionInterval, query, principal, ["topic"],
                                 CASE_MEASURES, kind=CONSULTATION)
    return table("consultations", [BRANCH, TOPIC], [
        CASE_FIGURES[0],
        Figure(Column("answered_on_call", C.COUNT, chart=True), summed("answered_on_call")),
        Figure(Column("answered_on_call_share", C.RATIO),
               share("answered_on_call", "received")),
        *CASE_FIGURES[1:]],
        ((period, (scope.branch_codes.get(branch), topic), m)
         for (period, branch, topic), m in groups.items()))


STEP_FIGURES = [
    Figure(Column("steps_due", C.COUNT, chart=True), summed("due")),
    Figure(Column("done_on_time", C.COUNT, chart=True), summed("on_time")),
    Figure(Column("done_late", C.COUNT), summed("late")),
    Figure(Column("overdue_open", C.COUNT, chart=True), summed("overdue")),
    Figure(Column("on_time_share", C.RATIO), share("on_time", "due")),
    Figure(Column("average_delay", C.SECONDS), share("delay_s", "delayed"))]
DEPARTMENT = Column("department", C.TEXT)


@report("overdue_steps", filters=("branch",), columns=(
    BRANCH, DEPARTMENT, *(f.column for f in STEP_FIGURES)))
async def overdue_steps(session: AsyncSession, query: ReportQuery, principal: Principal
                        ) -> ReportTable:
    """Work-order steps by department, by the day they were due: done on time, done late, still
    open past their deadline (as of the last roll), and how late the late ones were (done, or
    until now)."""
    scope, groups = await _facts(session, StepInterval, query, principal, ["department_id"], (
        "due", "on_time", "late", "late_s", "overdue", "overdue_due_s"), captured=False)
    names = dict((await session.execute(select(Department.id, Department.name))).all())
    now = utcnow().timestamp()

    def delays(m: dict[str, Any]) -> dict[str, Any]:
        return m | {"delayed": m["late"] + m["overdue"],
                    "delay_s": m["late_s"] + m["overdue"] * now - m["overdue_due_s"]}

    return table("overdue_steps", [BRANCH, DEPARTMENT], STEP_FIGURES,
                 ((period, (scope.branch_codes.get(branch), names.get(department)), delays(m))
                  for (period, branch, department), m in groups.items()))
