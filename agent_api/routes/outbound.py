"""An agent's side of campaigns: in preview mode, see the next contact and ask for the call;
after a call, how it went, and a callback at a time the customer asked for, which the campaign
then dials to this same agent. Click-to-dial: the agent's own call to a retailer or a number."""
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from agent_api.auth import CurrentUser
from agent_api.deps import Session, get_engine
from agent_api.errors import conflict
from agent_api.fields import Id, Time
from dialer.contacts import block_number
from dialer.runner import DialRefused
from dialer.schedule import parse_retries, retry_at
from models import (
    AttemptOutcome,
    Branch,
    Call,
    CallDisposition,
    Campaign,
    Contact,
    ContactAttempt,
    ContactStatus,
    Disposition,
    Role,
    utcnow,
)
from models.phone import Phone
from services import retailers
from services.errors import NotAllowed, NotFound, Refused, Violation

router = APIRouter(prefix="/outbound", tags=["campaigns"])
CALLBACK_HORIZON = timedelta(days=60)


class ResultIn(BaseModel):
    disposition: Disposition
    note: str | None = Field(default=None, max_length=4000)
    callback_at: Time | None = Field(
        default=None, description="call the contact again then, to this agent (with a zone)")
    do_not_call: bool = Field(default=False, description="the customer asked not to be called")


class ResultOut(BaseModel):
    attempt_id: Id
    disposition: Disposition
    contact_status: ContactStatus
    callback_at: datetime | None


@router.post("/attempts/{attempt_id}/result", response_model=ResultOut)
async def set_result(attempt_id: Id, body: ResultIn, session: Session, user: CurrentUser,
                     request: Request) -> ResultOut:
    # The attempt's agent is written behind the call: an agent quicker than a busy database
    # is still known as the one who took it.
    await get_engine(request).dialer.flush()
    attempt = await session.get(ContactAttempt, attempt_id)
    if attempt is None:
        raise NotFound([Violation("unknown_attempt", ("path", "attempt_id"),
                                  f"attempt {attempt_id} not found")])
    if user.role not in (Role.SUPERVISOR, Role.ADMIN) and (
            user.agent_id is None or user.agent_id != attempt.agent_id):
        raise NotAllowed([Violation("own_attempt", ("path", "attempt_id"),
                                    f"only the agent who took attempt {attempt_id} or a "
                                    "supervisor may set its result")])
    contact = await session.get(Contact, attempt.contact_id)
    assert contact is not None  # a foreign key, deleted with its contact
    if body.callback_at is not None:
        _check_callback(body)
        contact.status, contact.next_attempt_at = ContactStatus.PENDING, body.callback_at
        contact.callback_agent_id = attempt.agent_id
    elif body.disposition == Disposition.ANSWERING_MACHINE and not body.do_not_call:
        # Nobody was there after all: called again as the campaign's rule for machines says.
        campaign = await session.get(Campaign, attempt.campaign_id)
        assert campaign is not None  # a foreign key
        contact.next_attempt_at = retry_at(parse_retries(campaign.retries),
                                           AttemptOutcome.MACHINE, contact.attempts, utcnow())
        contact.status = (ContactStatus.EXHAUSTED if contact.next_attempt_at is None
                          else ContactStatus.PENDING)
    if body.do_not_call:
        await block_number(session, contact.phone, f"asked on attempt {attempt_id}")
        contact.status = ContactStatus.DO_NOT_CALL
    attempt.disposition, attempt.result_at = body.disposition, utcnow()
    call = await session.scalar(select(Call).where(Call.linkedid == attempt.channel_id))
    if call is not None:  # the call's record says the same as the campaign's
        session.add(CallDisposition(call_id=call.id, user_id=user.user_id, at=utcnow(),
                                    disposition=body.disposition, note=body.note))
    await session.commit()
    return ResultOut(attempt_id=attempt.id, disposition=body.disposition,
                     contact_status=contact.status, callback_at=body.callback_at)


