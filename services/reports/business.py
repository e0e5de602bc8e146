"""The business reports (业务报表), from the raw rows: orders by branch and channel, by product
and by ordering cycle; opinions by kind and subject with their time to close; work-order steps
by department (on time, late, overdue), the regular summaries seed 003 asks for; consultations
by topic. A row's branch is its retailer's (an opinion's own branch); its time zone the branch's.

An opinion's time to close is from its capture to its last change once resolved or closed
(a resolved opinion is not changed again). Refused orders are not stored (the review writes
nothing), so no report counts them by rule; a rejected or cancelled order is counted apart."""
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent, Branch, Call, Order, Retailer, User, utcnow
from models.catalogue import Product
from models.opinions import (
    Department,
    Opinion,
    OpinionKind,
    OpinionStatus,
    WorkOrder,
    WorkOrderStep,
)
from models.ordering_cycle import DEFAULT_ORDER_DAY, cycle_at
from models.orders import COUNTED, OrderLine, OrderStatus
from services.principal import Principal
from services.reports.periods import (
    DEFAULT_TIMEZONE,
    Fact,
    Figure,
    bucket,
    distinct,
    epoch,
    ratio,
    roll_up,
    total,
    utc_window,
    zone_offsets,
)
from services.reports.query import Column, ColumnKind, ReportQuery, ReportTable
from services.reports.registry import report

C = ColumnKind
S = TypeVar("S", bound=Select)
CAPTURED = ("branch", "queue", "agent")  # the filters a row captured on a call takes
BRANCH = Column("branch", C.TEXT)
ORDERS = Figure(Column("orders", C.COUNT, chart=True), total("orders"))
QUANTITY = Figure(Column("quantity", C.COUNT, chart=True), total("quantity"))
AMOUNT = Figure(Column("amount", C.MONEY, chart=True), total("amount"))
CLOSED = (OpinionStatus.RESOLVED, OpinionStatus.CLOSED)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _scoped(stmt: S, branch_id: Any, query: ReportQuery, principal: Principal,
            call_id: Any = None, user_id: Any = None) -> S:
    """The rows a principal may see (their branch's, or every one from headquarters) that the
    query's branch, queue and agent filters keep."""
    if not principal.sees_all_branches:
        stmt = stmt.where(branch_id == principal.branch_id)
    if query.branch is not None:
        stmt = stmt.where(Branch.code == query.branch)
    if query.queue is not None and call_id is not None:
        stmt = stmt.where(call_id.in_(select(Call.id).where(Call.queue == query.queue)))
    if query.agent is not None and user_id is not None:
        stmt = stmt.where(user_id.in_(select(User.id).join(Agent, Agent.id == User.agent_id)
                                      .where(Agent.number == query.agent)))
    return stmt


def _orders(session: AsyncSession, query: ReportQuery, principal: Principal,
            offsets: dict[str, int] | None, *extra: Any) -> tuple[Select[Any], Any]:
    """Orders of the range's window, with their branch: (the statement, its bucket column)."""
    q = bucket(Order.created_at, _dialect(session), query.grouping, Branch.timezone, offsets)
    start, end = utc_window(query)
    stmt = (select(q, Branch.timezone, Branch.code, *extra)
            .select_from(Order).join(Retailer, Retailer.id == Order.retailer_id)
            .outerjoin(Branch, Branch.id == Retailer.branch_id)
            .where(Order.created_at >= start, Order.created_at < end))
    return _scoped(stmt, Retailer.branch_id, query, principal, Order.call_id,
                   Order.created_by), q


def _counted(status: Any) -> Any:
    return status.in_([s.value for s in COUNTED])


@report("orders", filters=CAPTURED, columns=(
    BRANCH, Column("channel", C.TEXT, words="channel"), ORDERS.column, QUANTITY.column,
    AMOUNT.column, Column("average_amount", C.MONEY), Column("rejected", C.COUNT),
    Column("cancelled", C.COUNT)))
