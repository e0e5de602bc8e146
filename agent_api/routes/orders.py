"""The catalogue and telephone orders: agents capture orders for the retailers of their branch,
each checked by the review rules in the retailer's ordering cycle in one transaction
(services.ordering.place, the one way an order is written); the order form reads what the
retailer may still order in the cycle; ops keep the catalogue, the supply per branch and the
retailers' limits."""
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import or_, select

from agent_api.auth import CurrentUser, Principal, current_user, require
from agent_api.deps import Session
from agent_api.errors import UNKNOWN
from agent_api.fields import Id
from agent_api.paging import PAGED, PageWindow, paged
from dialer.schedule import WEEKDAYS
from models import Call, Order, OrderStatus, Retailer, Role, utcnow
from models.catalogue import OrderLimit, Product, ProductSupply
from models.orders import OrderChannel
from services import catalogue, ordering, paging
from services.errors import Conflict, Refused, Violation
from services.ordering import Line, OrderOut, order_out, transition_refused

router = APIRouter(tags=["orders"], dependencies=[Depends(current_user)])
CAPTURING = require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
CATALOGUE_KEEPERS = require(Role.OPS, Role.ADMIN)
CatalogueKeeper = Annotated[Principal, Depends(CATALOGUE_KEEPERS)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class ProductOut(BaseModel):
    id: int
    code: str
    name: str
    unit: str
    unit_price: Decimal
    active: bool
    on_supply: bool | None  # in the branch asked about; None when no branch was given


class ProductIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[\w-]+$")
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field(default="条", min_length=1, max_length=16)
    unit_price: Money


class ProductPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, min_length=1, max_length=16)
    unit_price: Money | None = None
    active: bool | None = None


class SupplyIn(BaseModel):
    on_supply: bool


class SupplyOut(SupplyIn):
    product_id: Id
    branch: str  # its code
    branch_id: Id


class LimitIn(BaseModel):
    retailer_id: Id
    product_id: Id
    min_quantity: int = Field(ge=0, le=100_000)
    max_quantity: int = Field(ge=1, le=100_000)


class LimitOut(BaseModel):
    product_id: Id
    product: str
    min_quantity: int
    max_quantity: int


class CycleOut(BaseModel):
    order_day: str  # mon .. sun
    timezone: str
    first_day: date
    last_day: date  # included
    starts_at: datetime
    ends_at: datetime  # excluded


class ProductAllowanceOut(BaseModel):
    product_id: Id
    product: str
    unit: str
    on_supply: bool = Field(description="in the retailer's branch")
    min_quantity: int | None = Field(description="its limits in a cycle; null: no limit")
    max_quantity: int | None
    ordered: int = Field(description="in the cycle so far, all channels, not cancelled or "
                                     "rejected")
    allowance: int | None = Field(description="what it may still order in the cycle; null: no "
                                              "upper limit")


class AllowanceOut(BaseModel):
    retailer_id: Id
    cycle: CycleOut
    products: list[ProductAllowanceOut]


class LineIn(BaseModel):
    product_id: Id
    quantity: int = Field(gt=0, le=100_000)


class OrderIn(BaseModel):
    retailer_id: Id
    call_id: Id | None = Field(default=None, description="the call it was taken on (calls.id)")
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    note: str | None = Field(default=None, max_length=500)


class StatusIn(BaseModel):
    status: OrderStatus


async def _retailer(session: Session, user: Principal, retailer_id: Id,
                    loc: tuple[str, ...] | None = None) -> Retailer:
    """A retailer the user may act for: unknown or another branch's is a 404 (or, inside a
    body, a 422 naming the field), so nobody learns what other branches hold."""
    r = await session.get(Retailer, retailer_id)
    if r is None or not user.may_see_branch(r.branch_id):
        if loc:
            raise Refused([Violation("retailer_in_scope", loc,
                                    f"retailer {retailer_id} not found")])
        raise HTTPException(404, f"retailer {retailer_id} not found")
    return r


# -- the catalogue ------------------------------------------------------------------------------

@router.get("/products", response_model=list[ProductOut])
async def products(session: Session, user: CurrentUser,
                   branch_id: Id | None = None,
                   q: Annotated[str | None, Query(max_length=100)] = None,
                   include_inactive: bool = False) -> list[ProductOut]:
    """With the supply status in a branch (an agent's own by default)."""
    branch_id = branch_id if branch_id is not None else user.branch_id
    query = select(Product).order_by(Product.code)
    if not include_inactive:
        query = query.where(Product.active)
    if q:
        query = query.where(or_(Product.code.contains(q), Product.name.contains(q)))
    rows = list(await session.scalars(query))
    supplied = set(await session.scalars(select(ProductSupply.product_id).where(
        ProductSupply.branch_id == branch_id, ProductSupply.on_supply))) if branch_id else set()
    return [ProductOut(id=p.id, code=p.code, name=p.name, unit=p.unit, unit_price=p.unit_price,
                       active=p.active, on_supply=(p.id in supplied) if branch_id else None)
            for p in rows]


@router.post("/products", response_model=ProductOut, status_code=201)
async def add_product(body: ProductIn, session: Session, user: CatalogueKeeper) -> ProductOut:
    p = await catalogue.add_product(session, user, body.code, body.name, body.unit,
                                    body.unit_price)
    return ProductOut(**body.model_dump(), id=p.id, active=True, on_supply=None)


@router.patch("/products/{product_id}", response_model=ProductOut)
async def change_product(product_id: Id, body: ProductPatch, session: Session,
                         user: CatalogueKeeper) -> ProductOut:
    p = await catalogue.change_product(session, user, product_id,
                                       body.model_dump(exclude_none=True))
    return ProductOut(id=p.id, code=p.code, name=p.name, unit=p.unit, unit_price=p.unit_price,
                      active=p.active, on_supply=None)


