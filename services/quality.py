"""Quality scoring (质量管理评分): the weighted total and the scoring rules as pure code, then
recording a score, reading an agent's scores within the caller's sight, and their averages.

Every function that writes leaves the commit to its caller, so one request is one transaction;
a change to a form writes its audit entry into that transaction."""
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Float, Select, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent, Call, Recording, RecordingStatus, Role, utcnow
from models.quality import CallScore, CallScoreItem, ScoreCriterion, ScoreForm
from services import audit
from services.errors import NotAllowed, NotFound, Refused, Violation
from services.principal import Principal

WATCHING = (Role.SUPERVISOR, Role.OPS, Role.ADMIN)  # see every agent's scores
RECENT = 10
TENTH = Decimal("0.1")


# --- pure rules ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Criterion:
    id: int
    name: str
    weight: int
    max_points: int


@dataclass(frozen=True, slots=True)
class Item:
    criterion_id: int
    points: int


def weighted_total(criteria: Sequence[Criterion], points: Mapping[int, int]) -> Decimal:
    """sum(weight * points / max_points) / sum(weight) * 100, rounded half up to one decimal.
    Exact fractions: a float would round 12.25 down on one call and up on another."""
    if not criteria:
        raise ValueError("a form has at least one criterion")
    share = sum(Fraction(c.weight * points[c.id], c.max_points) for c in criteria)
    percent = share * 100 / sum(c.weight for c in criteria)
    return (Decimal(math.floor(percent * 10 + Fraction(1, 2))) / 10).quantize(TENTH)


def one_decimal(value: float | Decimal | None) -> float | None:
    """An average as the reports show it: half up to one decimal, the same on both databases."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(TENTH, rounding=ROUND_HALF_UP))


def score_refusals(items: Sequence[Item], criteria: Sequence[Criterion], form_active: bool,
                   call_has_agent: bool, call_recorded: bool = True) -> list[Violation]:
    """Every rule the score breaks, each naming its field; [] when it may be recorded."""
    broken = []
    if not call_has_agent:
        broken.append(Violation("call_has_agent", ("body", "call_id"),
                                "the call reached no agent: there is nobody to score"))
    elif not call_recorded:
        broken.append(Violation("call_recorded", ("body", "call_id"),
                                "the call has no complete recording to score"))
    if not form_active:
        broken.append(Violation("form_active", ("body", "form_id"),
                                "the form is retired: score on an active form"))
    known = {c.id: c for c in criteria}
    seen: set[int] = set()
    for i, item in enumerate(items):
        where = ("body", "items", i)
        criterion = known.get(item.criterion_id)
        if criterion is None:
            broken.append(Violation("criterion_known", (*where, "criterion_id"),
                                    f"criterion {item.criterion_id} is not on this form"))
            continue
        if item.criterion_id in seen:
            broken.append(Violation("criterion_once", (*where, "criterion_id"),
                                    f"{criterion.name} is scored on an earlier item"))
            continue
        seen.add(item.criterion_id)
        if not 0 <= item.points <= criterion.max_points:
            broken.append(Violation("points_in_range", (*where, "points"),
                                    f"{criterion.name}: 0 to {criterion.max_points} points"))
    missing = [c.name for c in criteria if c.id not in seen]
    if missing:
        broken.append(Violation("criterion_scored", ("body", "items"),
                                f"every criterion is scored; missing: {', '.join(missing)}"))
    return broken


def form_refusals(criterion_names: Sequence[str]) -> list[Violation]:
    broken, seen = [], set()
    for i, name in enumerate(criterion_names):
        if name in seen:
            broken.append(Violation("criterion_name_once", ("body", "criteria", i, "name"),
                                    f"{name} is on an earlier criterion"))
        seen.add(name)
    return broken


# --- forms --------------------------------------------------------------------------------------
async def create_form(session: AsyncSession, actor: Principal, name: str,
                      description: str | None, criteria: list[dict[str, Any]]) -> ScoreForm:
    broken = form_refusals([c["name"] for c in criteria])
    if await session.scalar(select(ScoreForm.id).where(ScoreForm.name == name)) is not None:
        broken.insert(0, name_taken(name))
    if broken:
        raise Refused(broken)
    form = ScoreForm(name=name, description=description, criteria=[
        ScoreCriterion(position=i, **c) for i, c in enumerate(criteria, start=1)])
    session.add(form)
    await session.flush()
    audit.record(session, actor, "create", "score_form", form.id, after=form_view(form))
    return form


async def retire_form(session: AsyncSession, actor: Principal, form_id: int) -> ScoreForm:
    """No new scores on it; the scores made on it stay, with the form they were made on."""
    form = await get_form(session, form_id)
    if form.active:
        form.active = False
        audit.record(session, actor, "retire", "score_form", form.id, before={"active": True},
                     after={"active": False})
    return form


def form_view(form: ScoreForm) -> dict[str, Any]:
    """The form as the audit log shows it."""
    return {"name": form.name, "description": form.description, "active": form.active,
            "criteria": [{"name": c.name, "weight": c.weight, "max_points": c.max_points,
                          "description": c.description} for c in form.criteria]}


def name_taken(name: str) -> Violation:
    return Violation("form_name_unique", ("body", "name"), f"a form named {name} exists")


async def get_form(session: AsyncSession, form_id: int) -> ScoreForm:
    form = await session.get(ScoreForm, form_id)
    if form is None:
        raise NotFound(f"score form {form_id} not found")
    return form


# --- scores -------------------------------------------------------------------------------------
async def record_score(session: AsyncSession, scorer: Principal, call_id: int, form_id: int,
                       items: list[dict[str, Any]], comment: str | None) -> CallScore:
    """The score of the call's agent on the form, or every broken rule at once."""
    call = await session.get(Call, call_id)
    if call is None:
        raise NotFound(f"call {call_id} not found")
    form = await get_form(session, form_id)
    criteria = [Criterion(c.id, c.name, c.weight, c.max_points) for c in form.criteria]
    recorded = await session.scalar(select(Recording.id).where(
        Recording.pbx_server == call.pbx_server, Recording.linkedid == call.linkedid,
        Recording.status == RecordingStatus.COMPLETE))
    broken = score_refusals([Item(i["criterion_id"], i["points"]) for i in items], criteria,
                            form.active, call.agent_id is not None, recorded is not None)
    if broken:
        raise Refused(broken)
    by_criterion = {i["criterion_id"]: i for i in items}
    score = CallScore(
        call_id=call.id, agent_id=call.agent_id, form_id=form.id, scorer_id=scorer.user_id,
        scored_at=utcnow(), comment=comment,
        total=weighted_total(criteria, {k: i["points"] for k, i in by_criterion.items()}),
        items=[CallScoreItem(criterion_id=c.id, points=by_criterion[c.id]["points"],
                             note=by_criterion[c.id].get("note")) for c in form.criteria])
    session.add(score)
    await session.flush()
    return score


