"""Retailer records: a retailer as the API and the screen-pop show it, looked up and listed
within the viewer's branches, created, changed with a version check, suspended and reactivated.
Every change is a new version in the history (models.history) and an entry in the audit log.

Who changes what: an administrator (admin everywhere, branch_admin in its own branch only,
never moving a retailer out of it) every field; an agent or a supervisor, on the phone, the
fields of DESK_FIELDS of the retailers it sees; ops only reads."""
import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from dialer.schedule import WEEKDAYS
from models import Branch, Retailer, RetailerPhone, RetailerStatus, Role
from models.phone import Phone, phone_digits
from models.security import hash_pin
from services import audit
from services.branches import order_day_problems
from services.errors import Conflict, NotAllowed, NotFound, Refused, Violation
from services.principal import Principal

# The rules of each field, for the API's bodies and the file import alike.
CLASSES = ("A", "B", "C", "D", "E")
Card = Annotated[str, Field(pattern=r"^[0-9]{4,20}$", description="the digits on the card")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
RetailerClass = Annotated[str, Field(pattern=f"^[{''.join(CLASSES)}]$")]
Phones = Annotated[list[Phone], Field(max_length=10)]
Pin = Annotated[str, Field(pattern=r"^[0-9]{4,8}$", description="4 to 8 digits: self-service")]
Address = Annotated[str, Field(max_length=300)]
BusinessFormat = Annotated[str, Field(max_length=32, description="业态: 便利店, 超市, 烟酒店...")]
ShopArea = Annotated[float, Field(gt=0, le=100_000, description="m²")]
TradeArea = Annotated[str, Field(max_length=100, description="商圈")]
BranchCode = Annotated[str, Field(min_length=1, max_length=16)]

PROFILE = ("address", "business_format", "shop_area", "trade_area")
# What the desk may change, by role: an agent corrects a name or a phone; the class (the queue
# priority) and the status are a supervisor's to change.
DESK_FIELDS = {Role.SUPERVISOR: frozenset({"name", "retailer_class", "status", "phones"}),
               Role.AGENT: frozenset({"name", "phones"})}
ADMINISTRATORS = (Role.ADMIN, Role.BRANCH_ADMIN)
DESK_ROLES = (Role.AGENT, Role.SUPERVISOR)


class RetailerOut(BaseModel):
    id: int
    card_number: str
    name: str
    branch_id: int | None
    branch: str | None
    retailer_class: str
    status: RetailerStatus
    phones: list[str]
    address: str | None
    business_format: str | None
    shop_area: float | None
    trade_area: str | None
    order_day: str | None  # its own order day (mon .. sun); None: its branch's
    has_pin: bool
    version: int
    updated_at: datetime


def retailer_out(r: Retailer) -> RetailerOut:
    return RetailerOut(id=r.id, card_number=r.card_number, name=r.name, branch_id=r.branch_id,
                       branch=r.branch.code if r.branch else None,
                       retailer_class=r.retailer_class, status=r.status,
                       phones=[p.number for p in r.phones], address=r.address,
                       business_format=r.business_format, shop_area=r.shop_area,
                       trade_area=r.trade_area, order_day=_weekday(r.order_day),
                       has_pin=r.pin_hash is not None,
                       version=r.version, updated_at=r.updated_at)


@dataclass(frozen=True, slots=True)
class RetailerFields:
    """A new retailer, or a change (only the fields named in `given`; a profile field or the
    branch or PIN given as None is cleared)."""
    card_number: str | None = None
    name: str | None = None
    branch: str | None = None
    retailer_class: str | None = None
    status: RetailerStatus | None = None
    phones: Sequence[str] | None = None
    pin: str | None = None
    address: str | None = None
    business_format: str | None = None
    shop_area: float | None = None
    trade_area: str | None = None
    order_day: str | None = None  # mon .. sun; None: the branch's
    given: frozenset[str] = frozenset()


def view(r: Retailer) -> dict[str, Any]:
    """The retailer as the audit log shows it (never the PIN)."""
    return {"card_number": r.card_number, "name": r.name,
            "branch": r.branch.code if r.branch else None, "retailer_class": r.retailer_class,
            "status": r.status.value, "phones": sorted(p.number for p in r.phones),
            **{f: getattr(r, f) for f in PROFILE}, "order_day": _weekday(r.order_day)}


def _weekday(day: int | None) -> str | None:
    return None if day is None else WEEKDAYS[day]


def scoped(query: Select[Any], viewer: Principal | None) -> Select[Any]:
    query = query.options(selectinload(Retailer.branch))
    if viewer is None or viewer.sees_all_branches:
        return query
    return query.where(Retailer.branch_id == viewer.branch_id)


@dataclass(frozen=True, slots=True)
class RetailerQuery:
    """Which retailers a list shows: all of them by default, found by `q` (a card or phone
    prefix in digits, else a part of the name) and narrowed by each filter given; a page of
    `limit` from `offset`, in card order."""
    q: str | None = None
    branch: str | None = None  # the branch's code
    status: RetailerStatus | None = None
    retailer_class: str | None = None
    limit: int = 20
    offset: int = 0


def digit_prefix(column: Any, prefix: str) -> Any:
    """`column` starts with the digits `prefix`, as a range the column's index can serve (LIKE
    'x%' uses an index on neither backend's default collation)."""
    stripped = prefix.rstrip("9")
    if not stripped:
        return column >= prefix
    upper = stripped[:-1] + str(int(stripped[-1]) + 1)
    return (column >= prefix) & (column < upper)


async def listed(session: AsyncSession, viewer: Principal, query: RetailerQuery
                 ) -> tuple[list[Retailer], int]:
    """The page of retailers the viewer sees (a branch's users their branch's), and how many
    match in all."""
    where: list[Any] = []
    if query.q:
        digits = phone_digits(query.q)
        if re.fullmatch(r"[0-9]+", digits):  # not str.isdigit: "²" is no digit to compare
            by_phone = select(RetailerPhone.retailer_id).where(
                digit_prefix(RetailerPhone.number, digits))
            where.append(or_(digit_prefix(Retailer.card_number, digits),
                             Retailer.id.in_(by_phone)))
        else:
            where.append(Retailer.name.contains(query.q, autoescape=True))
    if query.branch is not None:
        branch_id = await session.scalar(select(Branch.id).where(Branch.code == query.branch))
        if branch_id is None:
            raise Refused([Violation("unknown_branch", ("query", "branch"),
                                     f"no branch {query.branch!r}")])
        where.append(Retailer.branch_id == branch_id)
    if query.status is not None:
        where.append(Retailer.status == query.status)
    if query.retailer_class is not None:
        where.append(Retailer.retailer_class == query.retailer_class)
    if not viewer.sees_all_branches:
        where.append(Retailer.branch_id == viewer.branch_id)
    total = await session.scalar(select(func.count()).select_from(Retailer).where(*where))
    rows = await session.scalars(
        select(Retailer).options(selectinload(Retailer.branch)).where(*where)
        .order_by(Retailer.card_number, Retailer.id).limit(query.limit).offset(query.offset))
    return list(rows), total or 0


async def get(session: AsyncSession, viewer: Principal, retailer_id: int) -> Retailer:
    r = await session.scalar(scoped(select(Retailer).where(Retailer.id == retailer_id), viewer))
    if r is None:
        raise NotFound(f"retailer {retailer_id} not found")
    return r


def may_change(actor: Principal | None, branch_id: int | None, fields: Iterable[str],
               what: str) -> None:
    """Raises NotAllowed unless `actor` may change these fields of a retailer of that branch
    (`actor` None: the command line, which may do all)."""
    if actor is None or (actor.role in ADMINISTRATORS and actor.administers(branch_id)):
        return
    if actor.role in ADMINISTRATORS:
        raise NotAllowed(f"{what} is not of a branch you administer")
    if actor.role not in DESK_ROLES:
        raise NotAllowed(f"role {actor.role} may only read retailers")
    beyond = sorted(set(fields) - DESK_FIELDS[actor.role])
    if beyond:
        rule, who = (("supervisors_only", "a supervisor") if actor.role == Role.AGENT
                     and set(beyond) <= DESK_FIELDS[Role.SUPERVISOR]
                     else ("administrators_only", "an administrator"))
        raise NotAllowed([Violation(rule, ("body", f), f"only {who} changes {f}")
                          for f in beyond])


async def find_branch(session: AsyncSession, actor: Principal | None,
                      code: str | None) -> Branch | None:
    """The branch a retailer goes to: one the actor administers (None: no branch yet, which
    only headquarters may leave a retailer in)."""
    branch = None
    if code is not None:
        branch = await session.scalar(select(Branch).where(Branch.code == code))
        if branch is None:
            raise Refused([Violation("unknown_branch", ("body", "branch"), f"no branch {code!r}")])
    if actor is not None and not actor.administers(branch.id if branch else None):
        raise NotAllowed(f"branch {code} is not one you administer" if code else
                         "only headquarters leaves a retailer without a branch")
    return branch


def default_branch(actor: Principal | None) -> int | None:
    """Where a new retailer goes when no branch is said: the branch administrator's own."""
    return None if actor is None or actor.sees_all_branches else actor.branch_id


async def card_free(session: AsyncSession, card: str) -> None:
    if await session.scalar(select(Retailer.id).where(Retailer.card_number == card)):
        raise Conflict([Violation("card_number_taken", ("body", "card_number"),
                                  f"card {card} is another retailer's")])


def assign(r: Retailer, ch: RetailerFields) -> None:
    """Sets the given plain fields (not the branch nor the PIN) where they differ."""
    for f in ("name", "retailer_class", "status"):
        value = getattr(ch, f)
        if f in ch.given and value is not None and getattr(r, f) != value:
            setattr(r, f, value)
    for f in PROFILE:
        value = getattr(ch, f)
        if isinstance(value, str):
            value = value.strip() or None
        if f in ch.given and getattr(r, f) != value:
            setattr(r, f, value)
    if "order_day" in ch.given:
        day = None if ch.order_day is None else WEEKDAYS.index(ch.order_day)
        if r.order_day != day:
            r.order_day = day
    if "phones" in ch.given and ch.phones is not None:
        wanted = list(dict.fromkeys(ch.phones))
        if sorted(wanted) != sorted(p.number for p in r.phones):
            kept = {p.number: p for p in r.phones}
            r.phones = [kept.get(n) or RetailerPhone(number=n) for n in wanted]


async def create(session: AsyncSession, actor: Principal | None, new: RetailerFields
                 ) -> Retailer:
    assert new.card_number and new.name and new.retailer_class
    if actor is not None and actor.role not in ADMINISTRATORS:
        raise NotAllowed(f"role {actor.role} may not create retailers")
    if problems := order_day_problems(new.order_day):
        raise Refused(problems)
    if "branch" in new.given:
        branch = await find_branch(session, actor, new.branch)
    else:
        branch_id = default_branch(actor)
        branch = await session.get(Branch, branch_id) if branch_id else None
    await card_free(session, new.card_number)
    r = Retailer(card_number=new.card_number, name=new.name, branch=branch,
                 retailer_class=new.retailer_class, status=RetailerStatus.ACTIVE, phones=[])
    assign(r, new)
    if new.pin:
        r.pin_hash = await asyncio.to_thread(hash_pin, new.pin)
    session.add(r)
    await _commit(session, actor, r, "create", None, _pin_said(new, "(set)"))
    return r


async def change(session: AsyncSession, actor: Principal, retailer_id: int, version: int,
                 ch: RetailerFields) -> Retailer:
    """Changes what is given; `version` must be the current one, so nobody overwrites an edit
    they have not seen."""
    r = await get(session, actor, retailer_id)
    may_change(actor, r.branch_id, ch.given, f"retailer {retailer_id}")
    if problems := order_day_problems(ch.order_day):
        raise Refused(problems)
    if version != r.version:
        raise Conflict(f"version: retailer {retailer_id} is at version {r.version}, "
                       f"not {version}; reload it")
    before = view(r)
    if "branch" in ch.given and ch.branch != before["branch"]:
        r.branch = await find_branch(session, actor, ch.branch)
    assign(r, ch)
    if "pin" in ch.given:
        r.pin_hash = await asyncio.to_thread(hash_pin, ch.pin) if ch.pin else None
    await _commit(session, actor, r, "update", before, _pin_said(ch, "(new)"))
    return r


async def set_status(session: AsyncSession, actor: Principal, retailer_id: int,
                     status: RetailerStatus) -> Retailer:
    """Suspends an active retailer, or reactivates a suspended or closed one."""
    r = await get(session, actor, retailer_id)
    may_change(actor, r.branch_id, ("status",), f"retailer {retailer_id}")
    allowed_from = ((RetailerStatus.ACTIVE,) if status == RetailerStatus.SUSPENDED
                    else (RetailerStatus.SUSPENDED, RetailerStatus.CLOSED))
    if r.status not in allowed_from:
        raise Conflict([Violation(f"already_{status.value}" if r.status == status
                                  else "retailer_closed", ("status",),
                                  f"retailer {retailer_id} is {r.status.value}")])
    before = view(r)
    r.status = status
    action = "suspend" if status == RetailerStatus.SUSPENDED else "reactivate"
    await _commit(session, actor, r, action, before, {})
    return r


def _pin_said(ch: RetailerFields, word: str) -> dict[str, str]:
    """The PIN in the audit log: said to have changed, never shown."""
    if "pin" not in ch.given:
        return {}
    return {"pin": word if ch.pin else "(none)"}


async def _commit(session: AsyncSession, actor: Principal | None, r: Retailer, action: str,
                  before: dict[str, Any] | None, pin: dict[str, str]) -> None:
    """Writes the change, its history and its audit entry (none when nothing changed)."""
    ident, card = r.id, r.card_number
    session.info["actor"] = actor.username if actor else audit.COMMAND_LINE
    try:
        await session.flush()
        after = view(r) | pin
        if before is not None:
            before = before | ({"pin": "(old)"} if pin else {})
        if before != after:
            audit.record(session, actor, action, "retailer", card, branch_id=r.branch_id,
                         before=before, after=after)
        await session.commit()
    except StaleDataError:  # changed by someone else between our read and our write
        await session.rollback()
        raise Conflict(f"version: retailer {ident} changed meanwhile; reload it") from None
    except IntegrityError:  # the same card created meanwhile
        await session.rollback()
        raise Conflict([Violation("card_number_taken", ("body", "card_number"),
                                  f"card {card} is another retailer's")]) from None
