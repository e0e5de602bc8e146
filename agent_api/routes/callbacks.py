"""Callbacks in the console's inbox (queue callbacks, opinions' feedback calls): listed (pending
first, with how the dialer is getting on), called now by an agent, or closed with an outcome by
the signed-in user. The dialer calls them by itself too, and closes them when it reaches the
customer or gives up."""
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session, get_engine
from agent_api.errors import conflict
from agent_api.fields import Id, Moment
from dialer.runner import DialRefused
from models import Role
from models.acd import CallbackStatus
from services import callbacks as service
from services.errors import Conflict, NotAllowed, Violation

router = APIRouter(prefix="/callbacks", tags=["callbacks"],
                   dependencies=[Depends(require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))])


class CallbackOut(BaseModel):
    id: int
    linkedid: str
    caller_number: str
    retailer_id: Id | None
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
    kind: Literal["queue", "feedback"]
    agent_id: Id | None  # a feedback call's: the agent who took the opinion
    attempts: int  # calls the dialer placed so far
    next_call_at: datetime | None  # when the dialer calls next, while pending


class CallOut(BaseModel):
    attempt_id: Id


class MarkHandled(BaseModel):
    outcome: Literal["reached", "no_answer", "wrong_number", "other"]
    note: str | None = Field(default=None, max_length=2000)


def _out(listed: service.Listed) -> CallbackOut:
    r, retailer, contact = listed.request, listed.retailer, listed.contact
    next_call_at = None
    if r.status == CallbackStatus.PENDING:
        next_call_at = (contact.next_attempt_at if contact else None) or r.requested_at
    return CallbackOut(
        id=r.id, linkedid=r.linkedid, caller_number=r.caller_number, retailer_id=r.retailer_id,
        retailer_name=retailer.name if retailer else None,
        card_number=retailer.card_number if retailer else None, queue=r.queue,
        language=r.language, requested_at=r.requested_at, status=r.status,
        handled_at=r.handled_at, handled_by=r.handled_by, outcome=r.outcome, note=r.note,
        kind="feedback" if r.linkedid.startswith("opinion-") else "queue", agent_id=r.agent_id,
        attempts=contact.attempts if contact else 0, next_call_at=next_call_at)


@router.get("", response_model=list[CallbackOut])
async def list_callbacks(
    session: Session, user: CurrentUser, status: CallbackStatus | None = None,
    since: Moment | None = None, until: Moment | None = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[CallbackOut]:
    """Pending requests first, the newest last; `status=pending` is the call-back list."""
    found = await service.requests(session, user, status=status, since=since, until=until,
                                   limit=limit)
    return [_out(f) for f in found]


@router.post("/{callback_id}/handled", response_model=CallbackOut)
async def mark_handled(callback_id: Id, body: MarkHandled, session: Session,
                       user: CurrentUser) -> CallbackOut:
    """Closes the request with its outcome; who closed it is the signed-in user."""
    done = await service.mark_handled(session, user, callback_id, outcome=body.outcome,
                                      note=body.note)
    await session.commit()
    return _out(done)


@router.post("/{callback_id}/call", response_model=CallOut)
async def call_now(callback_id: Id, session: Session, user: CurrentUser,
                   request: Request) -> CallOut:
    """The signed-in agent calls the customer back now: held for the call while it rings, and
    connected with the screen-pop when answered; the do-not-call list and the contact policy
    apply. The attempt's id."""
    if user.agent_id is None:
        raise NotAllowed([Violation("agents_only", (), "only an agent places a call")])
    dialer = get_engine(request).dialer
    callback = (await service.request(session, user, callback_id)).request
    if callback.status == CallbackStatus.PENDING and callback.contact_id is None:
        await dialer.schedule_callbacks()  # the dialer's round has not come yet
        await session.refresh(callback)
    if callback.status != CallbackStatus.PENDING or callback.contact_id is None:
        raise Conflict([Violation("callback_already_handled", ("path", "callback_id"),
                                  f"callback request {callback_id} is closed",
                                  {"callback": callback_id})])
    try:
        attempt_id = await dialer.call_back(user.agent_id, callback.contact_id)
    except DialRefused as exc:
        raise conflict(exc) from None
    return CallOut(attempt_id=attempt_id)