async def visible_agent(session: AsyncSession, user: Principal, number: str) -> Agent:
    """Supervisors, ops and admins see every agent's scores; an agent only their own."""
    agent = await session.scalar(select(Agent).where(Agent.number == number))
    if user.role in WATCHING:
        if agent is None:
            raise NotFound(f"agent {number} not found")
        return agent
    if agent is None or user.agent_id != agent.id:
        raise NotAllowed(f"only agent {number} or a {' or '.join(WATCHING)} "
                                 "may see these scores")
    return agent


def _within(query: Select, since: datetime | None, until: datetime | None) -> Select:
    if since is not None:
        query = query.where(CallScore.scored_at >= since)
    if until is not None:
        query = query.where(CallScore.scored_at < until)
    return query


def scores_query(agent_id: int | None, since: datetime | None, until: datetime | None
                 ) -> Select:
    """Newest first; every agent's when `agent_id` is None."""
    query = select(CallScore).order_by(CallScore.scored_at.desc(), CallScore.id.desc())
    if agent_id is not None:
        query = query.where(CallScore.agent_id == agent_id)
    return _within(query, since, until)


async def summary(session: AsyncSession, agent: Agent, since: datetime | None,
                  until: datetime | None) -> dict[str, Any]:
    """The agent's count and average, per form, per criterion (as a percentage of its
    maximum), and the latest scores."""
    mine = CallScore.agent_id == agent.id
    average = func.avg(CallScore.total, type_=Float)
    count, mean = (await session.execute(
        _within(select(func.count(CallScore.id), average).where(mine), since, until))).one()
    by_form = await session.execute(_within(
        select(ScoreForm.id, ScoreForm.name, func.count(CallScore.id), average)
        .join(ScoreForm, CallScore.form_id == ScoreForm.id).where(mine)
        .group_by(ScoreForm.id, ScoreForm.name).order_by(ScoreForm.id), since, until))
    percent = func.avg(cast(CallScoreItem.points, Float) * 100 / ScoreCriterion.max_points,
                       type_=Float)
    by_criterion = await session.execute(_within(
        select(ScoreCriterion.id, ScoreCriterion.name, percent)
        .select_from(CallScoreItem)
        .join(CallScore, CallScoreItem.score_id == CallScore.id)
        .join(ScoreCriterion, CallScoreItem.criterion_id == ScoreCriterion.id).where(mine)
        .group_by(ScoreCriterion.id, ScoreCriterion.name, ScoreCriterion.form_id,
                  ScoreCriterion.position)
        .order_by(ScoreCriterion.form_id, ScoreCriterion.position), since, until))
    recent = await session.scalars(scores_query(agent.id, since, until).limit(RECENT))
    return {
        "agent": agent.number, "count": count, "average": one_decimal(mean),
        "by_form": [{"form_id": i, "name": n, "count": c, "average": one_decimal(a)}
                    for i, n, c, a in by_form],
        "by_criterion": [{"criterion_id": i, "name": n, "average_percent": one_decimal(p)}
                         for i, n, p in by_criterion],
        "recent": list(recent),
    }
