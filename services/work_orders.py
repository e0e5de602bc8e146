"""Customer opinions and their work orders: capture, dispatch in ordered steps with deadlines,
completion, resolution with a feedback call, the task bar of overdue steps, the notices of
steps that just became overdue, and a retailer's open cases for the screen-pop.

Every function that writes leaves the commit to its caller, so one request is one transaction."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Agent, Branch, Call, CallbackRequest, Retailer, Role, User, utcnow
from models.opinions import (
    Department,
    Opinion,
    OpinionSource,
    OpinionStatus,
    StepTemplate,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderStep,
)
from models.phone import national_phone
from services.errors import NotFound, Refused, Violation
from services.principal import Principal

SOON = timedelta(hours=1)  # the task bar also shows steps due within the hour
EXCERPT = 80
ACTIVE = (OpinionStatus.OPEN, OpinionStatus.IN_PROGRESS)


# --- pure rules ---------------------------------------------------------------------------------
def is_overdue(step: WorkOrderStep, now: datetime) -> bool:
    return step.done_at is None and step.due_at < now


def next_step(steps: Sequence[WorkOrderStep]) -> WorkOrderStep | None:
    return min((s for s in steps if s.done_at is None), key=lambda s: s.step_no, default=None)


def work_order_status(steps: Sequence[WorkOrderStep]) -> WorkOrderStatus:
    return WorkOrderStatus.OPEN if next_step(steps) else WorkOrderStatus.DONE


def step_refusal(steps: Sequence[WorkOrderStep], step_no: int) -> Violation | None:
    """Why step `step_no` may not be completed now: done already, or an earlier one is open."""
    loc = ("path", "step_no")
    step = next(s for s in steps if s.step_no == step_no)
    if step.done_at is not None:
        return Violation("step_not_done", loc, f"step {step_no} was done at "
                                               f"{step.done_at.isoformat(timespec='seconds')}")
    first = next_step(steps)
    assert first is not None  # `step` itself is still open
    if first is not step:
        return Violation("step_order", loc, f"step {first.step_no} comes before step {step_no}")
    return None


def deadline(due_at: datetime | None, due_in_hours: float | None, now: datetime
             ) -> datetime | None:
    if due_in_hours is not None:
        return now + timedelta(hours=due_in_hours)
    return due_at


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…"


# --- reading within the caller's scope ----------------------------------------------------------
def scoped(query: Select, user: Principal) -> Select:
    return query if user.sees_all_branches else query.where(Opinion.branch_id == user.branch_id)


async def visible_opinion(session: AsyncSession, user: Principal, opinion_id: int,
                          lock: bool = False) -> Opinion:
    """`lock`: for a change, so two requests on one opinion (a work order raised while it is
    resolved) take turns and each sees the other's result."""
    opinion = await session.get(Opinion, opinion_id, with_for_update=_locked(Opinion, lock))
    if opinion is None or not user.may_see_branch(opinion.branch_id):
        raise NotFound(f"opinion {opinion_id} not found")
    return opinion


async def visible_work_order(session: AsyncSession, user: Principal, work_order_id: int,
                             lock: bool = False) -> WorkOrder:
    work_order = await session.get(WorkOrder, work_order_id,
                                   with_for_update=_locked(WorkOrder, lock))
    if work_order is not None:
        opinion = await session.get(Opinion, work_order.opinion_id)
        assert opinion is not None  # a foreign key, deleted with its opinion
        if user.may_see_branch(opinion.branch_id):
            return work_order
    raise NotFound(f"work order {work_order_id} not found")


def _locked(table: type, lock: bool) -> dict[str, Any] | None:
    # only the row itself: PostgreSQL refuses FOR UPDATE of the eager loads' outer joins
    return {"of": table} if lock else None


