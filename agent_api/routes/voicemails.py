from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session
from agent_api.fields import Id
from agent_api.paging import PAGED, PageWindow, paged
from models import Role, Voicemail, utcnow
from services import paging
from services.errors import Conflict, Violation

router = APIRouter(prefix="/voicemails", tags=["voicemails"],
                   dependencies=[Depends(require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))])


class VoicemailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    linkedid: str
    caller_number: str
    card_number: str | None
    retailer_id: Id | None
    branch_id: Id | None
    business_type: str | None
    recorded_at: datetime
    duration_ms: int
    handled_at: datetime | None
    handled_by: str | None
    note: str | None


class MarkHandled(BaseModel):
    """Who handled it is the signed-in user, never a name the client sends."""
    note: str | None = Field(default=None, max_length=2000)


@router.get("", response_model=list[VoicemailOut], responses=PAGED)
async def list_voicemails(
    session: Session, user: CurrentUser, request: Request, response: Response, page: PageWindow,
    handled: bool | None = None, branch_id: Id | None = None,
) -> list[Voicemail]:
    """A page of the messages callers left, newest first (`since` and `until` on the time it
    was left); `handled=false` is the call-back list."""
    query = select(Voicemail)
    if handled is not None:
        query = query.where(Voicemail.handled_at.is_not(None) if handled
                            else Voicemail.handled_at.is_(None))
    if branch_id is not None:
        query = query.where(Voicemail.branch_id == branch_id)
    if not user.sees_all_branches:
        query = query.where(Voicemail.branch_id == user.branch_id)
    found = await paging.page(session, query, Voicemail.recorded_at, Voicemail.id, page)
    return [row[0] for row in paged(request, response, found)]


async def _voicemail(session: Session, user: CurrentUser, voicemail_id: Id) -> Voicemail:
    vm = await session.get(Voicemail, voicemail_id)
    if vm is None or not user.may_see_branch(vm.branch_id):
        raise HTTPException(404, f"voicemail {voicemail_id} not found")
    return vm


@router.post("/{voicemail_id}/handled", response_model=VoicemailOut)
async def mark_handled(voicemail_id: Id, body: MarkHandled, session: Session,
                       user: CurrentUser) -> Voicemail:
    vm = await _voicemail(session, user, voicemail_id)
    if vm.handled_at is not None:
        raise Conflict([Violation(
            "voicemail_already_handled", ("path", "voicemail_id"),
            f"voicemail {voicemail_id} was handled by {vm.handled_by}",
            {"voicemail": voicemail_id, "handled_by": vm.handled_by})])
    vm.handled_at, vm.handled_by, vm.note = utcnow(), user.username, body.note
    await session.commit()
    return vm


@router.get("/{voicemail_id}/audio", response_class=FileResponse)
async def audio(voicemail_id: Id, session: Session, user: CurrentUser) -> FileResponse:
    vm = await _voicemail(session, user, voicemail_id)
    if not Path(vm.path).is_file():
        raise HTTPException(410, f"the recording of voicemail {voicemail_id} is gone")
    return FileResponse(vm.path, media_type="audio/wav")
