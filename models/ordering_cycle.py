"""The ordering cycle (订货周期): a retailer's lower and upper limits (上下限, models.catalogue
OrderLimit) hold over one cycle, from its weekly order day to the next, midnight to midnight in its
branch's time zone. The order day is the retailer's own (Retailer.order_day) or else its branch's
(Branch.order_day). What counts in a cycle is every order of the retailer created in it that is
not cancelled or rejected, whatever its channel.

The order review (services.ordering) and the IVR's self-service (ivr.store) both read the cycle
here, so they count the same orders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.orders import COUNTED, Order, OrderLine
from models.org import Branch
from models.retailers import Retailer

DEFAULT_ORDER_DAY = 0  # Monday: a retailer of no branch that has no order day of its own
DEFAULT_TIMEZONE = "Asia/Shanghai"
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Cycle:
    order_day: int  # 0 = Monday .. 6 = Sunday
    timezone: str
    first_day: date  # the order day it starts on, in its time zone
    starts_at: datetime  # UTC, included: the first day's midnight in the time zone
    ends_at: datetime  # UTC, excluded: the next order day's midnight

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=6)

    def said(self) -> dict[str, str]:
        """Its days as a refusal's ctx and the API say them (the last day included)."""
        return {"cycle_start": self.first_day.isoformat(), "cycle_end": self.last_day.isoformat()}


def cycle_at(now: datetime, order_day: int, timezone: str) -> Cycle:
    """The cycle `now` falls in."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=(today.weekday() - order_day) % 7)
    return Cycle(order_day, timezone, first, _midnight(first, zone), _midnight(first + WEEK, zone))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


async def retailer_cycle(session: AsyncSession, retailer_id: int, now: datetime,
                         lock: bool = False) -> Cycle:
    """`lock`: the retailer's row is held until the transaction ends (PostgreSQL; SQLite has no
    row locks), so its orders are reviewed one at a time."""
    query = (select(Retailer.order_day, Branch.order_day, Branch.timezone)
             .outerjoin(Branch, Branch.id == Retailer.branch_id)
             .where(Retailer.id == retailer_id))
    if lock:
        query = query.with_for_update(of=Retailer)
    own, branch_day, timezone = (await session.execute(query)).one()
    return cycle_at(now, order_day_of(own, branch_day), timezone or DEFAULT_TIMEZONE)


def order_day_of(own: int | None, branch_day: int | None) -> int:
    """A retailer's order day: its own, else its branch's, else the default."""
    return own if own is not None else branch_day if branch_day is not None else DEFAULT_ORDER_DAY


async def ordered_in(session: AsyncSession, retailer_id: int, cycle: Cycle,
                     product_ids: Iterable[int] | None = None,
                     leaving_out: int | None = None) -> dict[int, int]:
    """product id -> how much of it the retailer's orders of the cycle hold (products it did not
    order are left out); `leaving_out`: an order not to count (the one being reviewed)."""
    query = (select(OrderLine.product_id, func.sum(OrderLine.quantity))
             .join(Order, Order.id == OrderLine.order_id)
             .where(Order.retailer_id == retailer_id, Order.status.in_(COUNTED),
                    Order.created_at >= cycle.starts_at, Order.created_at < cycle.ends_at)
             .group_by(OrderLine.product_id))
    if product_ids is not None:
        query = query.where(OrderLine.product_id.in_(list(product_ids)))
    if leaving_out is not None:
        query = query.where(Order.id != leaving_out)
    return {product: int(total) for product, total in (await session.execute(query)).all()}
