"""The do-not-call list: a number on it is never dialed by any campaign; adding one takes its
waiting contacts out of every campaign at once. Each change is in the audit log."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from agent_api.auth import require
from agent_api.deps import Session
from models import Role
from services import do_not_call
from services.principal import Principal

KEEPERS = require(Role.OPS, Role.ADMIN, Role.SUPERVISOR)
Keeper = Annotated[Principal, Depends(KEEPERS)]
router = APIRouter(prefix="/do-not-call", tags=["campaigns"], dependencies=[Depends(KEEPERS)])


class DoNotCallIn(BaseModel):
    phone: str = Field(min_length=1, max_length=40)
    reason: str = Field(default="", max_length=200)


class DoNotCallOut(BaseModel):
    phone: str
    reason: str
    added_at: datetime
    contacts_withdrawn: int = 0


@router.get("", response_model=list[DoNotCallOut])
async def list_numbers(session: Session, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       after: str = "") -> list[DoNotCallOut]:
    return [DoNotCallOut(phone=r.phone, reason=r.reason, added_at=r.added_at)
            for r in await do_not_call.listed(session, limit, after)]


@router.post("", response_model=DoNotCallOut, status_code=201)
async def add(body: DoNotCallIn, session: Session, user: Keeper) -> DoNotCallOut:
    row, withdrawn = await do_not_call.add(session, user, body.phone, body.reason)
    return DoNotCallOut(phone=row.phone, reason=row.reason, added_at=row.added_at,
                        contacts_withdrawn=withdrawn)


@router.delete("/{phone}", status_code=204)
async def remove(phone: str, session: Session, user: Keeper) -> None:
    """Off the list; contacts withdrawn for it stay withdrawn (import them again to call)."""
    await do_not_call.remove(session, user, phone)
