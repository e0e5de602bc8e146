"""Customer opinions (客户意见), the work orders that dispatch them to departments step by step,
the agent's task bar of overdue steps, and the departments. Agents act within their branch;
supervisors and admins everywhere; ops read."""
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import select

from agent_api.auth import CurrentUser, Principal, current_user, require
from agent_api.deps import Session
from agent_api.fields import Id
from agent_api.paging import PAGED, PageWindow, paged
from models import Role, utcnow
from models.opinions import (
    Department,
    Opinion,
    OpinionKind,
    OpinionSource,
    OpinionStatus,
    OpinionSubject,
    WorkOrder,
    WorkOrderStatus,
)
from models.phone import Phone
from services import paging
from services import work_orders as service

router = APIRouter(tags=["opinions"], dependencies=[Depends(current_user)])
Actor = Annotated[Principal, Depends(require(Role.AGENT, Role.SUPERVISOR, Role.ADMIN))]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class OpinionIn(BaseModel):
    kind: Literal[OpinionKind.COMPLAINT, OpinionKind.SUGGESTION, OpinionKind.PRAISE]
    subject: OpinionSubject
    source: OpinionSource
    retailer_id: Id | None = Field(None, description="required from a retailer; for a "
                                                      "consumer, the retailer it is about")
    consumer_name: str | None = Field(None, max_length=100, description="required from a consumer")
    consumer_phone: Phone | None = Field(None, description="required from a consumer")
    text: Text
    call_id: Id | None = Field(None, description="the call it was taken on")


class StepIn(BaseModel):
    department: str | None = Field(None, max_length=32, description="the work order's if not given")
    description: Text
    due_at: AwareDatetime | None = None
    due_in_hours: float | None = Field(None, gt=0, le=24 * 366, description="instead of due_at")


class WorkOrderIn(BaseModel):
    department: str = Field(max_length=32, description="a department code (GET /departments)")
    steps: list[StepIn] = Field(min_length=1, max_length=20, description="done in this order")


class OutcomeIn(BaseModel):
    outcome: Text


class ResolveIn(BaseModel):
    outcome: Text
    feedback_call_at: AwareDatetime | None = Field(
        None, description="when to call the customer back with the outcome")
    status: Literal[OpinionStatus.RESOLVED, OpinionStatus.CLOSED] = OpinionStatus.RESOLVED


class StepOut(BaseModel):
    step_no: int
    department: str
    department_name: str
    description: str
    due_at: datetime
    done_at: datetime | None
    done_by: str | None
    outcome: str | None
    overdue: bool


class WorkOrderOut(BaseModel):
    id: int
    opinion_id: Id
    department: str
    department_name: str
    status: WorkOrderStatus
    created_at: datetime
    done_at: datetime | None
    steps: list[StepOut]


class OpinionOut(BaseModel):
    id: int
    kind: OpinionKind
    subject: OpinionSubject
    source: OpinionSource
    status: OpinionStatus
    retailer_id: Id | None
    retailer_name: str | None
    consumer_name: str | None
    consumer_phone: str | None
    text: str
    call_id: Id | None
    captured_by: str
    branch_id: Id | None
    outcome: str | None
    feedback_call_at: datetime | None
    created_at: datetime
    updated_at: datetime
    work_orders: list[WorkOrderOut]


class TaskOut(BaseModel):
    work_order_id: Id
    step_no: int
    department: str
    department_name: str
    description: str
    due_at: datetime
    overdue: bool
    opinion_id: Id
    opinion_kind: OpinionKind
    opinion_subject: OpinionSubject
    opinion_excerpt: str
    retailer_id: Id | None
    retailer_name: str | None
    consumer_name: str | None


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str


def _work_order(w: WorkOrder, now: datetime) -> WorkOrderOut:
    return WorkOrderOut(
        id=w.id, opinion_id=w.opinion_id, department=w.department.code,
        department_name=w.department.name, status=w.status, created_at=w.created_at,
        done_at=w.done_at, steps=[
            StepOut(step_no=s.step_no, department=s.department.code,
                    department_name=s.department.name, description=s.description,
                    due_at=s.due_at, done_at=s.done_at,
                    done_by=s.completer.username if s.completer else None, outcome=s.outcome,
                    overdue=service.is_overdue(s, now)) for s in w.steps])


def _opinion(o: Opinion) -> OpinionOut:
    now = utcnow()
    return OpinionOut(
        id=o.id, kind=o.kind, subject=o.subject, source=o.source, status=o.status,
        retailer_id=o.retailer_id, retailer_name=o.retailer.name if o.retailer else None,
        consumer_name=o.consumer_name, consumer_phone=o.consumer_phone, text=o.text,
        call_id=o.call_id, captured_by=o.capturer.username, branch_id=o.branch_id,
        outcome=o.outcome, feedback_call_at=o.feedback_call_at, created_at=o.created_at,
        updated_at=o.updated_at, work_orders=[_work_order(w, now) for w in o.work_orders])


