"""The business facts from the raw rows (services.reports.rollup runs them for a range), each
row by the interval of the moment the business reports have always dated it by, as it stands
when rolled:

- an order by when it was placed, with its status now (a later change of status, which stamps
  status_changed_at, rolls its interval again); its lines by product, and its retailer's
  ordering cycle (models.ordering_cycle) by the order day the retailer or its branch has then;
- a refused order (order_refusals) by when it was refused, a row per rule;
- an opinion or consultation by when it was captured: closed or not, and its time to close (from
  capture to its last change once resolved or closed) count there too, so a case that closes
  days later rolls its capture's interval again (its updated_at), as does its first work order;
- a work-order step by when it is due: done on time or late (its done_at rolls it again), or
  still open past its due time, which the roll finds as the time passes (overdue as of the roll;
  how late, counted to the time a report is read)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Branch, Call, Order, OrderRefusal, Retailer, User
from models.opinions import Opinion, OpinionStatus, WorkOrder, WorkOrderStep
from models.ordering_cycle import DEFAULT_TIMEZONE, cycle_at, order_day_of
from models.orders import COUNTED, OrderLine, OrderStatus
from models.reports import (
    OpinionInterval,
    OrderCycleInterval,
    OrderInterval,
    OrderProductInterval,
    RefusalInterval,
    StepInterval,
)
from services.reports.facts import Facts
from services.reports.facts import table_of as _t

COUNTED_STATUSES = frozenset(s.value for s in COUNTED)
CLOSED = frozenset(s.value for s in (OpinionStatus.RESOLVED, OpinionStatus.CLOSED))


def _code(value: Any) -> str:
    """An enum member's value, a text as it is, nothing as ""."""
    return str(getattr(value, "value", value) or "")


async def compute(session: AsyncSession, facts: Facts, start: datetime, end: datetime,
                  now: datetime) -> None:
    await _orders(session, facts, start, end)
    await _refusals(session, facts, start, end)
    await _opinions(session, facts, start, end)
    await _steps(session, facts, start, end, now)


