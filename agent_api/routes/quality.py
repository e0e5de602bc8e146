"""Quality scoring (质量管理评分): supervisors and admins keep weighted score forms and score
recorded calls on them; supervisors, ops and admins read every agent's scores and averages, an
agent only their own."""
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agent_api.auth import CurrentUser, Principal, current_user, require
from agent_api.deps import Session
from agent_api.errors import UNKNOWN
from agent_api.fields import Id
from models import Role
from models.quality import CallScore, ScoreForm
from services import quality as service
from services.errors import Refused

router = APIRouter(tags=["quality"], dependencies=[Depends(current_user)])
Scorer = Annotated[Principal, Depends(require(Role.SUPERVISOR, Role.ADMIN))]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Note = Annotated[str | None, Field(max_length=4000)]


class CriterionIn(BaseModel):
    name: Annotated[Name, Field(max_length=200)]
    weight: int = Field(gt=0, le=1000, description="its share of the total")
    max_points: int = Field(gt=0, le=1000)
    description: Note = None


class FormIn(BaseModel):
    name: Annotated[Name, Field(max_length=100)]
    description: Note = None
    criteria: list[CriterionIn] = Field(min_length=1, max_length=30,
                                        description="in the order they are scored")


class ItemIn(BaseModel):
    criterion_id: Id
    points: int = Field(description="0 to the criterion's max_points")
    note: Note = None


class ScoreIn(BaseModel):
    call_id: Id
    form_id: Id
    items: list[ItemIn] = Field(max_length=30, description="every criterion of the form once")
    comment: Note = None


class CriterionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    position: int
    name: str
    weight: int
    max_points: int
    description: str | None


class FormOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str | None
    active: bool
    created_at: datetime
    criteria: list[CriterionOut]


class ItemOut(BaseModel):
    criterion_id: Id
    name: str
    weight: int
    max_points: int
    points: int
    note: str | None


class ScoreOut(BaseModel):
    id: int
    call_id: Id
    agent: str  # the agent's number
    agent_name: str
    form_id: Id
    form_name: str
    scorer: str
    scored_at: datetime
    total: float  # the weighted percentage, 0..100
    comment: str | None
    items: list[ItemOut]


class FormAverage(BaseModel):
    form_id: Id
    name: str
    count: int
    average: float | None


class CriterionAverage(BaseModel):
    criterion_id: Id
    name: str
    average_percent: float | None


class QualityOut(BaseModel):
    agent: str
    count: int
    average: float | None
    by_form: list[FormAverage]
    by_criterion: list[CriterionAverage]
    recent: list[ScoreOut]


def _score(s: CallScore) -> ScoreOut:
    return ScoreOut(
        id=s.id, call_id=s.call_id, agent=s.agent.number, agent_name=s.agent.name,
        form_id=s.form_id, form_name=s.form.name, scorer=s.scorer.username,
        scored_at=s.scored_at, total=float(s.total), comment=s.comment, items=[
            ItemOut(criterion_id=i.criterion_id, name=i.criterion.name,
                    weight=i.criterion.weight, max_points=i.criterion.max_points,
                    points=i.points, note=i.note) for i in s.items])


@router.post("/qa/forms", response_model=FormOut, status_code=201)
async def create_form(body: FormIn, session: Session, user: Scorer) -> ScoreForm:
    try:
        form = await service.create_form(session, user, body.name, body.description,
                                         [c.model_dump() for c in body.criteria])
        await session.commit()
    except IntegrityError:  # the same name created by another request meanwhile
        await session.rollback()
        raise Refused([service.name_taken(body.name)]) from None
    return form


@router.get("/qa/forms", response_model=list[FormOut])
async def list_forms(session: Session) -> list[ScoreForm]:
    """The active forms, the ones scores are made on."""
    return list(await session.scalars(
        select(ScoreForm).where(ScoreForm.active).order_by(ScoreForm.name)))


@router.get("/qa/forms/{form_id}", response_model=FormOut)
async def get_form(form_id: Id, session: Session) -> ScoreForm:
    return await service.get_form(session, form_id)


@router.post("/qa/forms/{form_id}/retire", response_model=FormOut)
async def retire_form(form_id: Id, session: Session, user: Scorer) -> ScoreForm:
    """No new scores on it; the scores made on it stay, with the form they were made on."""
    form = await service.retire_form(session, user, form_id)
    await session.commit()
    return form


@router.post("/qa/scores", response_model=ScoreOut, status_code=201, responses=UNKNOWN)
async def score_call(body: ScoreIn, session: Session, user: Scorer) -> ScoreOut:
    """Score the call's agent on an active form: every criterion once, 0 to its max_points."""
    score = await service.record_score(session, user, body.call_id, body.form_id,
                                       [i.model_dump() for i in body.items], body.comment)
    score_id = score.id
    await session.commit()
    session.expire_all()  # relationships as committed, not as built in this request
    scored = await session.get(CallScore, score_id)
    assert scored is not None  # committed just above
    return _score(scored)


@router.get("/qa/scores", response_model=list[ScoreOut], responses=UNKNOWN)
async def list_scores(session: Session, user: CurrentUser, agent: str | None = None,
                      since: AwareDatetime | None = None, until: AwareDatetime | None = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ScoreOut]:
    """Newest first; `agent` is an agent's number. An agent sees only their own scores."""
    if agent is not None:
        agent_id = (await service.visible_agent(session, user, agent)).id
    elif user.role in service.WATCHING:
        agent_id = None
    elif user.agent_id is not None:
        agent_id = user.agent_id
    else:
        raise HTTPException(403, "only agents and a supervisor, ops or admin see scores")
    query = service.scores_query(agent_id, since, until).limit(limit)
    return [_score(s) for s in await session.scalars(query)]


@router.get("/agents/{number}/quality", response_model=QualityOut)
async def agent_quality(number: str, session: Session, user: CurrentUser,
                        since: AwareDatetime | None = None,
                        until: AwareDatetime | None = None) -> QualityOut:
    """The agent's number of scores and average total, per form, per criterion (as a
    percentage of its maximum), and the last ten scores."""
    agent = await service.visible_agent(session, user, number)
    summary = await service.summary(session, agent, since, until)
    return QualityOut(**{**summary, "recent": [_score(s) for s in summary["recent"]]})
