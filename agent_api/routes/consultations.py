"""Consultations (业务咨询): the question a caller asked on a topic and the answer the agent gave,
and the work orders raised for one a department is to answer or act on. Roles as the opinions':
agents act within their branch, supervisors and admins everywhere, everyone signed in reads."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import BaseModel, Field, StringConstraints

from agent_api.auth import CurrentUser, current_user
from agent_api.deps import Session
from agent_api.fields import Id, Moment, Offset
from agent_api.routes.departments import FromTemplateIn
from agent_api.routes.opinions import (
    Actor,
    WorkOrderIn,
    WorkOrderOut,
    _reloaded_work_order,
    _work_order,
)
from agent_api.routes.retailers import TOTAL_COUNT
from models import utcnow
from models.opinions import ConsultationTopic, Opinion, OpinionStatus, OpinionSubject
from services import consultations as service
from services.principal import Principal

router = APIRouter(tags=["consultations"], dependencies=[Depends(current_user)])
Said = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class ConsultationIn(BaseModel):
    topic: ConsultationTopic
    question: Said
    answer: Answer | None = Field(None, description="the answer given on the call; none or "
                                                    "empty: not answered yet, open")
    follow_up: bool = Field(False, description="a department is to act on it though it was "
                                               "answered: it stays open for a work order")
    subject: OpinionSubject = Field(OpinionSubject.COMMERCE,
                                    description="commerce or logistics, as an opinion's: "
                                                "chooses the step template")
    retailer_id: Id | None = Field(None, description="the retailer who asked, if known")
    call_id: Id | None = Field(None, description="the call it was asked on")


class ConsultationOut(BaseModel):
    id: int
    topic: ConsultationTopic
    subject: OpinionSubject
    question: str
    answer: str | None
    status: OpinionStatus
    retailer_id: Id | None
    retailer_name: str | None
    call_id: Id | None
    recorded_by: str
    branch_id: Id | None
    outcome: str | None  # the answer found by the work orders (POST /opinions/{id}/resolve)
    created_at: datetime
    work_orders: list[WorkOrderOut]


def _out(c: Opinion) -> ConsultationOut:
    assert c.topic is not None  # a consultation's, by the table's check
    now = utcnow()
    return ConsultationOut(
        id=c.id, topic=c.topic, subject=c.subject, question=c.text, answer=c.answer,
        status=c.status, retailer_id=c.retailer_id,
        retailer_name=c.retailer.name if c.retailer else None, call_id=c.call_id,
        recorded_by=c.capturer.username, branch_id=c.branch_id, outcome=c.outcome,
        created_at=c.created_at, work_orders=[_work_order(w, now) for w in c.work_orders])


@router.post("/consultations", response_model=ConsultationOut, status_code=201)
async def record(body: ConsultationIn, session: Session, user: Actor) -> ConsultationOut:
    """A question on a topic, from a retailer of the caller's branch or from a caller not
    identified, optionally on a call the caller may see. Answered (and no follow-up) it is
    resolved; otherwise it is open for a work order."""
    consultation = await service.record(session, user, **body.model_dump())
    await session.commit()
    return await _reloaded(session, user, consultation.id)


@router.get("/consultations", response_model=list[ConsultationOut])
async def list_consultations(
    session: Session, user: CurrentUser, response: Response,
    since: Annotated[Moment | None, Query(description="recorded at or after")] = None,
    until: Annotated[Moment | None, Query(description="recorded before")] = None,
    topic: ConsultationTopic | None = None,
    branch: Annotated[str | None, Query(max_length=16, description="a branch's code")] = None,
    status: OpinionStatus | None = None, retailer_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[ConsultationOut]:
    """A page of consultations, newest first; the `X-Total-Count` header says how many match
    in all. A user of a branch sees that branch's."""
    rows, total = await service.listed(session, user, service.ConsultationQuery(
        since, until, topic, branch, status, retailer_id, limit, offset))
    response.headers[TOTAL_COUNT] = str(total)
    return [_out(c) for c in rows]


@router.get("/consultations/{consultation_id}", response_model=ConsultationOut)
async def get_consultation(consultation_id: Id, session: Session, user: CurrentUser
                           ) -> ConsultationOut:
    return _out(await service.visible(session, user, consultation_id))


@router.post("/consultations/{consultation_id}/work-orders", response_model=WorkOrderOut,
             status_code=201)
async def raise_work_order(consultation_id: Id, body: WorkOrderIn, session: Session,
                           user: Actor) -> WorkOrderOut:
    """Dispatch an open consultation to a department in ordered steps, as an opinion's; it is
    then in progress, and resolved by POST /opinions/{id}/resolve with the answer found."""
    consultation = await service.visible(session, user, consultation_id, lock=True)
    now = utcnow()
    work_order = await service.raise_work_order(
        session, user, consultation, body.department, [s.model_dump() for s in body.steps], now)
    await session.commit()
    return await _reloaded_work_order(session, user, work_order.id, now)


@router.post("/consultations/{consultation_id}/work-orders/from-template",
             response_model=WorkOrderOut, status_code=201)
async def raise_from_template(consultation_id: Id, session: Session, user: Actor,
                              body: Annotated[FromTemplateIn | None, Body()] = None
                              ) -> WorkOrderOut:
    """Dispatch in the steps of the consultations' template for its subject
    (PUT /step-templates/consultation/{subject}); 422 `rule.template_exists` if there is none."""
    consultation = await service.visible(session, user, consultation_id, lock=True)
    now = utcnow()
    work_order = await service.raise_from_template(
        session, user, consultation, body.department if body else None, now)
    await session.commit()
    return await _reloaded_work_order(session, user, work_order.id, now)


async def _reloaded(session: Session, user: Principal, consultation_id: Id
                    ) -> ConsultationOut:
    session.expire_all()  # relationships as committed, not as built in this request
    return _out(await service.visible(session, user, consultation_id))