@router.put("/products/{product_id}/supply/{branch}", response_model=SupplyOut)
async def set_supply(product_id: Id, branch: Annotated[str, Path(
                         max_length=16, description="the branch's code (or its id)")],
                     body: SupplyIn, session: Session, user: CatalogueKeeper) -> SupplyOut:
    p, b = await catalogue.set_supply(session, user, product_id, branch, body.on_supply)
    return SupplyOut(on_supply=body.on_supply, product_id=p.id, branch=b.code,
                     branch_id=b.id)


# -- limits -------------------------------------------------------------------------------------

@router.get("/orders/limits", response_model=list[LimitOut], responses=UNKNOWN)
async def limits(retailer_id: Id, session: Session, user: CurrentUser) -> list[LimitOut]:
    await _retailer(session, user, retailer_id)
    rows = await session.execute(select(OrderLimit, Product.name)
                                 .join(Product, Product.id == OrderLimit.product_id)
                                 .where(OrderLimit.retailer_id == retailer_id)
                                 .order_by(Product.code))
    return [LimitOut(product_id=lim.product_id, product=name, min_quantity=lim.min_quantity,
                     max_quantity=lim.max_quantity) for lim, name in rows]


@router.put("/orders/limits", response_model=LimitIn)
async def set_limit(body: LimitIn, session: Session, user: CatalogueKeeper) -> LimitIn:
    """A branch's staff set the limits of their branch's retailers only."""
    await catalogue.set_limit(session, user, body.retailer_id, body.product_id,
                              body.min_quantity, body.max_quantity)
    return body


@router.get("/orders/allowance", response_model=AllowanceOut, responses=UNKNOWN)
async def allowance(retailer_id: Id, session: Session, user: CurrentUser) -> AllowanceOut:
    """The retailer's current ordering cycle and, per product, what it ordered in it, what it may
    still order and whether the product is on supply in its branch: what the order form shows."""
    r = await _retailer(session, user, retailer_id)
    cycle, products = await ordering.allowances(session, r)
    return AllowanceOut(
        retailer_id=r.id,
        cycle=CycleOut(order_day=WEEKDAYS[cycle.order_day], timezone=cycle.timezone,
                       first_day=cycle.first_day, last_day=cycle.last_day,
                       starts_at=cycle.starts_at, ends_at=cycle.ends_at),
        products=[ProductAllowanceOut(
            product_id=p.product_id, product=p.product, unit=p.unit, on_supply=p.on_supply,
            min_quantity=p.min_quantity, max_quantity=p.max_quantity, ordered=p.ordered,
            allowance=p.allowance) for p in products])


# -- orders -------------------------------------------------------------------------------------

@router.post("/orders", response_model=OrderOut, status_code=201)
async def capture(body: OrderIn, session: Session,
                  user: Annotated[Principal, Depends(CAPTURING)]) -> OrderOut:
    """Accepted when it passes every review rule, its limits counted over the retailer's
    ordering cycle; otherwise a 422 naming each broken rule and its field, and nothing is
    written."""
    r = await _retailer(session, user, body.retailer_id, loc=("body", "retailer_id"))
    refused = []
    if body.call_id is not None:
        call = await session.get(Call, body.call_id)
        if call is None or not user.may_see_branch(call.branch_id):
            refused.append(Violation("call_in_scope", ("body", "call_id"),
                                     f"call {body.call_id} not found"))
    order = await ordering.place(session, r, [Line(x.product_id, x.quantity) for x in body.lines],
                                 channel=OrderChannel.PHONE, created_by=user.user_id,
                                 call_id=body.call_id, note=body.note, refused=refused)
    return order_out(await _order(session, user, order.id))


async def _order(session: Session, user: Principal, order_id: Id) -> Order:
    row = (await session.execute(select(Order, Retailer.branch_id)
                                 .join(Retailer, Retailer.id == Order.retailer_id)
                                 .where(Order.id == order_id)
                                 .execution_options(populate_existing=True))).first()
    if row is None or not user.may_see_branch(row[1]):
        raise HTTPException(404, f"order {order_id} not found")
    return row[0]


@router.get("/orders", response_model=list[OrderOut], responses=PAGED)
async def list_orders(session: Session, user: CurrentUser, request: Request, response: Response,
                      page: PageWindow, retailer_id: Id | None = None,
                      status: OrderStatus | None = None) -> list[OrderOut]:
    """A page of orders, newest placed first (`since` and `until` on the time it was placed);
    an agent sees its branch's."""
    query = select(Order).join(Retailer, Retailer.id == Order.retailer_id)
    if retailer_id is not None:
        query = query.where(Order.retailer_id == retailer_id)
    if status is not None:
        query = query.where(Order.status == status)
    if not user.sees_all_branches:
        query = query.where(Retailer.branch_id == user.branch_id)
    found = await paging.page(session, query, Order.created_at, Order.id, page)
    return [order_out(row[0]) for row in paged(request, response, found)]


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: Id, session: Session, user: CurrentUser) -> OrderOut:
    return order_out(await _order(session, user, order_id))


@router.post("/orders/{order_id}/status", response_model=OrderOut)
async def change_status(order_id: Id, body: StatusIn, session: Session,
                        user: Annotated[Principal, Depends(require(
                            Role.AGENT, Role.SUPERVISOR, Role.OPS, Role.ADMIN))]) -> OrderOut:
    order = await _order(session, user, order_id)
    refused = transition_refused(order.status, body.status)
    if refused is not None:
        raise Conflict([refused])
    order.status, order.status_changed_at = body.status, utcnow()
    await session.commit()
    return order_out(await _order(session, user, order_id))