# --- writing ------------------------------------------------------------------------------------
async def capture(session: AsyncSession, user: Principal, *, source: OpinionSource,
                  retailer_id: int | None, consumer_name: str | None,
                  consumer_phone: str | None, call_id: int | None, **fields: Any) -> Opinion:
    """A new opinion, or every broken rule at once. A consumer's opinion may name the retailer
    it is about; its branch is then the retailer's, else the capturer's."""
    wrong: list[Violation] = []
    retailer = await session.get(Retailer, retailer_id) if retailer_id is not None else None
    if retailer_id is not None and (retailer is None
                                    or not user.may_see_branch(retailer.branch_id)):
        wrong.append(Violation("retailer_in_scope", ("body", "retailer_id"),
                               f"no retailer {retailer_id} among your branch's retailers"))
    elif source == OpinionSource.RETAILER and retailer_id is None:
        wrong.append(Violation("retailer_required", ("body", "retailer_id"),
                               "a retailer's opinion names the retailer"))
    if source == OpinionSource.CONSUMER:
        if not (consumer_name or "").strip():
            wrong.append(Violation("consumer_contact", ("body", "consumer_name"),
                                   "a consumer's opinion needs the consumer's name"))
        if consumer_phone is None or national_phone(consumer_phone) != consumer_phone:
            wrong.append(Violation("consumer_phone", ("body", "consumer_phone"),
                                   "a consumer's opinion needs a phone number of digits 0-9"))
    if call_id is not None:
        call = await session.get(Call, call_id)
        if call is None or not user.may_see_branch(call.branch_id):
            wrong.append(Violation("call_in_scope", ("body", "call_id"),
                                   f"no call {call_id} among your branch's calls"))
    if wrong:
        raise Refused(wrong)
    opinion = Opinion(source=source, retailer_id=retailer_id, call_id=call_id,
                      consumer_name=consumer_name.strip() if consumer_name else None,
                      consumer_phone=consumer_phone or None, captured_by=user.user_id,
                      branch_id=retailer.branch_id if retailer else user.branch_id, **fields)
    session.add(opinion)
    await session.flush()
    return opinion


async def raise_work_order(session: AsyncSession, user: Principal, opinion: Opinion,
                           department: str, steps: list[dict[str, Any]], now: datetime
                           ) -> WorkOrder:
    """Dispatch to `department` in ordered steps (a step's own department defaults to it);
    each step is due at `due_at`, or `due_in_hours` from now."""
    known = {d.code: d for d in await session.scalars(select(Department))}
    wrong = _opinion_active(opinion)
    if department not in known:
        wrong.append(Violation("department_known", ("body", "department"),
                               f"no department {department!r}; known: {', '.join(sorted(known))}"))
    rows = []
    for i, step in enumerate(steps):
        code = step.get("department") or department
        if step.get("department") and code not in known:
            wrong.append(Violation("department_known", ("body", "steps", i, "department"),
                                   f"no department {code!r}"))
        due = deadline(step.get("due_at"), step.get("due_in_hours"), now)
        if due is None or (step.get("due_at") and step.get("due_in_hours")):
            wrong.append(Violation("deadline_given", ("body", "steps", i, "due_at"),
                                   "give due_at or due_in_hours, one of them"))
        elif due <= now:
            wrong.append(Violation("due_in_future", ("body", "steps", i, "due_at"),
                                   f"the deadline {due.isoformat(timespec='seconds')} has passed"))
        rows.append((code, step["description"], due))
    if wrong:
        raise Refused(wrong)
    work_order = WorkOrder(opinion_id=opinion.id, department=known[department],
                           created_by=user.user_id, created_at=now, steps=[
                               WorkOrderStep(step_no=n, department=known[code],
                                             description=text, due_at=due)
                               for n, (code, text, due) in enumerate(rows, start=1)])
    session.add(work_order)
    opinion.status = OpinionStatus.IN_PROGRESS
    await session.flush()
    return work_order


async def raise_from_template(session: AsyncSession, user: Principal, opinion: Opinion,
                              department: str | None, now: datetime) -> WorkOrder:
    """Dispatch in the steps of the template of the opinion's kind and subject, each due its
    default hours from now; to `department`, else to the first step's."""
    templated = await session.scalars(
        select(StepTemplate).where(StepTemplate.kind == opinion.kind,
                                   StepTemplate.subject == opinion.subject)
        .order_by(StepTemplate.step_no))
    steps: list[dict[str, Any]] = [
        {"department": t.department.code, "description": t.instruction, "due_at": None,
         "due_in_hours": t.due_in_hours} for t in templated]
    if not steps:
        raise Refused(_opinion_active(opinion) + [Violation(
            "template_exists", ("path", "opinion_id"),
            f"no step template for a {opinion.kind} about {opinion.subject}: give the steps")])
    return await raise_work_order(session, user, opinion, department or steps[0]["department"],
                                  steps, now)


