"""Queue callbacks in the console's inbox: listed (pending first), and closed with an outcome by
the signed-in user. Dialing them is not here yet: the agent dials the number shown."""
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, Field

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session
from models import Role
from models.acd import CallbackStatus
from services import callbacks as service

router = APIRouter(prefix="/callbacks", tags=["callbacks"],
                   dependencies=[Depends(require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))])


class CallbackOut(BaseModel):
    id: int
    linkedid: str
    caller_number: str
    retailer_id: int | None
    retailer_name: str | None
    card_number: str | None
    queue: str
    language: str
    requested_at: datetime
    status: CallbackStatus
    handled_at: datetime | None
    handled_by: str | None
    outcome: str | None
    note: str | None


class MarkHandled(BaseModel):
    outcome: Literal["reached", "no_answer", "wrong_number", "other"]
    note: str | None = Field(default=None, max_length=2000)


def _out(listed: service.Listed) -> CallbackOut:
    r, retailer = listed.request, listed.retailer
    return CallbackOut(
        id=r.id, linkedid=r.linkedid, caller_number=r.caller_number, retailer_id=r.retailer_id,
        retailer_name=retailer.name if retailer else None,
        card_number=retailer.card_number if retailer else None, queue=r.queue,
        language=r.language, requested_at=r.requested_at, status=r.status,
        handled_at=r.handled_at, handled_by=r.handled_by, outcome=r.outcome, note=r.note)


@router.get("", response_model=list[CallbackOut])
async def list_callbacks(
    session: Session, user: CurrentUser, status: CallbackStatus | None = None,
    since: AwareDatetime | None = None, until: AwareDatetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[CallbackOut]:
    """Pending requests first, the newest last; `status=pending` is the call-back list."""
    found = await service.requests(session, user, status=status, since=since, until=until,
                                   limit=limit)
    return [_out(f) for f in found]


@router.post("/{callback_id}/handled", response_model=CallbackOut)
async def mark_handled(callback_id: int, body: MarkHandled, session: Session,
                       user: CurrentUser) -> CallbackOut:
    """Closes the request with its outcome; who closed it is the signed-in user."""
    done = await service.mark_handled(session, user, callback_id, outcome=body.outcome,
                                      note=body.note)
    await session.commit()
    return _out(done)
