"""Reports (统计报表) for supervisors, operations and administrators: the reports a reader may
read with their columns, and one report over a date range, grouping and filters, as JSON or as
a file (CSV, XLSX) in the reader's language. A browser that navigates to /reports gets the
reports page; the page's own requests, with their token, get the list."""
import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, Response
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel, Field

from agent_api.auth import Principal, current_user, require
from agent_api.deps import Session, get_engine
from agent_api.errors import UNKNOWN
from agent_api.fields import Id
from agent_api.routes import pages
from models import Role
from services import report_schedules
from services.reports import export, reading
from services.reports.facts import DEFAULT_ZONE
from services.reports.query import Grouping, ReportQuery
from services.reports.registry import REPORTS, about

router = APIRouter(tags=["reports"])
READERS = (Role.SUPERVISOR, Role.OPS, Role.ADMIN, Role.BRANCH_ADMIN)
Reader = Annotated[Principal, Depends(require(*READERS))]
Administrator = Annotated[Principal, Depends(require(Role.ADMIN))]
maybe_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def this_week() -> tuple[date, date]:
    """Monday to today on headquarters' clock."""
    today = datetime.now(ZoneInfo(DEFAULT_ZONE)).date()
    return today - timedelta(days=today.weekday()), today


def browsing(request: Request) -> bool:
    """A browser's navigation (it asks for HTML and carries no token), not an API call."""
    return ("text/html" in request.headers.get("accept", "")
            and "authorization" not in request.headers)


@router.get("/reports", response_model=None, responses={200: {"content": {"text/html": {}}}})
async def list_reports(request: Request, session: Session,
                       token: Annotated[str | None, Depends(maybe_bearer)]
                       ) -> list[dict[str, Any]] | FileResponse:
    """The reports this reader may read, each with the filters it applies and its columns."""
    if browsing(request):
        return await pages.page("reports")()
    if token is None:
        raise HTTPException(401, "not logged in", headers={"WWW-Authenticate": "Bearer"})
    user = await require(*READERS)(await current_user(token, session))
    since, until = this_week()
    listed = []
    for name in sorted(REPORTS):
        columns = about(name).columns
        if columns is None:  # a report that does not declare its columns: built for a day
            columns = tuple((await REPORTS[name](session, ReportQuery(until, until), user))
                            .columns)
        listed.append({"name": name, "filters": sorted(about(name).filters),
                       "columns": [{"key": c.key, "kind": c.kind, "chart": c.chart,
                                    "words": c.words} for c in columns]})
    return listed


@router.get("/reports/{name}", responses={**UNKNOWN, 200: {"content": {
    "text/csv": {}, XLSX: {}}}})
async def read_report(
    user: Reader, session: Session,
    name: Annotated[str, Path(max_length=64)],
    since: Annotated[date | None, Query(description="the first local day (default: Monday)")]
    = None,
    until: Annotated[date | None, Query(description="the last local day, included "
                                                    "(default: today)")] = None,
    group: Grouping = Grouping.DAY,
    branch: Annotated[str | None, Query(max_length=16, description="a branch's code")] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    agent: Annotated[str | None, Query(max_length=32, description="an agent's number")] = None,
    campaign: Id | None = None,
    business_type: Annotated[str | None, Query(max_length=32)] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    lang: Literal["zh", "en"] = "zh",
) -> Any:
    """One report: a row a period and its keys, the periods' own figures and the totals."""
    monday, today = this_week()
    query = ReportQuery(since or monday, until or today, group, branch or None, queue or None,
                        agent or None, campaign, business_type or None)
    table = await reading.read(session, name, query, user)
    if format == "json":
        return {**reading.said(table), "since": query.since, "until": query.until,
                "group": query.grouping}
    stem = f"{name}_{query.since}_{query.until}_{query.grouping}"
    if format == "csv":
        return Response(export.to_csv(table, lang), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'})
    book = await asyncio.to_thread(export.to_xlsx, table, lang)
    return Response(book, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})


class FiltersIn(BaseModel):
    model_config = {"extra": "forbid"}
    branch: str | None = Field(default=None, max_length=16, description="a branch's code")
    queue: str | None = Field(default=None, max_length=64)
    agent: str | None = Field(default=None, max_length=32, description="an agent's number")
    campaign: Id | None = None
    business_type: str | None = Field(default=None, max_length=32)


class ScheduleIn(BaseModel):
    report: str = Field(max_length=64, description="a report's name (GET /reports)")
    every: Literal["daily", "weekly"] = Field(
        description="daily: yesterday's, each morning; weekly: last week's, each Monday")
    grouping: Grouping = Grouping.DAY
    filters: FiltersIn = FiltersIn()
    to: list[Annotated[str, Field(max_length=254)]] = Field(
        default=[], max_length=50, description="mail addresses; none: the folder only")
    lang: Literal["zh", "en"] = "zh"
    active: bool = True

    def wanted(self) -> report_schedules.Schedule:
        return report_schedules.Schedule(self.report, self.every, self.grouping,
                                         self.filters.model_dump(), self.to, self.lang,
                                         self.active)


class ScheduleOut(BaseModel):
    id: int
    report: str
    every: str
    grouping: str
    filters: dict[str, Any]
    to: list[str]
    lang: str
    active: bool


@router.get("/report-schedules", response_model=list[ScheduleOut])
async def list_schedules(user: Administrator, session: Session) -> list[dict[str, Any]]:
    """The scheduled reports headquarters' administrators keep (beside the settings' own)."""
    return [report_schedules.view(s) for s in await report_schedules.listed(session)]


@router.post("/report-schedules", response_model=ScheduleOut, status_code=201)
async def create_schedule(body: ScheduleIn, user: Administrator, session: Session,
                          request: Request) -> dict[str, Any]:
    row = await report_schedules.create(session, user, body.wanted())
    get_engine(request).reports.changed()
    return report_schedules.view(row)


@router.put("/report-schedules/{schedule_id}", response_model=ScheduleOut, responses=UNKNOWN)
async def replace_schedule(schedule_id: Id,
                           body: ScheduleIn, user: Administrator, session: Session,
                           request: Request) -> dict[str, Any]:
    row = await report_schedules.replace(session, user, schedule_id, body.wanted())
    get_engine(request).reports.changed()
    return report_schedules.view(row)


@router.delete("/report-schedules/{schedule_id}", status_code=204, responses=UNKNOWN)
async def delete_schedule(schedule_id: Id,
                          user: Administrator, session: Session, request: Request) -> None:
    await report_schedules.remove(session, user, schedule_id)
    get_engine(request).reports.changed()
