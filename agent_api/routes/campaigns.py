"""Outbound campaigns for operations: create, change (a running campaign included: the dialer
reads its settings at every decision), start, pause, resume, stop; contact lists imported from a
file or a retailer segment, with every rejected row reported."""
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from sqlalchemy import func, select

from agent_api.auth import require
from agent_api.deps import Session, get_engine, get_sessions
from dialer.campaigns import COMMANDS, DEFAULT_RETRIES, CommandRefused, apply_command
from dialer.contacts import ListError, add_segment, import_contacts, read_rows
from dialer.figures import AttemptCounts, attempt_counts
from dialer.schedule import ScheduleError, parse_retries, parse_windows
from models import (
    Agent,
    AttemptOutcome,
    Branch,
    BusinessType,
    Campaign,
    CampaignPurpose,
    CampaignState,
    Contact,
    ContactStatus,
    DialingMode,
    RecordingPolicy,
    Role,
)
from services.errors import Conflict, NotFound, Refused, Violation

router = APIRouter(prefix="/campaigns", tags=["campaigns"],
                   dependencies=[Depends(require(Role.OPS, Role.ADMIN, Role.SUPERVISOR))])
MAX_LIST_BYTES = 20 * 1024 * 1024


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    purpose: CampaignPurpose
    business_type: str | None = Field(default=None, description="skill that works it (code)")
    branch: str | None = Field(default=None, description="only that branch's agents (code)")
    agents: list[str] = Field(default=[], max_length=1000, description="agent numbers")
    script: str = Field(default="", max_length=20000)
    windows: dict[str, list[list[str]]] = Field(
        description='weekday -> [["09:00", "12:00"], ...] in the contact\'s time zone; '
                    'an end may be "24:00"')
    starts_on: date
    ends_on: date | None = None
    mode: DialingMode = DialingMode.PROGRESSIVE
    abandon_target: float = Field(default=0.03, gt=0, le=0.1)
    max_lines_per_agent: float = Field(default=3.0, ge=1, le=10)
    ring_seconds: int = Field(default=25, ge=15, le=120)
    wrap_up_seconds: int = Field(default=15, ge=0, le=600)
    caller_id: str = Field(pattern=r"^\+?\d{3,20}$")
    retries: dict[str, dict[str, int]] = Field(default=DEFAULT_RETRIES)
    detect_machines: bool = False
    recording: RecordingPolicy = RecordingPolicy.ALWAYS


COLUMNS = set(CampaignIn.model_fields) - {"business_type", "branch", "agents"}  # stored as given


# Every field of CampaignIn, optional: only the fields given change, and the result is checked
# as a whole (as CampaignIn). Built at runtime: to the type checker it is just a model.
if TYPE_CHECKING:
    CampaignPatch = BaseModel
else:
    CampaignPatch = create_model(
        "CampaignPatch", __config__=ConfigDict(extra="forbid"),
        **{name: (field.annotation | None, None)
           for name, field in CampaignIn.model_fields.items()})


class Progress(BaseModel):
    contacts: int
    remaining: int  # still to call: pending or being dialed
    by_status: dict[ContactStatus, int]
    attempts: int
    answered: int
    abandoned: int
    abandon_rate: float | None  # abandoned / live answers (machines not counted), all along
    abandon_rate_24h: float | None  # the same over the last 24 hours


class LiveOut(BaseModel):
    ringing: int
    waiting_for_agent: int
    talking: int
    agents_logged_in: int
    agents_busy: int


class CampaignOut(CampaignIn):
    id: int
    state: CampaignState
    created_at: datetime
    updated_at: datetime
    progress: Progress
    live: LiveOut | None  # while the dialer runs it


class RejectedOut(BaseModel):
    line: int
    reason: str
    values: dict[str, str]


class ImportOut(BaseModel):
    rows: int
    added: int
    rejected: list[RejectedOut]


class SegmentIn(BaseModel):
    branches: list[str] = Field(default=[], description="branch codes; none: all")
    classes: list[str] = Field(default=[], description="retailer classes A..E; none: all")
    ordered_within_days: int | None = Field(default=None, ge=1, le=3650)
    not_ordered_for_days: int | None = Field(default=None, ge=1, le=3650)