async def _orders(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    o, r, b, c, u, line = (_t(Order), _t(Retailer), _t(Branch), _t(Call), _t(User),
                           _t(OrderLine))
    in_range = (o.c.created_at >= start, o.c.created_at < end)
    orders = await session.execute(
        select(o.c.id, o.c.created_at, o.c.status, o.c.channel, o.c.amount, o.c.retailer_id,
               r.c.branch_id, r.c.order_day, b.c.order_day.label("branch_order_day"),
               b.c.timezone, c.c.queue, u.c.agent_id)
        .join(r, r.c.id == o.c.retailer_id).outerjoin(b, b.c.id == r.c.branch_id)
        .outerjoin(c, c.c.id == o.c.call_id).outerjoin(u, u.c.id == o.c.created_by)
        .where(*in_range))
    counted: dict[int, tuple[datetime, int | None, dict[str, Any], dict[str, Any]]] = {}
    cycles: dict[tuple[int, date], date] = {}
    for row in orders:
        status, at, branch = _code(row.status), row.created_at, row.branch_id
        who = {"queue": row.queue or "", "agent_id": row.agent_id}
        dims = {"channel": row.channel, **who}
        if status not in COUNTED_STATUSES:
            facts.add(OrderInterval, at, branch, dims,
                      rejected=int(status == OrderStatus.REJECTED.value),
                      cancelled=int(status == OrderStatus.CANCELLED.value))
            continue
        amount = Decimal(row.amount or 0)
        facts.add(OrderInterval, at, branch, dims, orders=1, amount=amount)
        zone = row.timezone or DEFAULT_TIMEZONE  # as the ordering rules read the cycle
        day = (row.retailer_id, at.astimezone(ZoneInfo(zone)).date())
        if day not in cycles:
            cycles[day] = cycle_at(at, order_day_of(row.order_day, row.branch_order_day),
                                   zone).first_day
        cycle = {"retailer_id": row.retailer_id, "cycle_day": cycles[day], **who}
        facts.add(OrderCycleInterval, at, branch, cycle, orders=1, amount=amount)
        counted[row.id] = (at, branch, dims, cycle)
    for order_id, product_id, quantity, amount in await session.execute(
            select(line.c.order_id, line.c.product_id, line.c.quantity, line.c.amount)
            .join(o, o.c.id == line.c.order_id).where(*in_range)):
        if order_id not in counted:
            continue
        at, branch, dims, cycle = counted[order_id]
        facts.add(OrderInterval, at, branch, dims, quantity=quantity)
        facts.add(OrderCycleInterval, at, branch, cycle, quantity=quantity)
        facts.add(OrderProductInterval, at, branch,
                  {"product_id": product_id, "queue": dims["queue"], "agent_id": dims["agent_id"]},
                  orders=1, quantity=quantity, amount=Decimal(amount or 0))


async def _refusals(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    f, u = _t(OrderRefusal), _t(User)
    for at, branch, channel, rule, product_id, agent_id in await session.execute(
            select(f.c.at, f.c.branch_id, f.c.channel, f.c.rule, f.c.product_id, u.c.agent_id)
            .outerjoin(u, u.c.id == f.c.user_id).where(f.c.at >= start, f.c.at < end)):
        facts.add(RefusalInterval, at, branch, {"channel": channel, "rule": rule,
                                                "product_id": product_id, "agent_id": agent_id},
                  refusals=1)


async def _opinions(session: AsyncSession, facts: Facts, start: datetime, end: datetime) -> None:
    op, c, u, w = _t(Opinion), _t(Call), _t(User), _t(WorkOrder)
    in_range = (op.c.created_at >= start, op.c.created_at < end)
    with_work_order = set(await session.scalars(
        select(w.c.opinion_id).distinct().join(op, op.c.id == w.c.opinion_id).where(*in_range)))
    for row in await session.execute(
            select(op.c.id, op.c.kind, op.c.subject, op.c.topic, op.c.status, op.c.answer,
                   op.c.created_at, op.c.updated_at, op.c.branch_id, c.c.queue, u.c.agent_id)
            .outerjoin(c, c.c.id == op.c.call_id).outerjoin(u, u.c.id == op.c.captured_by)
            .where(*in_range)):
        closed = _code(row.status) in CLOSED
        facts.add(OpinionInterval, row.created_at, row.branch_id, {
            "kind": _code(row.kind), "subject": _code(row.subject), "topic": _code(row.topic),
            "queue": row.queue or "", "agent_id": row.agent_id},
            received=1, closed=int(closed),
            close_s=(row.updated_at - row.created_at).total_seconds() if closed else 0.0,
            with_work_order=int(row.id in with_work_order),
            answered_on_call=int(bool(row.answer)))


async def _steps(session: AsyncSession, facts: Facts, start: datetime, end: datetime,
                 now: datetime) -> None:
    s, w, op = _t(WorkOrderStep), _t(WorkOrder), _t(Opinion)
    for due_at, done_at, department_id, branch in await session.execute(
            select(s.c.due_at, s.c.done_at, s.c.department_id, op.c.branch_id)
            .join(w, w.c.id == s.c.work_order_id).join(op, op.c.id == w.c.opinion_id)
            .where(s.c.due_at >= start, s.c.due_at < end)):
        dims = {"department_id": department_id}
        if done_at is not None and done_at <= due_at:
            facts.add(StepInterval, due_at, branch, dims, due=1, on_time=1)
        elif done_at is not None:
            facts.add(StepInterval, due_at, branch, dims, due=1, late=1,
                      late_s=(done_at - due_at).total_seconds())
        elif due_at < now:
            facts.add(StepInterval, due_at, branch, dims, due=1, overdue=1,
                      overdue_due_s=due_at.timestamp())
        else:
            facts.add(StepInterval, due_at, branch, dims, due=1)
