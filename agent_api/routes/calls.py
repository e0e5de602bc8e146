from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import desc, select

from agent_api.auth import CurrentUser, current_user
from agent_api.deps import Session
from models import Call, IvrStep

router = APIRouter(prefix="/calls", tags=["calls"], dependencies=[Depends(current_user)])


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    linkedid: str
    direction: str
    caller_number: str
    dialed_number: str
    card_number: str | None
    retailer_id: int | None
    business_type: str | None
    branch_id: int | None
    queue: str | None
    agent_id: int | None
    offered_at: datetime
    answered_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    outcome: str
    last_step: str | None


class IvrStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    seq: int
    state: str
    prompt: str | None
    keys: str
    result: str
    entered_at: datetime
    duration_ms: int


@router.get("", response_model=list[CallOut])
async def list_calls(session: Session, user: CurrentUser,
                     limit: int = Query(50, ge=1, le=500)) -> list[Call]:
    """Newest first; an agent of a branch sees that branch's calls."""
    query = select(Call).order_by(desc(Call.offered_at)).limit(limit)
    if not user.sees_all_branches:
        query = query.where(Call.branch_id == user.branch_id)
    return list(await session.scalars(query))


async def _call(session: Session, user: CurrentUser, call_id: int) -> Call:
    call = await session.get(Call, call_id)
    if call is None or not user.may_see_branch(call.branch_id):
        raise HTTPException(404, f"call {call_id} not found")
    return call


@router.get("/{call_id}", response_model=CallOut)
async def get_call(call_id: int, session: Session, user: CurrentUser) -> Call:
    return await _call(session, user, call_id)


@router.get("/{call_id}/ivr-path", response_model=list[IvrStepOut])
async def ivr_path(call_id: int, session: Session, user: CurrentUser) -> list[IvrStep]:
    """Each step of the caller's way through the IVR: the keys, the result, how long it took."""
    call = await _call(session, user, call_id)
    linkedid = call.linkedid.split("~")[0]  # a key retired after the PBX reused it
    return list(await session.scalars(
        select(IvrStep).where(IvrStep.pbx_server == call.pbx_server, IvrStep.linkedid == linkedid,
                              IvrStep.entered_at >= call.offered_at)
        .order_by(IvrStep.seq)))