def _bad(rule: str, field: str, msg: str) -> Refused:
    return Refused([Violation(rule, ("body", field), msg)])


async def _resolve(session, body: CampaignIn) -> dict[str, Any]:
    """The body's codes and numbers as rows, every rule checked; the column values to set."""
    try:
        parse_windows(body.windows)
    except ScheduleError as exc:
        raise _bad("calling_windows", "windows", str(exc)) from None
    try:
        parse_retries(body.retries)
    except ScheduleError as exc:
        raise _bad("retry_rules", "retries", str(exc)) from None
    if body.ends_on is not None and body.ends_on < body.starts_on:
        raise _bad("dates", "ends_on", f"ends_on {body.ends_on} is before starts_on "
                                       f"{body.starts_on}")
    if not body.agents and body.business_type is None:
        raise _bad("who_works_it", "agents", "give the agents or the skill (business_type) "
                                             "that work the campaign")
    values = body.model_dump(exclude={"business_type", "branch", "agents"})
    values["business_type"] = await _by_code(session, BusinessType, body.business_type,
                                             "business_type")
    values["branch"] = await _by_code(session, Branch, body.branch, "branch")
    agents = list(await session.scalars(select(Agent).where(Agent.number.in_(body.agents))))
    unknown = sorted(set(body.agents) - {a.number for a in agents})
    if unknown:
        raise _bad("known_agents", "agents", f"no agent numbered {', '.join(unknown)}")
    values["agents"] = agents
    return values


async def _by_code(session, model, code: str | None, field: str):
    if code is None:
        return None
    row = await session.scalar(select(model).where(model.code == code))
    if row is None:
        raise _bad(f"known_{field}", field, f"no {field} with code {code!r}")
    return row


async def _progress(session, campaign_id: int) -> Progress:
    by_status = dict((await session.execute(
        select(Contact.status, func.count()).where(Contact.campaign_id == campaign_id)
        .group_by(Contact.status))).all())
    counts = (await attempt_counts(session, [campaign_id])).get(campaign_id, AttemptCounts())
    return Progress(contacts=sum(by_status.values()),
                    remaining=sum(by_status.get(s, 0) for s in (ContactStatus.PENDING,
                                                                ContactStatus.DIALING)),
                    by_status=by_status, attempts=counts.attempts, answered=counts.answered,
                    abandoned=counts.abandoned, abandon_rate=counts.abandon_rate,
                    abandon_rate_24h=counts.abandon_rate_24h)


async def _out(session, c: Campaign, dialer=None) -> CampaignOut:
    return CampaignOut(
        **{field: getattr(c, field) for field in COLUMNS}, id=c.id, state=c.state,
        business_type=c.business_type.code if c.business_type else None,
        branch=c.branch.code if c.branch else None, agents=[a.number for a in c.agents],
        created_at=c.created_at, updated_at=c.updated_at, progress=await _progress(session, c.id),
        live=dialer.live(c.id) if dialer else None)


async def _campaign(session, campaign_id: int) -> Campaign:
    c = await session.get(Campaign, campaign_id)
    if c is None:
        raise HTTPException(404, f"campaign {campaign_id} not found")
    return c


async def _unique_name(session, name: str, campaign_id: int | None = None) -> None:
    other = await session.scalar(select(Campaign.id).where(Campaign.name == name))
    if other is not None and other != campaign_id:
        raise Conflict([Violation("unique_name", ("body", "name"),
                                  f"a campaign named {name!r} exists (id {other})")])


@router.get("", response_model=list[CampaignOut])
async def list_campaigns(session: Session, request: Request) -> list[CampaignOut]:
    """Every campaign with its progress, and what the running ones are doing now."""
    dialer = get_engine(request).dialer
    return [await _out(session, c, dialer)
            for c in await session.scalars(select(Campaign).order_by(Campaign.id))]


