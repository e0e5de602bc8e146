"""A branch's time zone and opening hours, and holidays: the IVR applies a change to the next
call."""
from datetime import date, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from agent_api.auth import CurrentUser, require
from agent_api.deps import Session, get_engine
from agent_api.errors import UNKNOWN
from agent_api.fields import Id
from models import Holiday, Role
from services import opening_hours
from services.principal import Principal

Administrator = Annotated[Principal, Depends(require(Role.ADMIN, Role.BRANCH_ADMIN))]

router = APIRouter(tags=["administration"])


class WeekIn(BaseModel):
    timezone: str | None = Field(None, max_length=64, description="e.g. Asia/Shanghai")
    hours: dict[str, list[tuple[time, time]]] = Field(
        description='weekday ("mon" .. "sun") -> [[opens, closes], ...], local time; a day not '
                    "given is closed", max_length=7)


class WeekOut(BaseModel):
    branch: str
    timezone: str
    hours: dict[str, list[tuple[time, time]]]


class HolidayIn(BaseModel):
    day: date
    name: str = Field(min_length=1, max_length=100)
    branch: str | None = Field(None, max_length=16, description="none: every branch")


class HolidayOut(BaseModel):
    id: int
    day: date
    name: str
    branch_id: Id | None


def _week_out(code: str, week: opening_hours.Week) -> WeekOut:
    return WeekOut(branch=code, timezone=week.timezone, hours=week.hours)


@router.get("/branches/{code}/hours", response_model=WeekOut)
async def get_hours(code: str, session: Session, user: CurrentUser) -> WeekOut:
    b = await opening_hours.branch(session, user, code)
    return _week_out(code, await opening_hours.week(session, b))


@router.put("/branches/{code}/hours", response_model=WeekOut)
async def set_hours(code: str, body: WeekIn, session: Session, admin: Administrator,
                    request: Request) -> WeekOut:
    week = await opening_hours.set_week(session, admin, code, body.timezone, body.hours)
    get_engine(request).ivr.store.forget()  # the next call hears the new hours
    return _week_out(code, week)


@router.get("/holidays", response_model=list[HolidayOut], responses=UNKNOWN)
async def list_holidays(session: Session, user: CurrentUser,
                        branch: str | None = None) -> list[HolidayOut]:
    return [_holiday_out(h) for h in await opening_hours.holidays(session, user, branch)]


@router.post("/holidays", response_model=HolidayOut, status_code=201, responses=UNKNOWN)
async def add_holiday(body: HolidayIn, session: Session, admin: Administrator,
                      request: Request) -> HolidayOut:
    holiday = await opening_hours.add_holiday(session, admin, body.day, body.name, body.branch)
    get_engine(request).ivr.store.forget()
    return _holiday_out(holiday)


@router.delete("/holidays/{holiday_id}", status_code=204)
async def remove_holiday(holiday_id: Id, session: Session, admin: Administrator,
                         request: Request) -> None:
    await opening_hours.remove_holiday(session, admin, holiday_id)
    get_engine(request).ivr.store.forget()


def _holiday_out(h: Holiday) -> HolidayOut:
    return HolidayOut(id=h.id, day=h.day, name=h.name, branch_id=h.branch_id)