async def orders(session: AsyncSession, query: ReportQuery, principal: Principal
                 ) -> ReportTable:
    """Orders by branch and channel: those that count (submitted, accepted, delivered), their
    quantity and amount, and the rejected and cancelled ones apart."""
    counted = _counted(Order.status)
    offsets = await zone_offsets(session, query)
    stmt, q = _orders(session, query, principal, offsets, Order.channel,
                      func.count().filter(counted), func.sum(case((counted, Order.amount))),
                      func.count().filter(Order.status == OrderStatus.REJECTED.value),
                      func.count().filter(Order.status == OrderStatus.CANCELLED.value))
    facts = {}
    for quarter_, zone, branch, channel, n, amount, rejected, cancelled in await session.execute(
            stmt.group_by(q, Branch.timezone, Branch.code, Order.channel)):
        facts[(quarter_, zone, branch, channel)] = {
            "orders": n, "amount": amount or 0, "rejected": rejected, "cancelled": cancelled}
    lines, q = _orders(session, query, principal, offsets, Order.channel,
                       func.sum(OrderLine.quantity))
    lines = lines.join(OrderLine, OrderLine.order_id == Order.id).where(counted)
    for quarter_, zone, branch, channel, quantity in await session.execute(
            lines.group_by(q, Branch.timezone, Branch.code, Order.channel)):
        facts[(quarter_, zone, branch, channel)]["quantity"] = quantity or 0
    return roll_up("orders", query, [BRANCH, Column("channel", C.TEXT, words="channel")], [
        ORDERS, QUANTITY, AMOUNT,
        Figure(Column("average_amount", C.MONEY), ratio("amount", "orders")),
        Figure(Column("rejected", C.COUNT), total("rejected")),
        Figure(Column("cancelled", C.COUNT), total("cancelled"))],
        (Fact(k[0], k[1], k[2:], sums) for k, sums in facts.items()))


@report("orders_by_product", filters=CAPTURED, columns=(
    BRANCH, Column("product", C.TEXT), ORDERS.column, QUANTITY.column, AMOUNT.column))
async def orders_by_product(session: AsyncSession, query: ReportQuery, principal: Principal
                            ) -> ReportTable:
    """Each product's orders (that count), quantity and amount, by branch."""
    stmt, q = _orders(session, query, principal, await zone_offsets(session, query),
                      Product.name, func.count(),
                      func.sum(OrderLine.quantity), func.sum(OrderLine.amount))
    stmt = (stmt.join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id).where(_counted(Order.status))
            .group_by(q, Branch.timezone, Branch.code, Product.name))
    return roll_up("orders_by_product", query, [BRANCH, Column("product", C.TEXT)],
                   [ORDERS, QUANTITY, AMOUNT],
                   (Fact(quarter_, zone, (branch, product),
                         {"orders": n, "quantity": quantity, "amount": amount})
                    for quarter_, zone, branch, product, n, quantity, amount
                    in await session.execute(stmt)))


@report("order_cycles", filters=CAPTURED, columns=(
    Column("cycle", C.PERIOD), BRANCH, Column("retailers", C.COUNT, chart=True), ORDERS.column,
    QUANTITY.column, AMOUNT.column))
async def order_cycles(session: AsyncSession, query: ReportQuery, principal: Principal
                       ) -> ReportTable:
    """By ordering cycle (订货周期, a retailer's week from its order day): how many retailers
    ordered, their orders, quantity and amount. The period is the cycle's first day, whatever
    the grouping; a cycle shows the orders of the range's days."""
    order_day = func.coalesce(Retailer.order_day, Branch.order_day, DEFAULT_ORDER_DAY)
    offsets = await zone_offsets(session, query)
    stmt, q = _orders(session, query, principal, offsets, order_day, Retailer.id, func.count(),
                      func.sum(Order.amount))
    stmt = stmt.where(_counted(Order.status)).group_by(
        q, Branch.timezone, Branch.code, order_day, Retailer.id)
    facts: dict[tuple[Any, ...], dict[str, Any]] = {}
    for quarter_, zone, branch, day, retailer, n, amount in await session.execute(stmt):
        facts[(quarter_, zone, branch, day, retailer)] = {
            "orders": n, "amount": amount or 0, "retailers": {retailer}, "quantity": 0}
    lines, q = _orders(session, query, principal, offsets, order_day, Retailer.id,
                       func.sum(OrderLine.quantity))
    lines = (lines.join(OrderLine, OrderLine.order_id == Order.id).where(_counted(Order.status))
             .group_by(q, Branch.timezone, Branch.code, order_day, Retailer.id))
    for quarter_, zone, branch, day, retailer, quantity in await session.execute(lines):
        facts[(quarter_, zone, branch, day, retailer)]["quantity"] = quantity or 0

    def cycle(fact: Fact, at: datetime) -> str:
        return cycle_at(at, fact.tag, fact.timezone or DEFAULT_TIMEZONE).first_day.isoformat()

    return roll_up("order_cycles", query, [BRANCH],
                   [Figure(Column("retailers", C.COUNT, chart=True), distinct("retailers")),
                    ORDERS, QUANTITY, AMOUNT],
                   (Fact(k[0], k[1], (k[2],), sums, tag=k[3]) for k, sums in facts.items()),
                   period=cycle, period_key="cycle")