@router.post("", response_model=CampaignOut, status_code=201)
async def create(body: CampaignIn, session: Session) -> CampaignOut:
    """A new campaign, in draft until it is started."""
    await _unique_name(session, body.name)
    campaign = Campaign(**await _resolve(session, body))
    session.add(campaign)
    await session.commit()
    return await _out(session, campaign)


@router.get("/{campaign_id}", response_model=CampaignOut)
async def get_one(campaign_id: int, session: Session, request: Request) -> CampaignOut:
    return await _out(session, await _campaign(session, campaign_id), get_engine(request).dialer)


@router.patch("/{campaign_id}", response_model=CampaignOut)
async def change(campaign_id: int, body: CampaignPatch, session: Session) -> CampaignOut:
    """Any setting, at any time; a running campaign dials by the new settings from its next
    decision."""
    campaign = await _campaign(session, campaign_id)
    merged = (await _out(session, campaign)).model_dump(include=set(CampaignIn.model_fields))
    merged.update(body.model_dump(exclude_unset=True))
    try:
        checked = CampaignIn.model_validate(merged)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors(include_url=False)]) from None
    await _unique_name(session, checked.name, campaign_id)
    for field, value in (await _resolve(session, checked)).items():
        setattr(campaign, field, value)
    await session.commit()
    await session.refresh(campaign)
    return await _out(session, campaign)


@router.post("/{campaign_id}/contacts", response_model=ImportOut)
async def upload_contacts(campaign_id: int, file: UploadFile, session: Session,
                          sessions=Depends(get_sessions)) -> ImportOut:
    """A CSV or XLSX list; every row not added is in `rejected` with its line and reason."""
    await _campaign(session, campaign_id)
    data = await file.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise _bad("list_size", "file", f"a list is at most {MAX_LIST_BYTES >> 20} MiB")
    try:
        report = await import_contacts(sessions, campaign_id,
                                       read_rows(file.filename or "", data))
    except ListError as exc:
        raise _bad("contact_list", "file", str(exc)) from None
    return ImportOut(rows=report.rows, added=report.added,
                     rejected=[RejectedOut(**vars(r)) for r in report.rejected])


@router.post("/{campaign_id}/contacts/segment", response_model=ImportOut)
async def segment_contacts(campaign_id: int, body: SegmentIn, session: Session,
                           sessions=Depends(get_sessions)) -> ImportOut:
    """The retailers of some branches and classes, by ordering history, each at its first
    phone."""
    await _campaign(session, campaign_id)
    report = await add_segment(sessions, campaign_id, **body.model_dump())
    return ImportOut(rows=report.rows, added=report.added,
                     rejected=[RejectedOut(**vars(r)) for r in report.rejected])


class ContactOut(BaseModel):
    id: int
    phone: str
    name: str
    retailer_id: int | None
    time_zone: str
    fields: dict[str, Any]
    status: ContactStatus
    attempts: int
    next_attempt_at: datetime | None
    last_outcome: AttemptOutcome | None


@router.get("/{campaign_id}/contacts", response_model=list[ContactOut])
async def list_contacts(campaign_id: int, session: Session,
                        status: ContactStatus | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        after_id: int = 0) -> list[ContactOut]:
    await _campaign(session, campaign_id)
    query = (select(Contact).where(Contact.campaign_id == campaign_id, Contact.id > after_id)
             .order_by(Contact.id).limit(limit))
    if status is not None:
        query = query.where(Contact.status == status)
    return [ContactOut.model_validate(c, from_attributes=True)
            for c in await session.scalars(query)]


@router.post("/{campaign_id}/{command}", response_model=CampaignOut)
async def command(campaign_id: int, command: str, session: Session) -> CampaignOut:
    """start, pause, resume or stop: 409 when the campaign's state does not allow it. (Declared
    last: its path would take /contacts.)"""
    campaign = await _campaign(session, campaign_id)
    try:
        campaign.state = apply_command(campaign.state, command)
    except CommandRefused as exc:
        refusal = NotFound if command not in COMMANDS else Conflict
        raise refusal([Violation("campaign_state", ("path", "command"), str(exc))]) from None
    await session.commit()
    return await _out(session, campaign)
