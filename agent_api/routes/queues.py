from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from acd.figures import QueueFigures
from agent_api.auth import CurrentUser, current_user
from agent_api.deps import get_engine
from services import branch_scope

router = APIRouter(prefix="/queues", tags=["queues"], dependencies=[Depends(current_user)])


@router.get("", response_model=list[QueueFigures])
async def list_queues(request: Request, user: CurrentUser) -> list[QueueFigures]:
    """Each queue of the user's branch (of every branch for headquarters) now (waiting,
    longest wait) and since midnight (offered, answered, abandoned, service level, average
    speed of answer, average handle time)."""
    engine = get_engine(request)
    desk = engine.desk
    return engine.figures.queues(branch_scope.queue_policies(desk.router.policies, user),
                                 desk.router.waiting_calls(), desk.clock())


class OverflowOut(BaseModel):
    after_seconds: float
    min_level: int
    branches: tuple[str, ...]


class QueueSettingsOut(BaseModel):
    name: str
    branch: str
    business_type: str
    min_level: int
    overflow: list[OverflowOut]
    max_wait_seconds: float | None
    wrap_up_seconds: float
    service_level_seconds: float
    class_priority: dict[str, int]


@router.get("/settings", response_model=list[QueueSettingsOut])
async def queue_settings(request: Request, user: CurrentUser) -> list[QueueSettingsOut]:
    """How each queue of the user's branch routes, as the ACD applies it now."""
    policies = branch_scope.queue_policies(get_engine(request).desk.router.policies, user)
    return [QueueSettingsOut(
        name=p.name, branch=p.branch, business_type=p.business_type, min_level=p.min_level,
        overflow=[OverflowOut(after_seconds=s.after_seconds, min_level=s.min_level,
                              branches=s.branches) for s in p.overflow],
        max_wait_seconds=p.max_wait_seconds, wrap_up_seconds=p.wrap_up_seconds,
        service_level_seconds=p.service_level_seconds, class_priority=dict(p.class_priority))
        for _, p in sorted(policies.items())]