def _opinions(session: AsyncSession, query: ReportQuery, principal: Principal,
              offsets: dict[str, int] | None, *extra: Any) -> tuple[Select[Any], Any]:
    q = bucket(Opinion.created_at, _dialect(session), query.grouping, Branch.timezone, offsets)
    start, end = utc_window(query)
    stmt = (select(q, Branch.timezone, Branch.code, *extra).select_from(Opinion)
            .outerjoin(Branch, Branch.id == Opinion.branch_id)
            .where(Opinion.created_at >= start, Opinion.created_at < end))
    return _scoped(stmt, Opinion.branch_id, query, principal, Opinion.call_id,
                   Opinion.captured_by), q


def _case_figures(session: AsyncSession) -> tuple[Any, ...]:
    """Received, closed, the seconds they took to close, with a work order, as SQL sums."""
    closed = Opinion.status.in_([s.value for s in CLOSED])
    dialect = _dialect(session)
    took = epoch(Opinion.updated_at, dialect) - epoch(Opinion.created_at, dialect)
    with_work_order = Opinion.id.in_(select(WorkOrder.opinion_id))
    return (func.count(), func.count().filter(closed), func.sum(case((closed, took))),
            func.count().filter(with_work_order))


CASE_FIGURES = [
    Figure(Column("received", C.COUNT, chart=True), total("received")),
    Figure(Column("closed", C.COUNT, chart=True), total("closed")),
    Figure(Column("open", C.COUNT), lambda s: s.get("received", 0) - s.get("closed", 0)),
    Figure(Column("closed_share", C.RATIO), ratio("closed", "received")),
    Figure(Column("time_to_close", C.SECONDS), ratio("close_seconds", "closed")),
    Figure(Column("with_work_order", C.COUNT), total("with_work_order"))]


def _case_sums(received: int, closed: int, seconds: Any, work: int) -> dict[str, Any]:
    return {"received": received, "closed": closed, "close_seconds": float(seconds or 0),
            "with_work_order": work}


@report("opinions", filters=CAPTURED, columns=(
    BRANCH, Column("kind", C.TEXT, words="opinion"), Column("subject", C.TEXT, words="subject"),
    *(f.column for f in CASE_FIGURES)))
async def opinions(session: AsyncSession, query: ReportQuery, principal: Principal
                   ) -> ReportTable:
    """Complaints, suggestions and praise by kind and subject: received, closed (resolved or
    closed) and still open, the average time to close, how many needed a work order."""
    stmt, q = _opinions(session, query, principal, await zone_offsets(session, query),
                        Opinion.kind, Opinion.subject,
                        *_case_figures(session))
    stmt = stmt.where(Opinion.kind != OpinionKind.CONSULTATION.value).group_by(
        q, Branch.timezone, Branch.code, Opinion.kind, Opinion.subject)
    return roll_up("opinions", query, [BRANCH, Column("kind", C.TEXT, words="opinion"),
                                       Column("subject", C.TEXT, words="subject")], CASE_FIGURES,
                   (Fact(quarter_, zone, (branch, str(kind), str(subject)), _case_sums(*figures))
                    for quarter_, zone, branch, kind, subject, *figures
                    in await session.execute(stmt)))


@report("consultations", filters=CAPTURED, columns=(
    BRANCH, Column("topic", C.TEXT, words="topic"), Column("received", C.COUNT, chart=True),
    Column("answered_on_call", C.COUNT, chart=True), Column("answered_on_call_share", C.RATIO),
    *(f.column for f in CASE_FIGURES[1:])))
