"""The departments work orders go to, and the step templates: per opinion kind and subject, the
ordered steps (department, deadline in hours, instruction) a work order gets when it is
dispatched without steps of its own. Headquarters' administrators keep them; each change is in
the audit log, in the change's own transaction."""
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.opinions import (
    Department,
    OpinionKind,
    OpinionSubject,
    StepTemplate,
    WorkOrder,
    WorkOrderStep,
)
from services import audit
from services.errors import Conflict, NotAllowed, NotFound, Refused, Violation
from services.principal import Principal

CODE = re.compile(r"[a-z][a-z0-9_-]{1,31}")
MAX_DEADLINE_HOURS = 24 * 366  # as a work order's own step (agent_api/routes/opinions.py)


@dataclass(frozen=True, slots=True)
class TemplateStep:
    department: str  # Department.code
    due_in_hours: float
    instruction: str


def view(d: Department) -> dict[str, Any]:
    return {"code": d.code, "name": d.name}


async def listed(session: AsyncSession) -> list[Department]:
    return list(await session.scalars(select(Department).order_by(Department.id)))


async def create(session: AsyncSession, actor: Principal, code: str, name: str) -> Department:
    _headquarters_only(actor)
    if not CODE.fullmatch(code):
        raise Refused([Violation("department_code", ("body", "code"),
                                 "a code is 2 to 32 small letters, digits, - or _, "
                                 "beginning with a letter, e.g. logistics")])
    taken = Conflict([Violation("department_taken", ("body", "code"),
                                f"department {code} exists")])
    if await session.scalar(select(Department.id).where(Department.code == code)):
        raise taken
    department = Department(code=code, name=name)
    session.add(department)
    audit.record(session, actor, "create", "department", code, after=view(department))
    await _commit(session, taken)
    return department


async def rename(session: AsyncSession, actor: Principal, code: str, name: str) -> Department:
    _headquarters_only(actor)
    department = await _get(session, code)
    before = view(department)
    department.name = name
    audit.record(session, actor, "update", "department", code, before=before,
                 after=view(department))
    await session.commit()
    return department


async def remove(session: AsyncSession, actor: Principal, code: str) -> None:
    """Work orders keep the department they went to, and a template names it: while either
    does, it stays."""
    _headquarters_only(actor)
    department = await _get(session, code)
    loc = ("path", "code")
    problems = []
    orders = await session.scalar(
        select(func.count(func.distinct(WorkOrder.id)))
        .outerjoin(WorkOrderStep, WorkOrderStep.work_order_id == WorkOrder.id)
        .where(or_(WorkOrder.department_id == department.id,
                   WorkOrderStep.department_id == department.id)))
    if orders:
        problems.append(Violation("department_in_work_orders", loc,
                                  f"{orders} work orders have steps for {code}: they are kept"))
    used = (await session.execute(
        select(StepTemplate.kind, StepTemplate.subject).distinct()
        .where(StepTemplate.department_id == department.id))).all()
    if used:
        problems.append(Violation("department_in_templates", loc, "the step templates of "
                                  + ", ".join(sorted(f"{k}/{s}" for k, s in used))
                                  + f" name {code}: change them first"))
    if problems:
        raise Conflict(problems)
    audit.record(session, actor, "delete", "department", code, before=view(department))
    await session.delete(department)
    await _commit(session, Violation("department_in_work_orders", loc,
                                     f"a work order for {code} was raised meanwhile"))


# --- the step templates -------------------------------------------------------------------------
async def templates(session: AsyncSession) -> dict[tuple[OpinionKind, OpinionSubject],
                                                   list[StepTemplate]]:
    """Every template, by kind and subject, its steps in order."""
    rows = await session.scalars(select(StepTemplate).order_by(
        StepTemplate.kind, StepTemplate.subject, StepTemplate.step_no))
    found: dict[tuple[OpinionKind, OpinionSubject], list[StepTemplate]] = {}
    for row in rows:
        found.setdefault((row.kind, row.subject), []).append(row)
    return found


