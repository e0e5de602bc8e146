"""Retailer records: looked up by card, phone or name, edited with a version check, and every
version kept and listed (models.history writes it whatever the code path)."""
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from agent_api.auth import CurrentUser, Principal, current_user
from agent_api.deps import Session
from models import Retailer, RetailerHistory, RetailerPhone, RetailerStatus
from services.retailers import RetailerOut, retailer_out

router = APIRouter(prefix="/retailers", tags=["retailers"], dependencies=[Depends(current_user)])

CLASSES = ("A", "B", "C", "D", "E")
NOT_FIELDS = {"version", "updated_at", "pin_changed"}  # bookkeeping of every version
Phone = Annotated[str, Field(pattern=r"^\d{3,20}$")]


class RetailerPatch(BaseModel):
    version: int = Field(description="the version you read: a stale one is refused (409)")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    retailer_class: str | None = Field(default=None, pattern=f"^[{''.join(CLASSES)}]$")
    status: RetailerStatus | None = None
    phones: list[Phone] | None = Field(default=None, max_length=10)


class VersionOut(BaseModel):
    version: int
    changed_at: datetime
    changed_by: str | None
    changed: list[str]  # the fields that differ from the version before
    snapshot: dict[str, Any]


def _scoped(query, user: Principal):
    query = query.options(selectinload(Retailer.branch))
    return query if user.sees_all_branches else query.where(Retailer.branch_id == user.branch_id)


async def _retailer(session: Session, user: Principal, retailer_id: int) -> Retailer:
    r = await session.scalar(_scoped(select(Retailer).where(Retailer.id == retailer_id), user))
    if r is None:
        raise HTTPException(404, f"retailer {retailer_id} not found")
    return r


def digit_prefix(column, prefix: str):
    """`column` starts with the digits `prefix`, as a range the column's index can serve (LIKE
    'x%' uses an index on neither backend's default collation)."""
    stripped = prefix.rstrip("9")
    if not stripped:
        return column >= prefix
    upper = stripped[:-1] + str(int(stripped[-1]) + 1)
    return (column >= prefix) & (column < upper)


@router.get("", response_model=list[RetailerOut])
async def find(session: Session, user: CurrentUser,
               q: Annotated[str, Query(min_length=2, max_length=100,
                                       description="card number or phone (prefix), or name")],
               limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[RetailerOut]:
    """An agent sees the retailers of the agent's own branch; headquarters sees all."""
    if q.isdigit():
        by_phone = select(RetailerPhone.retailer_id).where(
            digit_prefix(RetailerPhone.number, q))
        match = or_(digit_prefix(Retailer.card_number, q), Retailer.id.in_(by_phone))
    else:
        match = Retailer.name.contains(q, autoescape=True)
    query = select(Retailer).where(match).order_by(Retailer.card_number).limit(limit)
    return [retailer_out(r) for r in await session.scalars(_scoped(query, user))]


@router.get("/{retailer_id}", response_model=RetailerOut)
async def get_one(retailer_id: int, session: Session, user: CurrentUser) -> RetailerOut:
    return retailer_out(await _retailer(session, user, retailer_id))


@router.patch("/{retailer_id}", response_model=RetailerOut)
async def update(retailer_id: int, body: RetailerPatch, session: Session,
                 user: CurrentUser) -> RetailerOut:
    """Changes what is given; the version must be the current one, so nobody overwrites an
    edit they have not seen. Each change becomes a new version in the history."""
    r = await _retailer(session, user, retailer_id)
    if body.version != r.version:
        raise HTTPException(409, f"version: retailer {retailer_id} is at version {r.version}, "
                                 f"not {body.version}; reload it")
    session.info["actor"] = user.username
    for field in ("name", "retailer_class", "status"):
        value = getattr(body, field)
        if value is not None:
            setattr(r, field, value)
    if body.phones is not None:
        kept = {p.number: p for p in r.phones}
        r.phones = [kept.get(n) or RetailerPhone(number=n) for n in dict.fromkeys(body.phones)]
    try:
        await session.commit()
    except StaleDataError:  # changed by someone else between our read and our write
        raise HTTPException(409, f"version: retailer {retailer_id} changed meanwhile; "
                                 "reload it") from None
    return retailer_out(await _retailer(session, user, retailer_id))


@router.get("/{retailer_id}/history", response_model=list[VersionOut])
async def history(retailer_id: int, session: Session, user: CurrentUser) -> list[VersionOut]:
    """Every version, newest first, with what changed from the one before."""
    await _retailer(session, user, retailer_id)
    rows = list(await session.scalars(select(RetailerHistory)
                                      .where(RetailerHistory.retailer_id == retailer_id)
                                      .order_by(RetailerHistory.version)))
    out: list[VersionOut] = []
    before: dict[str, Any] = {}
    for h in rows:
        changed = {k for k in h.snapshot.keys() | before.keys()
                   if h.snapshot.get(k) != before.get(k) and k not in NOT_FIELDS}
        if h.snapshot.get("pin_changed"):
            changed.add("pin")  # the PIN itself is never in the history
        out.append(VersionOut(version=h.version, changed_at=h.changed_at,
                              changed_by=h.changed_by, changed=sorted(changed),
                              snapshot=h.snapshot))
        before = h.snapshot
    return out[::-1]
