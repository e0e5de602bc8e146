"""Departments and the step templates kept by headquarters' administrators (supervisors and ops
read the templates; everyone reads the departments, GET /departments beside the opinions), and
the dispatch of an opinion in its template's steps."""
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, Field

from agent_api.auth import current_user, require
from agent_api.deps import Session
from agent_api.fields import Id
from agent_api.routes.opinions import Actor, DepartmentOut, WorkOrderOut, _reloaded_work_order
from models import Role, utcnow
from models.opinions import Department, OpinionKind, OpinionSubject, StepTemplate
from services import departments
from services import work_orders as orders
from services.principal import Principal

Administrator = Annotated[Principal, Depends(require(Role.ADMIN))]
Reader = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN, Role.SUPERVISOR,
                                              Role.OPS))]

router = APIRouter(tags=["administration"], dependencies=[Depends(current_user)])


class DepartmentIn(BaseModel):
    code: str = Field(min_length=2, max_length=32, description="e.g. logistics")
    name: str = Field(min_length=1, max_length=100, description="e.g. 物流部")


class DepartmentRename(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TemplateStepIn(BaseModel):
    department: str = Field(max_length=32, description="a department code (GET /departments)")
    due_in_hours: float = Field(description="the default deadline: this many hours after the "
                                            f"dispatch, more than 0, at most "
                                            f"{departments.MAX_DEADLINE_HOURS}")
    instruction: str = Field(max_length=4000, description="what the department is to do")


class TemplateIn(BaseModel):
    steps: list[TemplateStepIn] = Field(max_length=20, description="done in this order")


class TemplateStepOut(BaseModel):
    step_no: int
    department: str
    department_name: str
    due_in_hours: float
    instruction: str


class TemplateOut(BaseModel):
    kind: OpinionKind
    subject: OpinionSubject
    steps: list[TemplateStepOut]


class FromTemplateIn(BaseModel):
    department: str | None = Field(None, max_length=32,
                                   description="the work order's department; the first step's "
                                               "if not given")


def _department_out(d: Department) -> DepartmentOut:
    return DepartmentOut(code=d.code, name=d.name)


def _template_out(kind: OpinionKind, subject: OpinionSubject, steps: list[StepTemplate]
                  ) -> TemplateOut:
    return TemplateOut(kind=kind, subject=subject, steps=[
        TemplateStepOut(step_no=s.step_no, department=s.department.code,
                        department_name=s.department.name, due_in_hours=s.due_in_hours,
                        instruction=s.instruction) for s in steps])


@router.post("/departments", response_model=DepartmentOut, status_code=201)
async def create_department(body: DepartmentIn, session: Session, admin: Administrator
                            ) -> DepartmentOut:
    return _department_out(await departments.create(session, admin, body.code, body.name))


@router.patch("/departments/{code}", response_model=DepartmentOut)
async def rename_department(code: str, body: DepartmentRename, session: Session,
                            admin: Administrator) -> DepartmentOut:
    return _department_out(await departments.rename(session, admin, code, body.name))


@router.delete("/departments/{code}", status_code=204)
async def delete_department(code: str, session: Session, admin: Administrator) -> None:
    """Refused (409) while a work order or a step template names the department."""
    await departments.remove(session, admin, code)


@router.get("/step-templates", response_model=list[TemplateOut])
async def list_templates(session: Session, user: Reader) -> list[TemplateOut]:
    return [_template_out(kind, subject, steps)
            for (kind, subject), steps in (await departments.templates(session)).items()]


@router.put("/step-templates/{kind}/{subject}", response_model=TemplateOut)
async def set_template(kind: OpinionKind, subject: OpinionSubject, body: TemplateIn,
                       session: Session, admin: Administrator) -> TemplateOut:
    """The template's whole list of steps at once; each refused step is named by its index."""
    steps = [departments.TemplateStep(s.department, s.due_in_hours, s.instruction)
             for s in body.steps]
    saved = await departments.set_template(session, admin, kind, subject, steps)
    return _template_out(kind, subject, saved)


@router.delete("/step-templates/{kind}/{subject}", status_code=204)
async def delete_template(kind: OpinionKind, subject: OpinionSubject, session: Session,
                          admin: Administrator) -> None:
    await departments.remove_template(session, admin, kind, subject)


@router.post("/opinions/{opinion_id}/work-orders/from-template", response_model=WorkOrderOut,
             status_code=201)
async def raise_from_template(opinion_id: Id, session: Session, user: Actor,
                              body: Annotated[FromTemplateIn | None, Body()] = None
                              ) -> WorkOrderOut:
    """Dispatch the opinion in the steps of its kind and subject's template, each due its
    default hours from now (422 `rule.template_exists` if there is none)."""
    opinion = await orders.visible_opinion(session, user, opinion_id, lock=True)
    now = utcnow()
    work_order = await orders.raise_from_template(
        session, user, opinion, body.department if body else None, now)
    await session.commit()
    return await _reloaded_work_order(session, user, work_order.id, now)