async def template(session: AsyncSession, kind: OpinionKind, subject: OpinionSubject
                   ) -> list[StepTemplate]:
    return list(await session.scalars(
        select(StepTemplate).where(StepTemplate.kind == kind, StepTemplate.subject == subject)
        .order_by(StepTemplate.step_no)))


def template_view(steps: Sequence[StepTemplate]) -> dict[str, Any]:
    return {"steps": [{"department": s.department.code, "due_in_hours": s.due_in_hours,
                       "instruction": s.instruction} for s in steps]}


async def set_template(session: AsyncSession, actor: Principal, kind: OpinionKind,
                       subject: OpinionSubject, steps: Sequence[TemplateStep]
                       ) -> list[StepTemplate]:
    """The template's steps become `steps`, in this order; every broken rule is named at once."""
    _headquarters_only(actor)
    known = {d.code: d for d in await session.scalars(select(Department))}
    if problems := _template_problems(steps, known):
        raise Refused(problems)
    before = await template(session, kind, subject)
    before_view = template_view(before)
    await session.execute(delete(StepTemplate).where(StepTemplate.kind == kind,
                                                     StepTemplate.subject == subject))
    after = [StepTemplate(kind=kind, subject=subject, step_no=n, department=known[s.department],
                          due_in_hours=s.due_in_hours, instruction=s.instruction)
             for n, s in enumerate(steps, start=1)]
    session.add_all(after)
    audit.record(session, actor, "update" if before else "create", "step_template",
                 f"{kind}/{subject}", before=before_view if before else None,
                 after=template_view(after))
    await _commit(session, Violation("template_changed", ("path", "kind"),
                                     f"the template of {kind}/{subject} or a department it names "
                                     "was changed meanwhile: try again"))
    return after


def _template_problems(steps: Sequence[TemplateStep], known: dict[str, Department]
                       ) -> list[Violation]:
    if not steps:
        return [Violation("steps_given", ("body", "steps"),
                          "a template has one step at least; delete it to have none")]
    problems = []
    for i, step in enumerate(steps):
        if step.department not in known:
            problems.append(Violation("department_known", ("body", "steps", i, "department"),
                                      f"no department {step.department!r}; known: "
                                      + ", ".join(sorted(known))))
        if not 0 < step.due_in_hours <= MAX_DEADLINE_HOURS:
            problems.append(Violation("deadline_hours", ("body", "steps", i, "due_in_hours"),
                                      f"a deadline is more than 0 and at most "
                                      f"{MAX_DEADLINE_HOURS} hours"))
        if not step.instruction.strip():
            problems.append(Violation("instruction_given", ("body", "steps", i, "instruction"),
                                      "say what the department is to do"))
    return problems


async def remove_template(session: AsyncSession, actor: Principal, kind: OpinionKind,
                          subject: OpinionSubject) -> None:
    _headquarters_only(actor)
    steps = await template(session, kind, subject)
    if not steps:
        raise NotFound(f"no step template for {kind}/{subject}")
    audit.record(session, actor, "delete", "step_template", f"{kind}/{subject}",
                 before=template_view(steps))
    for step in steps:
        await session.delete(step)
    await session.commit()


async def _get(session: AsyncSession, code: str) -> Department:
    department = await session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"no department {code!r}")
    return department


async def _commit(session: AsyncSession, meanwhile: Violation | Conflict) -> None:
    """Commits; a concurrent change that broke a constraint since the checks (a code taken, a
    row now referring to what is deleted) is a Conflict, and nothing is written."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise (meanwhile if isinstance(meanwhile, Conflict) else Conflict([meanwhile])) from None


def _headquarters_only(actor: Principal) -> None:
    if not actor.administers(None):
        raise NotAllowed("only headquarters' administrators keep departments and templates")
