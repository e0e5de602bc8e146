"""Branches: code, name, time zone and order day, kept by headquarters; a new branch has its
queues at once."""
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session, get_engine
from models import Branch, Role
from services import branches
from services.principal import Principal

Administrator = Annotated[Principal, Depends(require(Role.ADMIN))]

router = APIRouter(prefix="/branches", tags=["administration"])


class BranchIn(BaseModel):
    code: str = Field(min_length=2, max_length=16, description="e.g. TJ")
    name: str = Field(min_length=1, max_length=100)
    timezone: str = Field("Asia/Shanghai", max_length=64)
    order_day: str = Field("mon", max_length=16, description="mon .. sun")


class BranchChange(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=100)
    timezone: str | None = Field(None, max_length=64)
    order_day: str | None = Field(None, max_length=16, description=(
        "mon .. sun: the weekday its retailers' ordering cycle starts on, in its time zone"))


class BranchOut(BaseModel):
    id: int
    code: str
    name: str
    is_headquarters: bool
    timezone: str
    order_day: str  # mon .. sun


def _out(b: Branch) -> BranchOut:
    return BranchOut(id=b.id, code=b.code, name=b.name, is_headquarters=b.is_headquarters,
                     timezone=b.timezone, order_day=branches.view(b)["order_day"])


@router.get("", response_model=list[BranchOut])
async def list_branches(session: Session, user: CurrentUser) -> list[BranchOut]:
    """The branches, headquarters first: what a page offers to choose from."""
    rows = await session.scalars(select(Branch).order_by(Branch.is_headquarters.desc(),
                                                         Branch.code))
    return [_out(b) for b in rows]


@router.post("", response_model=BranchOut, status_code=201)
async def create_branch(body: BranchIn, session: Session, admin: Administrator,
                        request: Request) -> BranchOut:
    branch = await branches.create(session, admin, body.code, body.name, body.timezone,
                                   body.order_day)
    await get_engine(request).organisation_changed()
    return _out(branch)


@router.patch("/{code}", response_model=BranchOut)
async def change_branch(code: str, body: BranchChange, session: Session, admin: Administrator,
                        request: Request) -> BranchOut:
    branch = await branches.change(session, admin, code, body.name, body.timezone,
                                   body.order_day)
    await get_engine(request).organisation_changed()
    return _out(branch)


@router.delete("/{code}", status_code=204)
async def delete_branch(code: str, session: Session, admin: Administrator,
                        request: Request) -> None:
    await branches.delete(session, admin, code)
    await get_engine(request).organisation_changed()
