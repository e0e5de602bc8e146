"""Order capture: the review rules as pure code, the capture in one transaction, and the recent
orders the screen-pop shows."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Order, OrderStatus, RetailerStatus
from models.catalogue import OrderLimit, Product, ProductSupply
from services.errors import Violation

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
        if limit is not None and line.quantity < limit.min_quantity:
            broken.append(Violation("retailer_lower_limit", (*where, "quantity"),
                                    f"{name}: at least {limit.min_quantity} for this retailer",
                                    {"limit": limit.min_quantity, "product": name}))
        if limit is not None and line.quantity > limit.max_quantity:
            broken.append(Violation("retailer_upper_limit", (*where, "quantity"),
                                    f"{name}: at most {limit.max_quantity} for this retailer",
                                    {"limit": limit.max_quantity, "product": name}))
    return broken


def transition_refused(current: OrderStatus, wanted: OrderStatus) -> Violation | None:
    if wanted in TRANSITIONS[current]:
        return None
    allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing"
    return Violation("status_transition", ("body", "status"),
                     f"a {current} order cannot become {wanted} (it may become {allowed})")


async def read_facts(session: AsyncSession, retailer_status: RetailerStatus,
                     branch_id: int | None, retailer_id: int, product_ids: list[int]) -> Facts:
    products = dict((await session.execute(
        select(Product.id, Product.name).where(Product.id.in_(product_ids), Product.active)
    )).all())
    supplied = await session.scalars(select(ProductSupply.product_id).where(
        ProductSupply.branch_id == branch_id, ProductSupply.on_supply,
        ProductSupply.product_id.in_(product_ids)))
    limits = await session.scalars(select(OrderLimit).where(
        OrderLimit.retailer_id == retailer_id, OrderLimit.product_id.in_(product_ids)))
    return Facts(retailer_status, products, frozenset(supplied),
                 {lim.product_id: Limit(lim.min_quantity, lim.max_quantity) for lim in limits})


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