async def _reloaded(session: Session, user: Principal, opinion_id: Id) -> OpinionOut:
    session.expire_all()  # relationships as committed, not as built in this request
    return _opinion(await service.visible_opinion(session, user, opinion_id))


async def _reloaded_work_order(session: Session, user: Principal, work_order_id: Id,
                               now: datetime) -> WorkOrderOut:
    session.expire_all()
    return _work_order(await service.visible_work_order(session, user, work_order_id), now)


@router.post("/opinions", response_model=OpinionOut, status_code=201)
async def capture(body: OpinionIn, session: Session, user: Actor) -> OpinionOut:
    """A complaint, suggestion or praise from a retailer of the caller's branch or from a
    consumer (name and phone), optionally on a call the caller may see."""
    opinion = await service.capture(session, user, **body.model_dump())
    await session.commit()
    return await _reloaded(session, user, opinion.id)


@router.get("/opinions", response_model=list[OpinionOut], responses=PAGED)
async def list_opinions(session: Session, user: CurrentUser, request: Request,
                        response: Response, page: PageWindow, retailer_id: Id | None = None,
                        status: OpinionStatus | None = None, kind: OpinionKind | None = None
                        ) -> list[OpinionOut]:
    """A page of opinions, newest captured first (`since` and `until` on the time it was
    captured); an agent of a branch sees that branch's opinions."""
    query = select(Opinion)
    for column, value in ((Opinion.retailer_id, retailer_id), (Opinion.status, status),
                          (Opinion.kind, kind)):
        if value is not None:
            query = query.where(column == value)
    found = await paging.page(session, service.scoped(query, user), Opinion.created_at,
                              Opinion.id, page)
    return [_opinion(row[0]) for row in paged(request, response, found)]


@router.get("/opinions/{opinion_id}", response_model=OpinionOut)
async def get_opinion(opinion_id: Id, session: Session, user: CurrentUser) -> OpinionOut:
    return _opinion(await service.visible_opinion(session, user, opinion_id))


@router.post("/opinions/{opinion_id}/work-orders", response_model=WorkOrderOut, status_code=201)
async def raise_work_order(opinion_id: Id, body: WorkOrderIn, session: Session,
                           user: Actor) -> WorkOrderOut:
    """Dispatch the opinion to a department in ordered steps, each with its deadline (due_at,
    or due_in_hours from now); the opinion is then in progress."""
    opinion = await service.visible_opinion(session, user, opinion_id, lock=True)
    now = utcnow()
    work_order = await service.raise_work_order(
        session, user, opinion, body.department, [s.model_dump() for s in body.steps], now)
    await session.commit()
    return await _reloaded_work_order(session, user, work_order.id, now)


@router.post("/work-orders/{work_order_id}/steps/{step_no}/complete",
             response_model=WorkOrderOut)
async def complete_step(work_order_id: Id, step_no: Id, body: OutcomeIn, session: Session,
                        user: Actor) -> WorkOrderOut:
    """Steps are done in order, each once; when the last is done the work order is done and the
    opinion may be resolved."""
    work_order = await service.visible_work_order(session, user, work_order_id, lock=True)
    now = utcnow()
    await service.complete_step(session, user, work_order, step_no, body.outcome, now)
    await session.commit()
    return await _reloaded_work_order(session, user, work_order_id, now)


@router.post("/opinions/{opinion_id}/resolve", response_model=OpinionOut)
async def resolve(opinion_id: Id, body: ResolveIn, session: Session, user: Actor
                  ) -> OpinionOut:
    """Record the outcome once no step is open; `feedback_call_at` schedules the call that tells
    the customer (a pending callback request for the dialer)."""
    opinion = await service.visible_opinion(session, user, opinion_id, lock=True)
    await service.resolve(session, opinion, body.outcome, body.feedback_call_at, body.status,
                          utcnow())
    await session.commit()
    return await _reloaded(session, user, opinion_id)


@router.get("/tasks", response_model=list[TaskOut])
async def tasks(session: Session, user: CurrentUser,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict]:
    """The task bar: open steps overdue or due within the hour, oldest deadline first; an
    agent's of the opinions the agent captured, a supervisor's of all in scope."""
    return await service.tasks(session, user, utcnow(), limit)


@router.get("/departments", response_model=list[DepartmentOut])
async def departments(session: Session) -> list[Department]:
    return list(await session.scalars(select(Department).order_by(Department.id)))