def _check_callback(body: ResultIn) -> None:
    assert body.callback_at is not None
    at = ("body", "callback_at")
    if body.callback_at.utcoffset() is None:
        raise Refused([Violation("callback_time_zone", at, "give a time zone (e.g. +08:00)")])
    if not utcnow() <= body.callback_at <= utcnow() + CALLBACK_HORIZON:
        raise Refused([Violation("callback_horizon", at,
                                 f"between now and {CALLBACK_HORIZON.days} days from now",
                                 {"days": CALLBACK_HORIZON.days})])
    if body.do_not_call:
        raise Refused([Violation("callback_not_with_do_not_call", at, "not with do_not_call")])


class MyCampaignOut(BaseModel):
    id: int
    name: str
    mode: str


@router.get("/campaigns", response_model=list[MyCampaignOut])
async def my_campaigns(request: Request, user: CurrentUser) -> list[MyCampaignOut]:
    """The running campaigns this agent works."""
    engine = get_engine(request)
    info = engine.desk.agents.get(_agent_of(user))
    return [MyCampaignOut(id=p.id, name=p.name, mode=p.mode)
            for p in engine.dialer.plans.values() if info is not None and p.works(info)]


class PreviewOut(BaseModel):
    campaign_id: Id
    contact_id: Id
    name: str
    phone: str
    fields: dict[str, Any]
    attempts: int


class PreviewDialIn(BaseModel):
    campaign_id: Id
    contact_id: Id


class PreviewDialOut(BaseModel):
    attempt_id: Id


def _agent_of(user) -> int:
    if user.agent_id is None:
        raise NotAllowed([Violation("agents_only", (),
                                    "only an agent previews and dials a campaign's calls")])
    return user.agent_id


@router.get("/preview", response_model=PreviewOut,
            responses={204: {"description": "nobody to call now"}})
async def preview(campaign_id: Id, request: Request, user: CurrentUser):
    """The contact a preview campaign would have this agent call next (not held)."""
    try:
        contact = await get_engine(request).dialer.preview(_agent_of(user), campaign_id)
    except DialRefused as exc:
        raise conflict(exc) from None
    if contact is None:
        return Response(status_code=204)
    return PreviewOut(campaign_id=campaign_id, contact_id=contact.id, name=contact.name,
                      phone=contact.phone, fields=contact.fields, attempts=contact.attempts)


@router.post("/preview/dial", response_model=PreviewDialOut)
async def dial_preview(body: PreviewDialIn, request: Request, user: CurrentUser) -> PreviewDialOut:
    """Call the previewed contact now, for this agent (who is held for it while it rings)."""
    try:
        attempt_id = await get_engine(request).dialer.dial_preview(
            _agent_of(user), body.campaign_id, body.contact_id)
    except DialRefused as exc:
        raise conflict(exc) from None
    return PreviewDialOut(attempt_id=attempt_id)


class DialIn(BaseModel):
    phone: Phone = Field(description="e.g. 13800010001 (+86 and separators allowed)")
    retailer_id: Id | None = Field(default=None, description="the retailer called, if it is one")


@router.post("/dial", response_model=PreviewDialOut)
async def dial(body: DialIn, session: Session, user: CurrentUser,
               request: Request) -> PreviewDialOut:
    """Click-to-dial: the signed-in agent, available, calls this number, held for it while it
    rings and connected with the screen-pop when answered. It counts in the contact policy
    across campaigns (a retailer called already today by another department waits) and a
    number on the do-not-call list is refused, each naming its rule."""
    engine = get_engine(request)
    info = engine.desk.agents.get(_agent_of(user))
    if info is None:
        raise NotAllowed([Violation("agents_only", (), "only an agent places a call")])
    retailer = (await retailers.get(session, user, body.retailer_id)
                if body.retailer_id is not None else None)
    zone = await session.scalar(select(Branch.timezone).where(
        Branch.id == retailer.branch_id if retailer and retailer.branch_id
        else Branch.code == info.branch))
    try:
        attempt_id = await engine.dialer.dial_number(
            info.id, info.branch, body.phone, retailer.id if retailer else None,
            retailer.name if retailer else "", zone or "Asia/Shanghai")
    except DialRefused as exc:
        raise conflict(exc, ("body", "phone")) from None
    return PreviewDialOut(attempt_id=attempt_id)
