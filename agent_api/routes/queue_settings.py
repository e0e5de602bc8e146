"""Queue settings: wrap-up, service level, overflow, maximum wait and recording per queue; a
change routes the calls that join from then on."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from acd.routing import MAX_LEVEL, MIN_LEVEL
from agent_api.auth import require
from agent_api.deps import Session, get_engine
from models import MaxWaitOffer, Role
from models.recordings import RecordingPolicy
from services import queue_settings
from services.principal import Principal
from services.queue_settings import Overflow, QueueFields

Administrator = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN))]
Reader = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN, Role.SUPERVISOR,
                                              Role.OPS))]
DAY = 24 * 3600

router = APIRouter(prefix="/queue-settings", tags=["administration"])


class OverflowIn(BaseModel):
    after_seconds: int = Field(ge=0, le=DAY)
    min_level: int = Field(MIN_LEVEL, ge=MIN_LEVEL, le=MAX_LEVEL)
    branches: list[str] = Field(default_factory=list, max_length=50)


class QueueSettingsIn(BaseModel):
    wrap_up_seconds: int = Field(ge=0, le=3600)
    service_level_seconds: int = Field(ge=1, le=3600, description="the threshold")
    service_level_target: int = Field(ge=1, le=100, description="% answered within it")
    wait_amber_seconds: int = Field(30, ge=1, le=DAY, description=(
        "the wallboard shows the queue amber once its longest caller has waited this long"))
    wait_red_seconds: int = Field(60, ge=2, le=DAY, description="and red from this wait on; "
                                  "more than wait_amber_seconds")
    min_level: int = Field(MIN_LEVEL, ge=MIN_LEVEL, le=MAX_LEVEL)
    overflow: list[OverflowIn] = Field(default_factory=list, max_length=10)
    max_wait_seconds: int | None = Field(None, ge=10, le=DAY, description=(
        "then the caller is offered max_wait_offer; none: never"))
    max_wait_offer: MaxWaitOffer = Field(MaxWaitOffer.MESSAGE_OR_CALLBACK, description=(
        "a message (key 1) or a callback (key 2), or only one of them; the caller may wait on"))
    class_priority: dict[str, int] = Field(default_factory=dict, max_length=10,
                                           description='retailer class -> priority, e.g. {"A": 2}')
    recording: RecordingPolicy = RecordingPolicy.ALWAYS
    survey: bool = Field(False, description="the caller rates the service (a key 1..5) when the "
                                            "agent ends the call")


class OverflowOut(BaseModel):
    after_seconds: int
    min_level: int
    branches: list[str]


class QueueSettingsOut(BaseModel):
    queue: str
    branch: str
    business_type: str
    wrap_up_seconds: int
    service_level_seconds: int
    service_level_target: int
    wait_amber_seconds: int
    wait_red_seconds: int
    min_level: int
    overflow: list[OverflowOut]
    max_wait_seconds: int | None
    max_wait_offer: MaxWaitOffer
    class_priority: dict[str, int]
    recording: RecordingPolicy
    survey: bool
    own_settings: bool = Field(description="false: the defaults")


@router.get("", response_model=list[QueueSettingsOut])
async def list_queue_settings(session: Session, user: Reader) -> list[QueueSettingsOut]:
    return [QueueSettingsOut(**q) for q in await queue_settings.listed(session, user)]


@router.put("/{queue}", response_model=QueueSettingsOut)
async def put_queue_settings(queue: str, body: QueueSettingsIn, session: Session,
                             admin: Administrator, request: Request) -> QueueSettingsOut:
    fields = QueueFields(
        **body.model_dump(exclude={"overflow", "class_priority"}),
        overflow=tuple(Overflow(s.after_seconds, s.min_level, tuple(s.branches))
                       for s in body.overflow),
        class_priority=tuple(sorted(body.class_priority.items())))
    out = await queue_settings.put(session, admin, queue, fields)
    await get_engine(request).organisation_changed()
    return QueueSettingsOut(**out)


@router.delete("/{queue}", status_code=204)
async def reset_queue_settings(queue: str, session: Session, admin: Administrator,
                               request: Request) -> None:
    await queue_settings.reset(session, admin, queue)
    await get_engine(request).organisation_changed()