async def complete_step(session: AsyncSession, user: Principal, work_order: WorkOrder,
                        step_no: int, outcome: str, now: datetime) -> None:
    if step_no not in {s.step_no for s in work_order.steps}:
        raise NotFound(f"work order {work_order.id} has no step {step_no}")
    wrong = step_refusal(work_order.steps, step_no)
    if wrong:
        raise Refused([wrong])
    step = next(s for s in work_order.steps if s.step_no == step_no)
    step.done_at, step.done_by, step.outcome = now, user.user_id, outcome
    work_order.status = work_order_status(work_order.steps)
    if work_order.status == WorkOrderStatus.DONE:
        work_order.done_at = now
    await session.flush()


async def resolve(session: AsyncSession, opinion: Opinion, outcome: str,
                  feedback_call_at: datetime | None, status: OpinionStatus, now: datetime
                  ) -> CallbackRequest | None:
    """Record the outcome once every step is done; a feedback call becomes a pending callback
    request, which the dialer calls at its time, first for the agent who took the opinion."""
    wrong = _opinion_active(opinion)
    open_steps = [(w.id, s.step_no) for w in opinion.work_orders for s in w.steps
                  if s.done_at is None]
    if open_steps:
        wrong.append(Violation("work_orders_done", ("path", "opinion_id"), "open steps: "
                               + ", ".join(f"work order {w} step {n}" for w, n in open_steps)))
    number = await _number_to_call(session, opinion) if feedback_call_at else None
    if feedback_call_at is not None and feedback_call_at <= now:
        wrong.append(Violation("feedback_in_future", ("body", "feedback_call_at"),
                               "the feedback call must be scheduled in the future"))
    elif feedback_call_at is not None and not number:
        wrong.append(Violation("callback_number", ("body", "feedback_call_at"),
                               "no phone number to call the customer back on"))
    if wrong:
        raise Refused(wrong)
    opinion.status, opinion.outcome, opinion.feedback_call_at = status, outcome, feedback_call_at
    callback = None
    if feedback_call_at is not None:
        assert number is not None  # refused above without a number to call
        callback = await _callback(session, opinion, number, feedback_call_at)
        session.add(callback)
    await session.flush()
    return callback


def _opinion_active(opinion: Opinion) -> list[Violation]:
    if opinion.status in ACTIVE:
        return []
    return [Violation("opinion_open", ("path", "opinion_id"),
                      f"opinion {opinion.id} is {opinion.status} already")]


async def _number_to_call(session: AsyncSession, opinion: Opinion) -> str | None:
    if opinion.source == OpinionSource.CONSUMER:
        return opinion.consumer_phone
    call = await session.get(Call, opinion.call_id) if opinion.call_id else None
    caller = national_phone(call.caller_number) if call is not None else None
    if caller is not None:
        return caller
    phones = opinion.retailer.phones if opinion.retailer else []
    return phones[0].number if phones else None


async def _callback(session: AsyncSession, opinion: Opinion, number: str, at: datetime
                    ) -> CallbackRequest:
    # callback_requests is keyed by a call; the feedback's key names the opinion instead, and
    # requested_at is when the customer is to be called (not before).
    call = await session.get(Call, opinion.call_id) if opinion.call_id else None
    branch = await session.get(Branch, opinion.branch_id) if opinion.branch_id else None
    queue = call.queue if call and call.queue else f"{branch.code if branch else 'HQ'}-complaint"
    return CallbackRequest(pbx_server=call.pbx_server if call else "",
                           linkedid=f"opinion-{opinion.id}", caller_number=number,
                           retailer_id=opinion.retailer_id, queue=queue, requested_at=at,
                           agent_id=opinion.capturer.agent_id)


