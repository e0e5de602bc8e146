"""Order capture: the review rules as pure code, the one way an order is written (`place`: the
review, then the order in one transaction, whatever its channel; a refused one recorded by rule,
apart), what a retailer may still order in its ordering cycle, and the recent orders the
screen-pop shows.

A retailer's limits hold over its ordering cycle (models.ordering_cycle): the upper limit caps
what all its orders of the cycle hold of a product; the lower limit is the least the cycle's total
of a product is brought to by the order that orders it, a later order of the cycle topping it up
by any amount. Nothing looks at a cycle once it is over, so the lower limit is held when an order
is placed: a first order below it is refused rather than left short in case more comes."""
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from models import Order, OrderRefusal, OrderStatus, Retailer, RetailerStatus, utcnow
from models.catalogue import OrderLimit, Product, ProductSupply
from models.ordering_cycle import Cycle, ordered_in, retailer_cycle
from models.orders import OrderChannel, OrderLine
from services.errors import Refused, Violation

log = logging.getLogger("hotline.ordering")

# status -> the statuses it may move to
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.SUBMITTED: frozenset({OrderStatus.ACCEPTED, OrderStatus.REJECTED,
                                      OrderStatus.CANCELLED}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Line:
    product_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Limit:
    min_quantity: int
    max_quantity: int


@dataclass(frozen=True, slots=True)
class Facts:
    """What the review needs to know, read beforehand."""

    retailer_status: RetailerStatus
    active_products: dict[int, str]  # product id -> name, active products only
    on_supply: frozenset[int]  # product ids on supply in the retailer's branch
    limits: dict[int, Limit]  # product id -> this retailer's limit
    ordered: dict[int, int] = field(default_factory=dict)  # product id -> in the cycle already
    cycle: Cycle | None = None
    prices: dict[int, Decimal] = field(default_factory=dict)  # active products' unit prices


def review(lines: list[Line], facts: Facts) -> list[Violation]:
    """Every rule the order breaks, each naming its field; [] when it may be accepted."""
    broken = []
    if facts.retailer_status != RetailerStatus.ACTIVE:
        broken.append(Violation("retailer_active", ("body", "retailer_id"),
                                f"the retailer is {facts.retailer_status}, not active"))
    seen: set[int] = set()
    for i, line in enumerate(lines):
        where = ("body", "lines", i)
        name = facts.active_products.get(line.product_id)
        if line.product_id in seen:
            broken.append(Violation("product_once", (*where, "product_id"),
                                    f"product {line.product_id} is on an earlier line"))
            continue
        seen.add(line.product_id)
        if name is None:
            broken.append(Violation("product_active", (*where, "product_id"),
                                    f"product {line.product_id} is not in the catalogue"))
            continue
        if line.product_id not in facts.on_supply:
            broken.append(Violation("product_on_supply", (*where, "product_id"),
                                    f"{name} is not on supply in the retailer's branch"))
        limit = facts.limits.get(line.product_id)
        if limit is not None:
            broken += _beyond_limit(line, where, name, limit, facts)
    return broken


def _beyond_limit(line: Line, where: tuple[str | int, ...], name: str, limit: Limit,
                  facts: Facts) -> list[Violation]:
    ordered = facts.ordered.get(line.product_id, 0)
    total = ordered + line.quantity
    ctx: dict[str, Any] = {"product": name, "ordered": ordered,
                           "allowance": max(0, limit.max_quantity - ordered),
                           **(facts.cycle.said() if facts.cycle else {})}
    broken = []
    if total < limit.min_quantity:
        broken.append(Violation(
            "retailer_lower_limit", (*where, "quantity"),
            f"{name}: at least {limit.min_quantity} in the ordering cycle for this retailer "
            f"({ordered} ordered)", {"limit": limit.min_quantity, **ctx}))
    if total > limit.max_quantity:
        broken.append(Violation(
            "retailer_upper_limit", (*where, "quantity"),
            f"{name}: at most {limit.max_quantity} in the ordering cycle for this retailer "
            f"({ordered} ordered, {ctx['allowance']} left)", {"limit": limit.max_quantity, **ctx}))
    return broken


def transition_refused(current: OrderStatus, wanted: OrderStatus) -> Violation | None:
    if wanted in TRANSITIONS[current]:
        return None
    allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing"
    return Violation("status_transition", ("body", "status"),
                     f"a {current} order cannot become {wanted} (it may become {allowed})")


async def read_facts(session: AsyncSession, retailer_status: RetailerStatus,
                     branch_id: int | None, retailer_id: int, product_ids: list[int],
                     cycle: Cycle | None = None) -> Facts:
    """`cycle`: the retailer's ordering cycle, whose orders count towards its limits."""
    products = (await session.execute(select(Product.id, Product.name, Product.unit_price).where(
        Product.id.in_(product_ids), Product.active))).all()
    supplied = await session.scalars(select(ProductSupply.product_id).where(
        ProductSupply.branch_id == branch_id, ProductSupply.on_supply,
        ProductSupply.product_id.in_(product_ids)))
    limits = await session.scalars(select(OrderLimit).where(
        OrderLimit.retailer_id == retailer_id, OrderLimit.product_id.in_(product_ids)))
    ordered = (await ordered_in(session, retailer_id, cycle, product_ids)
               if cycle is not None else {})
    return Facts(retailer_status, {p: name for p, name, _ in products}, frozenset(supplied),
                 {lim.product_id: Limit(lim.min_quantity, lim.max_quantity) for lim in limits},
                 ordered, cycle, {p: price for p, _, price in products})


async def place(session: AsyncSession, retailer: Retailer, lines: list[Line], *,
                channel: OrderChannel, created_by: int | None = None,
                call_id: int | None = None, note: str | None = None,
                refused: Sequence[Violation] = (), now: datetime | None = None) -> Order:
    """The one way an order is written, whatever its channel: accepted and committed when it
    passes every review rule in the retailer's ordering cycle at `now`; otherwise Refused naming
    each broken rule (and the caller's own `refused`, listed after them): nothing of the order is
    written, the session's transaction is rolled back, and the refusal is recorded by rule in a
    transaction of its own (`record_refusal`)."""
    now = now or utcnow()
    product_ids = [x.product_id for x in lines]
    facts = await read_facts(session, retailer.status, retailer.branch_id, retailer.id,
                             product_ids)
    cycle = None
    if facts.limits:  # the cycle's orders count: one order of the retailer at a time
        cycle = await retailer_cycle(session, retailer.id, now, lock=True)
        facts = replace(facts, cycle=cycle,
                        ordered=await ordered_in(session, retailer.id, cycle, facts.limits))
    broken = [*review(lines, facts), *refused]
    if broken:
        await record_refusal(session, retailer, lines, broken, channel, created_by, now)
        raise Refused(broken)
    rows = priced(lines, facts.prices)
    order = Order(retailer_id=retailer.id, created_at=now, status=OrderStatus.ACCEPTED,
                  amount=sum((amount for *_, amount in rows), Decimal(0)), channel=channel,
                  created_by=created_by, call_id=call_id, note=note, status_changed_at=now,
                  lines=[OrderLine(product_id=x.product_id, quantity=x.quantity,
                                   unit_price=price, amount=amount) for x, price, amount in rows])
    session.add(order)
    await session.flush()
    if cycle is not None:
        # SQLite has no row lock but lets one writer in: now that this one holds the write lock,
        # an order of the retailer committed since the cycle was read counts too.
        ordered = await ordered_in(session, retailer.id, cycle, facts.limits,
                                   leaving_out=order.id)
        if ordered != facts.ordered and (broken := review(lines, replace(facts,
                                                                         ordered=ordered))):
            await record_refusal(session, retailer, lines, broken, channel, created_by, now)
            raise Refused(broken)
    await session.commit()
    return order


async def record_refusal(session: AsyncSession, retailer: Retailer, lines: list[Line],
                         broken: Sequence[Violation], channel: OrderChannel,
                         user_id: int | None, now: datetime) -> None:
    """A row per broken rule of a refused order, committed on their own: the session's
    transaction is rolled back first (it holds the retailer's row on PostgreSQL, which the rows'
    foreign key would wait on, and nothing of the order may stay in it). A refusal that cannot be
    recorded is logged, and the order is refused all the same."""
    retailer_id, branch_id = retailer.id, retailer.branch_id
    await session.rollback()
    attempt = uuid.uuid4().hex
    session.add_all(OrderRefusal(
        attempt=attempt, at=now, retailer_id=retailer_id, branch_id=branch_id, channel=channel,
        user_id=user_id, rule=v.rule, product_id=_line_product(v, lines)) for v in broken)
    try:
        await session.commit()
    except SQLAlchemyError:
        log.warning("a refused order of retailer %s was not recorded", retailer_id,
                    exc_info=True)
        await session.rollback()


def _line_product(violation: Violation, lines: list[Line]) -> int | None:
    """The product of the line a rule names (loc body, lines, i, ...), if any."""
    loc = violation.loc
    if len(loc) > 2 and loc[1] == "lines" and isinstance(loc[2], int) and loc[2] < len(lines):
        return lines[loc[2]].product_id
    return None


@dataclass(frozen=True, slots=True)
class ProductAllowance:
    product_id: int
    product: str
    unit: str
    on_supply: bool  # in the retailer's branch
    min_quantity: int | None  # its limits; None: no limit
    max_quantity: int | None
    ordered: int  # in the cycle so far
    allowance: int | None  # what it may still order in the cycle; None: no upper limit


async def allowances(session: AsyncSession, retailer: Retailer, now: datetime | None = None
                     ) -> tuple[Cycle, list[ProductAllowance]]:
    """The retailer's ordering cycle at `now`, and for each product of the catalogue what it
    ordered in the cycle, what it may still order and whether it is on supply: what the order
    form shows before an order is submitted."""
    cycle = await retailer_cycle(session, retailer.id, now or utcnow())
    products = await session.scalars(select(Product).where(Product.active)
                                     .order_by(Product.code))
    supplied = set(await session.scalars(select(ProductSupply.product_id).where(
        ProductSupply.branch_id == retailer.branch_id, ProductSupply.on_supply)))
    limits = {lim.product_id: lim for lim in await session.scalars(
        select(OrderLimit).where(OrderLimit.retailer_id == retailer.id))}
    ordered = await ordered_in(session, retailer.id, cycle)
    out = []
    for p in products:
        limit, done = limits.get(p.id), ordered.get(p.id, 0)
        out.append(ProductAllowance(
            p.id, p.name, p.unit, p.id in supplied, limit.min_quantity if limit else None,
            limit.max_quantity if limit else None, done,
            max(0, limit.max_quantity - done) if limit else None))
    return cycle, out


def priced(lines: list[Line], prices: dict[int, Decimal]) -> list[tuple[Line, Decimal, Decimal]]:
    """(line, unit price, line amount) for each line."""
    return [(line, prices[line.product_id], prices[line.product_id] * line.quantity)
            for line in lines]


class LineOut(BaseModel):
    product_id: int
    product: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


class OrderOut(BaseModel):
    id: int
    retailer_id: int
    created_at: datetime
    amount: Decimal
    status: OrderStatus
    channel: str
    call_id: int | None
    note: str | None
    lines: list[LineOut]


def order_out(o: Order) -> OrderOut:
    return OrderOut(id=o.id, retailer_id=o.retailer_id, created_at=o.created_at, amount=o.amount,
                    status=o.status, channel=o.channel, call_id=o.call_id, note=o.note,
                    lines=[LineOut(product_id=x.product_id, product=x.product.name,
                                   quantity=x.quantity, unit_price=x.unit_price, amount=x.amount)
                           for x in o.lines])


async def recent_orders(session: AsyncSession, retailer_id: int,
                        limit: int = 5) -> list[dict[str, Any]]:
    """A retailer's latest orders with their lines, newest first, JSON-ready."""
    orders = await session.scalars(select(Order).where(Order.retailer_id == retailer_id)
                                   .order_by(Order.created_at.desc(), Order.id.desc())
                                   .limit(limit))
    return [order_out(o).model_dump(mode="json") for o in orders]
