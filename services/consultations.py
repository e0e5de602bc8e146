"""Consultations (业务咨询): a caller's question on a topic and the answer the agent gave, kept as
an opinion of kind "consultation" so that a question the agent could not answer on the call, or
one a department is to act on, is dispatched by the same work orders, task bar, overdue notices
and feedback call as any opinion (services.work_orders).

Every function that writes leaves the commit to its caller, so one request is one transaction."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Branch, Call, Retailer
from models.opinions import (
    ConsultationTopic,
    Opinion,
    OpinionKind,
    OpinionSource,
    OpinionStatus,
    OpinionSubject,
    StepTemplate,
    WorkOrder,
)
from models.phone import national_phone
from services import work_orders
from services.errors import NotFound, Refused, Violation
from services.principal import Principal


def status_on_record(answer: str | None, follow_up: bool) -> OpinionStatus:
    """Answered on the call and nothing for a department to do: resolved there and then.
    Otherwise open, for a work order to find the answer or act on it."""
    return OpinionStatus.RESOLVED if answer and not follow_up else OpinionStatus.OPEN


async def record(session: AsyncSession, user: Principal, *, topic: ConsultationTopic,
                 subject: OpinionSubject, question: str, answer: str | None, follow_up: bool,
                 retailer_id: int | None, call_id: int | None) -> Opinion:
    """A new consultation, or every broken rule at once. Its branch is the retailer's, else the
    recorder's. Asked by no known retailer, it is a consumer's, and the call's number (if it is
    one) is the number to call back with the answer."""
    wrong: list[Violation] = []
    retailer = await session.get(Retailer, retailer_id) if retailer_id is not None else None
    if retailer_id is not None and (retailer is None
                                    or not user.may_see_branch(retailer.branch_id)):
        wrong.append(Violation("retailer_in_scope", ("body", "retailer_id"),
                               f"no retailer {retailer_id} among your branch's retailers"))
    call = await session.get(Call, call_id) if call_id is not None else None
    if call_id is not None and (call is None or not user.may_see_branch(call.branch_id)):
        wrong.append(Violation("call_in_scope", ("body", "call_id"),
                               f"no call {call_id} among your branch's calls"))
    if wrong:
        raise Refused(wrong)
    number = call.caller_number if call is not None and retailer is None else ""
    consultation = Opinion(
        kind=OpinionKind.CONSULTATION, topic=topic, subject=subject, text=question,
        answer=answer or None, status=status_on_record(answer, follow_up),
        source=OpinionSource.RETAILER if retailer else OpinionSource.CONSUMER,
        retailer_id=retailer_id, call_id=call_id, captured_by=user.user_id,
        consumer_phone=national_phone(number),
        branch_id=retailer.branch_id if retailer else user.branch_id)
    session.add(consultation)
    await session.flush()
    return consultation


async def visible(session: AsyncSession, user: Principal, consultation_id: int,
                  lock: bool = False) -> Opinion:
    """A consultation the user may see; another branch's, or an opinion of another kind, is not
    found. `lock`: for a change, as work_orders.visible_opinion."""
    try:
        found = await work_orders.visible_opinion(session, user, consultation_id, lock)
    except NotFound:
        found = None
    if found is None or found.kind != OpinionKind.CONSULTATION:
        raise NotFound(f"consultation {consultation_id} not found")
    return found


@dataclass(frozen=True, slots=True)
class ConsultationQuery:
    since: datetime | None = None  # recorded at or after
    until: datetime | None = None  # recorded before
    topic: ConsultationTopic | None = None
    branch: str | None = None  # a branch's code
    status: OpinionStatus | None = None
    retailer_id: int | None = None
    limit: int = 50
    offset: int = 0


async def listed(session: AsyncSession, user: Principal, query: ConsultationQuery
                 ) -> tuple[list[Opinion], int]:
    """The page of consultations the user sees, newest first, and how many match in all."""
    where: list[Any] = [Opinion.kind == OpinionKind.CONSULTATION]
    if query.since is not None and query.until is not None and query.since >= query.until:
        raise Refused([Violation("range_order", ("query", "until"),
                                 "until must come after since")])
    if query.branch is not None:
        branch_id = await session.scalar(select(Branch.id).where(Branch.code == query.branch))
        if branch_id is None:
            raise Refused([Violation("unknown_branch", ("query", "branch"),
                                     f"no branch {query.branch!r}")])
        where.append(Opinion.branch_id == branch_id)
    for column, wanted in ((Opinion.topic, query.topic), (Opinion.status, query.status),
                           (Opinion.retailer_id, query.retailer_id)):
        if wanted is not None:
            where.append(column == wanted)
    if query.since is not None:
        where.append(Opinion.created_at >= query.since)
    if query.until is not None:
        where.append(Opinion.created_at < query.until)
    total = await session.scalar(work_orders.scoped(
        select(func.count()).select_from(Opinion).where(*where), user))
    rows = await session.scalars(work_orders.scoped(
        select(Opinion).where(*where).order_by(Opinion.created_at.desc(), Opinion.id.desc())
        .limit(query.limit).offset(query.offset), user))
    return list(rows), total or 0


# --- work orders: those of services.work_orders, once the consultation is seen to be open --------
def _open(consultation: Opinion) -> None:
    if consultation.status not in work_orders.ACTIVE:
        raise Refused([Violation("consultation_open", ("path", "consultation_id"),
                                 f"consultation {consultation.id} is {consultation.status} "
                                 "already", {"status": str(consultation.status)})])


async def raise_work_order(session: AsyncSession, user: Principal, consultation: Opinion,
                           department: str, steps: list[dict[str, Any]], now: datetime
                           ) -> WorkOrder:
    _open(consultation)
    return await work_orders.raise_work_order(session, user, consultation, department, steps,
                                              now)


async def raise_from_template(session: AsyncSession, user: Principal, consultation: Opinion,
                              department: str | None, now: datetime) -> WorkOrder:
    """In the steps of the consultations' template for the consultation's subject."""
    _open(consultation)
    template = await session.scalar(select(func.count()).select_from(StepTemplate).where(
        StepTemplate.kind == OpinionKind.CONSULTATION,
        StepTemplate.subject == consultation.subject))
    if not template:
        raise Refused([Violation(
            "template_exists", ("path", "consultation_id"),
            f"no step template for a consultation about {consultation.subject}: give the steps",
            {"kind": str(OpinionKind.CONSULTATION), "subject": str(consultation.subject)})])
    return await work_orders.raise_from_template(session, user, consultation, department, now)