async def consultations(session: AsyncSession, query: ReportQuery, principal: Principal
                        ) -> ReportTable:
    """Consultations (业务咨询) by topic: received, answered on the call, and as cases."""
    answered = and_(Opinion.answer.is_not(None), Opinion.answer != "")
    stmt, q = _opinions(session, query, principal, await zone_offsets(session, query),
                        Opinion.topic,
                        func.count().filter(answered), *_case_figures(session))
    stmt = stmt.where(Opinion.kind == OpinionKind.CONSULTATION.value).group_by(
        q, Branch.timezone, Branch.code, Opinion.topic)
    topic = Column("topic", C.TEXT, words="topic")
    return roll_up("consultations", query, [BRANCH, topic], [
        CASE_FIGURES[0],
        Figure(Column("answered_on_call", C.COUNT, chart=True), total("answered_on_call")),
        Figure(Column("answered_on_call_share", C.RATIO), ratio("answered_on_call", "received")),
        *CASE_FIGURES[1:]],
        (Fact(quarter_, zone, (branch, str(topic_)), {"answered_on_call": answered_,
                                                       **_case_sums(*figures)})
         for quarter_, zone, branch, topic_, answered_, *figures in await session.execute(stmt)))


STEP_FIGURES = [
    Figure(Column("steps_due", C.COUNT, chart=True), total("due")),
    Figure(Column("done_on_time", C.COUNT, chart=True), total("on_time")),
    Figure(Column("done_late", C.COUNT), total("late")),
    Figure(Column("overdue_open", C.COUNT, chart=True), total("overdue")),
    Figure(Column("on_time_share", C.RATIO), ratio("on_time", "due")),
    Figure(Column("average_delay", C.SECONDS), ratio("delay_seconds", "delayed"))]


@report("overdue_steps", filters=("branch",), columns=(
    BRANCH, Column("department", C.TEXT), *(f.column for f in STEP_FIGURES)))
async def overdue_steps(session: AsyncSession, query: ReportQuery, principal: Principal
                        ) -> ReportTable:
    """Work-order steps by department, by the day they were due: done on time, done late, still
    open past their deadline, and how late the late ones were (done, or until now)."""
    dialect, now = _dialect(session), utcnow()
    q = bucket(WorkOrderStep.due_at, dialect, query.grouping, Branch.timezone,
               await zone_offsets(session, query))
    start, end = utc_window(query)
    late = WorkOrderStep.done_at > WorkOrderStep.due_at
    overdue = and_(WorkOrderStep.done_at.is_(None), WorkOrderStep.due_at < now)
    delay = case((late, epoch(WorkOrderStep.done_at, dialect)),
                 (overdue, int(now.timestamp()))) - epoch(WorkOrderStep.due_at, dialect)
    stmt = (select(q, Branch.timezone, Branch.code, Department.name, func.count(),
                   func.count().filter(WorkOrderStep.done_at <= WorkOrderStep.due_at),
                   func.count().filter(late), func.count().filter(overdue), func.sum(delay))
            .select_from(WorkOrderStep)
            .join(WorkOrder, WorkOrder.id == WorkOrderStep.work_order_id)
            .join(Opinion, Opinion.id == WorkOrder.opinion_id)
            .join(Department, Department.id == WorkOrderStep.department_id)
            .outerjoin(Branch, Branch.id == Opinion.branch_id)
            .where(WorkOrderStep.due_at >= start, WorkOrderStep.due_at < end))
    stmt = _scoped(stmt, Opinion.branch_id, query, principal).group_by(
        q, Branch.timezone, Branch.code, Department.name)
    return roll_up("overdue_steps", query, [BRANCH, Column("department", C.TEXT)], STEP_FIGURES,
                   (Fact(quarter_, zone, (branch, department), {
                       "due": due, "on_time": on_time, "late": late_, "overdue": overdue_,
                       "delayed": late_ + overdue_, "delay_seconds": float(seconds or 0)})
                    for quarter_, zone, branch, department, due, on_time, late_, overdue_, seconds
                    in await session.execute(stmt)))
