from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select

from agent_api.auth import CurrentUser, current_user
from agent_api.deps import Session
from agent_api.fields import Id
from agent_api.paging import PAGED, PageWindow, paged
from models import Call, CallDisposition, Disposition, IvrStep, Role, User, utcnow
from services import paging

router = APIRouter(prefix="/calls", tags=["calls"], dependencies=[Depends(current_user)])


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    linkedid: str
    direction: str
    caller_number: str
    dialed_number: str
    card_number: str | None
    retailer_id: Id | None
    business_type: str | None
    branch_id: Id | None
    queue: str | None
    agent_id: Id | None
    offered_at: datetime
    answered_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    outcome: str
    last_step: str | None
    survey_rating: int | None = Field(description="1..5, keyed by the caller when the agent "
                                                  "ended a call of a surveyed queue")


class IvrStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    state: str
    prompt: str | None
    keys: str
    result: str
    entered_at: datetime
    duration_ms: int


class DispositionIn(BaseModel):
    disposition: Disposition
    note: str | None = Field(default=None, max_length=4000)


class DispositionOut(BaseModel):
    at: datetime
    by: str
    disposition: Disposition
    note: str | None


@router.get("", response_model=list[CallOut], responses=PAGED)
async def list_calls(session: Session, user: CurrentUser, request: Request, response: Response,
                     page: PageWindow,
                     retailer_id: Id | None = None, agent_id: Id | None = None,
                     linkedid: str | None = Query(None, max_length=64,
                                                  description="the PBX's id of the call, as "
                                                              "live events give it")
                     ) -> list[Call]:
    """A page of calls, newest offered first (`since` and `until` on the offered time); a
    retailer's or an agent's history with `retailer_id` or `agent_id`; an agent of a branch
    sees that branch's calls."""
    query = select(Call)
    if linkedid is not None:  # a retired key carries a suffix after "~"
        query = query.where(or_(Call.linkedid == linkedid, Call.linkedid.like(f"{linkedid}~%")))
    if retailer_id is not None:
        query = query.where(Call.retailer_id == retailer_id)
    if agent_id is not None:
        query = query.where(Call.agent_id == agent_id)
    if not user.sees_all_branches:
        query = query.where(Call.branch_id == user.branch_id)
    found = await paging.page(session, query, Call.offered_at, Call.id, page)
    return [row[0] for row in paged(request, response, found)]


async def _call(session: Session, user: CurrentUser, call_id: Id) -> Call:
    call = await session.get(Call, call_id)
    if call is None or not user.may_see_branch(call.branch_id):
        raise HTTPException(404, f"call {call_id} not found")
    return call


@router.get("/{call_id}", response_model=CallOut)
async def get_call(call_id: Id, session: Session, user: CurrentUser) -> Call:
    return await _call(session, user, call_id)


@router.get("/{call_id}/ivr-path", response_model=list[IvrStepOut])
async def ivr_path(call_id: Id, session: Session, user: CurrentUser) -> list[IvrStep]:
    """Each step of the caller's way through the IVR: the keys, the result, how long it took."""
    call = await _call(session, user, call_id)
    linkedid = call.linkedid.split("~")[0]  # a key retired after the PBX reused it
    return list(await session.scalars(
        select(IvrStep).where(IvrStep.pbx_server == call.pbx_server, IvrStep.linkedid == linkedid,
                              IvrStep.entered_at >= call.offered_at)
        .order_by(IvrStep.seq)))


@router.post("/{call_id}/dispositions", response_model=DispositionOut, status_code=201)
async def add_disposition(call_id: Id, body: DispositionIn, session: Session,
                          user: CurrentUser) -> DispositionOut:
    """The agent who took the call says how it ended, with a note; a supervisor may correct it
    (a new row: what was said before stays)."""
    call = await _call(session, user, call_id)
    if user.role not in (Role.SUPERVISOR, Role.ADMIN) and (
            user.agent_id is None or user.agent_id != call.agent_id):
        raise HTTPException(403, f"only the agent who took call {call_id} or a supervisor "
                                 "may set its disposition")
    row = CallDisposition(call_id=call.id, user_id=user.user_id, at=utcnow(),
                          disposition=body.disposition, note=body.note)
    session.add(row)
    await session.commit()
    return DispositionOut(at=row.at, by=user.username, disposition=row.disposition,
                          note=row.note)


@router.get("/{call_id}/dispositions", response_model=list[DispositionOut])
async def dispositions(call_id: Id, session: Session, user: CurrentUser
                       ) -> list[DispositionOut]:
    """Oldest first: the last one is in force."""
    await _call(session, user, call_id)
    rows = await session.execute(
        select(CallDisposition, User.username).join(User, User.id == CallDisposition.user_id)
        .where(CallDisposition.call_id == call_id).order_by(CallDisposition.id))
    return [DispositionOut(at=d.at, by=name, disposition=d.disposition, note=d.note)
            for d, name in rows]
