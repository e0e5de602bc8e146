"""Call recordings: listed by call, agent and retailer; streamed with Range for the browser's
player (supervisors, ops and the agent who took the call; a branch's users its calls'
recordings); recording control on the agent's current call; the retention purge; calls
flagged for a missing recording."""
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from agent_api import recording_links
from agent_api.auth import CurrentUser, Principal, principal_for, require
from agent_api.deps import Session, get_engine
from agent_api.errors import PBX_AWAY, refusals
from agent_api.fields import Id
from agent_api.paging import PAGED, PageWindow, paged
from agent_api.routes.agents import DeskDep, _acting_on
from asterisk.ami import AmiError
from models import Call, Recording, RecordingStatus, Role
from models.agents import Agent
from services import paging
from services.recording_store import found, listed, purge, visible

router = APIRouter(tags=["recordings"])


class RecordingOut(BaseModel):
    id: int
    linkedid: str
    call_id: Id | None
    agent: str | None
    queue: str | None
    retailer_id: Id | None
    caller_number: str | None
    policy: str
    status: RecordingStatus
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    size_bytes: int | None
    sha256: str | None
    paused_seconds: float
    problem: str | None


class RecordingAction(BaseModel):
    action: Literal["start", "pause", "resume", "stop"] = Field(
        description="start (on-demand queues), pause and resume (say, while a PIN is spoken), "
                    "stop (ends it for this call; not where the queue records every call)")


class PurgeIn(BaseModel):
    older_than_days: int | None = Field(None, ge=1, le=36_500, description=(
        "the configured retention if not given; at most 100 years"))


def _out(row) -> RecordingOut:
    rec, call_id, retailer_id, caller, agent, _ = row
    return RecordingOut(id=rec.id, linkedid=rec.linkedid, call_id=call_id, agent=agent,
                        queue=rec.queue, retailer_id=retailer_id, caller_number=caller,
                        policy=rec.policy, status=rec.status, started_at=rec.started_at,
                        ended_at=rec.ended_at, duration_seconds=rec.duration_seconds,
                        size_bytes=rec.size_bytes, sha256=rec.sha256,
                        paused_seconds=rec.paused_seconds, problem=rec.problem)


@router.get("/recordings", response_model=list[RecordingOut], responses=PAGED)
async def list_recordings(
    session: Session, user: CurrentUser, request: Request, response: Response, page: PageWindow,
    agent: Annotated[str | None, Query(max_length=16, description="agent number")] = None,
    retailer_id: Id | None = None, call_id: Id | None = None,
    linkedid: Annotated[str | None, Query(max_length=64)] = None,
    status: RecordingStatus | None = Query(None, description="missing: the flagged calls"),
) -> list[RecordingOut]:
    """A page of recordings, newest started first (`since` and `until` on the time it
    started). An agent sees the recordings of the calls they took; a user of a branch those
    of its branch's calls."""
    q = listed(user)
    for wanted, column in ((agent, Agent.number), (retailer_id, Call.retailer_id),
                           (call_id, Call.id), (linkedid, Recording.linkedid),
                           (status, Recording.status)):
        if wanted is not None:
            q = q.where(column == wanted)
    found = await paging.page(session, q, Recording.started_at, Recording.id, page)
    return [_out(r) for r in paged(request, response, found)]


@router.get("/recordings/{recording_id}", response_model=RecordingOut)
async def get_recording(recording_id: Id, session: Session, user: CurrentUser) -> RecordingOut:
    return _out(await visible(session, user, recording_id))


@router.get("/recordings/{recording_id}/link")
async def recording_link(recording_id: Id, request: Request, session: Session,
                         user: CurrentUser) -> dict[str, str]:
    """A short-lived address of the audio for the browser's <audio> element, which cannot send
    the bearer token."""
    await visible(session, user, recording_id)
    return {"url": recording_links.sign(request.app.state.settings, recording_id)}


@router.get("/recordings/{recording_id}/audio", response_class=FileResponse,
            responses={206: {"description": "the requested byte range"},
                       410: {"description": "purged by the retention policy"},
                       **refusals(401, 403)})
async def recording_audio(
    recording_id: Id, request: Request, session: Session,
    expires: int | None = None, signature: str | None = None,
) -> FileResponse:
    """The WAV file, with Range support. Bearer token, or a signed link from /link."""
    settings = request.app.state.settings
    if signature is None:
        rec = (await visible(session, await _bearer_user(request, session), recording_id))[0]
    elif recording_links.valid(settings, recording_id, expires, signature):
        rec = (await found(session, recording_id))[0]
    else:
        raise HTTPException(403, "the link is invalid or has expired")
    if rec.status == RecordingStatus.PURGED:
        raise HTTPException(410, "the recording was purged by the retention policy")
    path = settings.recordings_dir / rec.file if rec.file else None
    if rec.status != RecordingStatus.COMPLETE or path is None or not path.is_file():
        raise HTTPException(404, f"recording {recording_id} has no file ({rec.status})")
    return FileResponse(path, media_type="audio/wav",
                        filename=f"{rec.linkedid}.wav", content_disposition_type="inline")


async def _bearer_user(request: Request, session) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = await principal_for(session, token) if scheme.lower() == "bearer" and token else None
    if user is None:
        raise HTTPException(401, "not authenticated", headers={"WWW-Authenticate": "Bearer"})
    return user


@router.post("/agents/{number}/recording", responses=PBX_AWAY)
async def control_recording(number: str, body: RecordingAction, desk: DeskDep,
                            user: CurrentUser, request: Request) -> dict[str, str]:
    """On the agent's current call; by the agent, or a supervisor or admin."""
    agent = _acting_on(desk, number, user)
    try:
        await get_engine(request).recording_control.apply(agent.id, body.action)
    except LookupError as exc:
        raise HTTPException(409, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    except AmiError as exc:
        raise HTTPException(503, f"the PBX refused: {exc}") from None
    return {"agent": number, "action": body.action}


@router.post("/recordings/purge")
async def purge_recordings(body: PurgeIn, request: Request,
                           user: Annotated[Principal, Depends(require(Role.OPS, Role.ADMIN))]
                           ) -> dict[str, object]:
    """Remove the files of recordings older than the retention; their rows stay, marked purged,
    and every removal is logged."""
    settings = request.app.state.settings
    days = body.older_than_days or settings.pbx.recording_retention_days
    removed = await purge(request.app.state.sessions, settings.recordings_dir, days, user)
    return {"older_than_days": days, "removed": len(removed),
            "recordings": [r.id for r in removed]}
