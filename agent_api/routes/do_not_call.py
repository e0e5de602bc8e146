"""The do-not-call list: a number on it is never dialed by any campaign; adding one takes its
waiting contacts out of every campaign at once."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from agent_api.auth import require
from agent_api.deps import Session
from dialer.contacts import block_number, normalise_phone
from models import DoNotCall, Role

router = APIRouter(prefix="/do-not-call", tags=["campaigns"],
                   dependencies=[Depends(require(Role.OPS, Role.ADMIN, Role.SUPERVISOR))])


class DoNotCallIn(BaseModel):
    phone: str = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=200)


class DoNotCallOut(BaseModel):
    phone: str
    reason: str
    added_at: datetime
    contacts_withdrawn: int = 0


def _phone(text: str) -> str:
    phone = normalise_phone(text)
    if phone is None:
        raise HTTPException(422, f"phone: {text!r} is not a phone number")
    return phone


@router.get("", response_model=list[DoNotCallOut])
async def list_numbers(session: Session, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       after: str = "") -> list[DoNotCallOut]:
    rows = await session.scalars(select(DoNotCall).where(DoNotCall.phone > after)
                                 .order_by(DoNotCall.phone).limit(limit))
    return [DoNotCallOut(phone=r.phone, reason=r.reason, added_at=r.added_at) for r in rows]


@router.post("", response_model=DoNotCallOut, status_code=201)
async def add(body: DoNotCallIn, session: Session) -> DoNotCallOut:
    row, withdrawn = await block_number(session, _phone(body.phone), body.reason)
    await session.commit()
    return DoNotCallOut(phone=row.phone, reason=row.reason, added_at=row.added_at,
                        contacts_withdrawn=withdrawn)


@router.delete("/{phone}", status_code=204)
async def remove(phone: str, session: Session) -> None:
    """Off the list; contacts withdrawn for it stay withdrawn (import them again to call)."""
    row = await session.scalar(select(DoNotCall).where(DoNotCall.phone == _phone(phone)))
    if row is None:
        raise HTTPException(404, f"{phone} is not on the do-not-call list")
    await session.delete(row)
    await session.commit()