# --- the task bar and overdue notices -----------------------------------------------------------
def _open_steps() -> Select:
    return (select(WorkOrderStep, Opinion.id.label("opinion_id"), Opinion.kind, Opinion.subject,
                   Opinion.text, Opinion.consumer_name, Retailer.id.label("retailer_id"),
                   Retailer.name.label("retailer_name"))
            .join(WorkOrder, WorkOrder.id == WorkOrderStep.work_order_id)
            .join(Opinion, Opinion.id == WorkOrder.opinion_id)
            .outerjoin(Retailer, Retailer.id == Opinion.retailer_id)
            .where(WorkOrderStep.done_at.is_(None))
            .order_by(WorkOrderStep.due_at, WorkOrderStep.id))


def _task(row: Any, now: datetime) -> dict[str, Any]:
    step: WorkOrderStep = row.WorkOrderStep
    return {"work_order_id": step.work_order_id, "step_no": step.step_no,
            "department": step.department.code, "department_name": step.department.name,
            "description": step.description, "due_at": step.due_at.isoformat(),
            "overdue": is_overdue(step, now), "opinion_id": row.opinion_id,
            "opinion_kind": str(row.kind), "opinion_subject": str(row.subject),
            "opinion_excerpt": excerpt(row.text), "retailer_id": row.retailer_id,
            "retailer_name": row.retailer_name, "consumer_name": row.consumer_name}


async def tasks(session: AsyncSession, user: Principal, now: datetime, limit: int = 100
                ) -> list[dict[str, Any]]:
    """Open steps overdue or due within the hour, oldest deadline first: an agent's of the
    opinions the agent captured, anyone else's of every opinion in scope."""
    query = _open_steps().where(WorkOrderStep.due_at < now + SOON).limit(limit)
    if user.role == Role.AGENT:
        query = query.where(Opinion.captured_by == user.user_id)
    return [_task(row, now) for row in await session.execute(scoped(query, user))]


@dataclass(frozen=True, slots=True)
class OverdueNotice:
    user_id: int  # who captured the opinion
    agent_id: int | None  # that user's agent, if an agent
    agent_number: str | None
    payload: dict[str, Any]  # JSON-ready, the same fields as a task of GET /tasks


async def newly_overdue(session: AsyncSession, now: datetime) -> list[OverdueNotice]:
    """Steps that became overdue and were not notified yet, marked notified in this session
    (the caller commits): each is told once."""
    query = (_open_steps().add_columns(User.id.label("user_id"), Agent.id.label("agent_id"),
                                       Agent.number.label("agent_number"))
             .join(User, User.id == Opinion.captured_by)
             .outerjoin(Agent, Agent.id == User.agent_id)
             .where(WorkOrderStep.due_at < now, WorkOrderStep.overdue_notified_at.is_(None))
             .with_for_update(of=WorkOrderStep, skip_locked=True))
    notices = []
    for row in await session.execute(query):
        row.WorkOrderStep.overdue_notified_at = now
        notices.append(OverdueNotice(row.user_id, row.agent_id, row.agent_number,
                                     _task(row, now)))
    await session.flush()
    return notices


# --- the screen-pop -----------------------------------------------------------------------------
async def open_cases(session: AsyncSession, retailer_id: int, now: datetime | None = None,
                     limit: int = 10) -> list[dict[str, Any]]:
    """A retailer's open and in-progress opinions, newest first, with their open work orders."""
    now = now or utcnow()
    opinions = await session.scalars(
        select(Opinion).where(Opinion.retailer_id == retailer_id, Opinion.status.in_(ACTIVE))
        .order_by(Opinion.created_at.desc(), Opinion.id.desc()).limit(limit))
    return [{"id": o.id, "kind": str(o.kind), "subject": str(o.subject),
             "source": str(o.source), "status": str(o.status),
             "created_at": o.created_at.isoformat(), "excerpt": excerpt(o.text),
             "work_orders": [_open_work_order(w, now) for w in o.work_orders
                             if w.status == WorkOrderStatus.OPEN]}
            for o in opinions]


def _open_work_order(w: WorkOrder, now: datetime) -> dict[str, Any]:
    step = next_step(w.steps)
    return {"id": w.id, "department": w.department.code, "department_name": w.department.name,
            "next_step": None if step is None else {
                "step_no": step.step_no, "description": step.description,
                "department": step.department.code, "due_at": step.due_at.isoformat()},
            "due_at": step.due_at.isoformat() if step else None,
            "overdue": any(is_overdue(s, now) for s in w.steps)}
