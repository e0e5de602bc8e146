"""The catalogue as operations keep it: products, whether each is on supply in a branch, and each
retailer's lower and upper limit per product. Each change writes its audit entry in its own
transaction; a branch's staff keep their own branch's supply and retailers only."""
import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Branch, Retailer
from models.catalogue import OrderLimit, Product, ProductSupply
from services import audit
from services.errors import Conflict, NotFound, Refused, Violation
from services.principal import Principal

PRODUCT_FIELDS = ("name", "unit", "unit_price", "active")


def view(p: Product) -> dict[str, Any]:
    """The product as the audit log shows it (the price as text: JSON has no decimals)."""
    return {"code": p.code, "name": p.name, "unit": p.unit,
            "unit_price": f"{Decimal(p.unit_price):.2f}", "active": p.active}


async def add_product(session: AsyncSession, actor: Principal, code: str, name: str, unit: str,
                      unit_price: Decimal) -> Product:
    if await session.scalar(select(Product.id).where(Product.code == code)):
        raise Conflict([Violation("product_code_unique", ("body", "code"),
                                  f"a product with code {code} exists")])
    p = Product(code=code, name=name, unit=unit, unit_price=unit_price, active=True)
    session.add(p)
    await session.flush()
    audit.record(session, actor, "create", "product", code, after=view(p))
    await session.commit()
    return p


async def change_product(session: AsyncSession, actor: Principal, product_id: int,
                         changes: dict[str, Any]) -> Product:
    """`changes`: the fields of PRODUCT_FIELDS to set (the others stay)."""
    p = await _product(session, product_id)
    before = view(p)
    for field in PRODUCT_FIELDS:
        if field in changes:
            setattr(p, field, changes[field])
    await session.flush()
    after = view(p)
    if after != before:
        audit.record(session, actor, "update", "product", p.code, before=before, after=after)
    await session.commit()
    return p


async def find_branch(session: AsyncSession, viewer: Principal, branch: str) -> Branch:
    """A branch by its code, or by its id (all digits: an id first, as the route took before
    codes). Another branch than a branch user's own is not found."""
    found = None
    if re.fullmatch(r"[0-9]{1,18}", branch):  # an id that fits the column; not "²"
        found = await session.get(Branch, int(branch))
    if found is None:
        found = await session.scalar(select(Branch).where(Branch.code == branch))
    if found is None or not viewer.may_see_branch(found.id):
        raise NotFound(f"branch {branch} not found")
    return found


async def set_supply(session: AsyncSession, actor: Principal, product_id: int,
                     branch: str, on_supply: bool) -> tuple[Product, Branch]:
    """Whether the product may be ordered in the branch (given by code or id)."""
    p = await _product(session, product_id)
    b = await find_branch(session, actor, branch)
    row = await session.get(ProductSupply, (p.id, b.id))
    before = None if row is None else row.on_supply
    if row is None:
        session.add(ProductSupply(product_id=p.id, branch_id=b.id, on_supply=on_supply))
    else:
        row.on_supply = on_supply
    if before != on_supply:
        audit.record(session, actor, "update" if row else "create", "product_supply",
                     f"{p.code}/{b.code}", branch_id=b.id,
                     before=None if row is None else {"on_supply": before},
                     after={"on_supply": on_supply})
    await session.commit()
    return p, b


async def set_limit(session: AsyncSession, actor: Principal, retailer_id: int, product_id: int,
                    min_quantity: int, max_quantity: int) -> OrderLimit:
    """The retailer's limit per order of the product; every broken rule said at once. Another
    branch's retailer is unknown to a branch's user."""
    broken = []
    if max_quantity < min_quantity:
        broken.append(Violation("limit_order", ("body", "max_quantity"),
                                "the upper limit is below the lower limit"))
    retailer = await session.get(Retailer, retailer_id)
    if retailer is None or not actor.may_see_branch(retailer.branch_id):
        broken.append(Violation("retailer_known", ("body", "retailer_id"), "no such retailer"))
    product = await session.get(Product, product_id)
    if product is None:
        broken.append(Violation("product_known", ("body", "product_id"), "no such product"))
    if broken:
        raise Refused(broken)
    assert retailer is not None and product is not None
    row = await session.get(OrderLimit, (retailer_id, product_id))
    before = None if row is None else _limit_view(row)
    if row is None:
        row = OrderLimit(retailer_id=retailer_id, product_id=product_id,
                         min_quantity=min_quantity, max_quantity=max_quantity)
        session.add(row)
    else:
        row.min_quantity, row.max_quantity = min_quantity, max_quantity
    after = _limit_view(row)
    if before != after:
        audit.record(session, actor, "create" if before is None else "update", "order_limit",
                     f"{retailer.card_number}/{product.code}", branch_id=retailer.branch_id,
                     before=before, after=after)
    await session.commit()
    return row


def _limit_view(row: OrderLimit) -> dict[str, Any]:
    return {"min_quantity": row.min_quantity, "max_quantity": row.max_quantity}


async def _product(session: AsyncSession, product_id: int) -> Product:
    p = await session.get(Product, product_id)
    if p is None:
        raise NotFound(f"product {product_id} not found")
    return p
