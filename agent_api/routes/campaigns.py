"""Outbound campaigns for operations: create, change (a running campaign included: the dialer
reads its settings at every decision), start, pause, resume, stop; contact lists imported from a
file or a retailer segment, with every rejected row reported."""
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from sqlalchemy import func, select

from agent_api.auth import require
from agent_api.deps import Session, get_engine, get_sessions
from agent_api.fields import Id, Offset
from dialer.amd import abandon_rate_with_amd, standing
from dialer.contacts import add_segment
from dialer.figures import AttemptCounts, amd_estimates, attempt_counts
from models import (
    AttemptOutcome,
    Campaign,
    CampaignState,
    Contact,
    ContactStatus,
    Role,
)
from services import campaigns, contact_import
from services.campaigns import CampaignIn
from services.principal import Principal

KEEPERS = require(Role.OPS, Role.ADMIN, Role.SUPERVISOR)
Keeper = Annotated[Principal, Depends(KEEPERS)]
router = APIRouter(prefix="/campaigns", tags=["campaigns"], dependencies=[Depends(KEEPERS)])


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


class AmdOut(BaseModel):
    """A campaign detecting machines: the people AMD is estimated to drop, and the abandon
    rate counted with them as the regulator counts it."""

    false_positive: float = Field(description="estimated share of people answering that AMD "
                                  "drops as machines")
    source: Literal["configured", "measured"] = Field(
        description="the campaign's configured estimate, or what its calls measure")
    calls: int = Field(description="the calls the measure rests on: machine calls an agent "
                       "checked, and dropped calls a person answered later")
    measured: float | None = Field(description="what the calls alone say (None: no evidence)")
    standing: Literal["ok", "near", "over"] = Field(
        description="against the abandon target: near from half of it; over: the campaign "
        "runs without AMD")
    abandon_rate: float | None = Field(description="with the people AMD drops, all along")
    abandon_rate_24h: float | None = Field(description="the same over the last 24 hours")


class LiveOut(BaseModel):
    ringing: int
    waiting_for_agent: int
    talking: int
    agents_logged_in: int
    agents_busy: int
    amd_on: bool = Field(description="machines are detected on the calls placed now: the "
                         "campaign asks, and enough of its agents are at work for the people "
                         "AMD drops to leave room in a half hour")


class CampaignOut(CampaignIn):
    id: int
    state: CampaignState
    created_at: datetime
    updated_at: datetime
    progress: Progress
    amd_estimate: AmdOut | None  # when it detects machines
    live: LiveOut | None  # while the dialer runs it


class RejectedOut(BaseModel):
    line: int
    reason: str
    values: dict[str, str]
    field: str = Field(description="the column the reason is about: phone, time_zone, "
                       "card or name")
    rule: str = Field(description="the rule broken, as a refusal's type says it (rule.<rule>)")
    ctx: dict[str, str | int] = Field(description="the values the rule's words need")


class ImportOut(BaseModel):
    rows: int
    added: int
    rejected: list[RejectedOut]


class SegmentIn(BaseModel):
    branches: list[str] = Field(default=[], description="branch codes; none: all")
    classes: list[str] = Field(default=[], description="retailer classes A..E; none: all")
    ordered_within_days: int | None = Field(default=None, ge=1, le=3650)
    not_ordered_for_days: int | None = Field(default=None, ge=1, le=3650)


async def _progress(session, campaign_id: Id) -> Progress:
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


async def _amd(session, c: Campaign, progress: Progress) -> AmdOut | None:
    if not c.detect_machines:
        return None
    found = (await amd_estimates(session, [c]))[c.id]
    return AmdOut(false_positive=found.rate, source=found.source, calls=found.calls,
                  measured=found.measured, standing=standing(found.rate, c.abandon_target),
                  abandon_rate=abandon_rate_with_amd(progress.abandon_rate, found.rate),
                  abandon_rate_24h=abandon_rate_with_amd(progress.abandon_rate_24h, found.rate))


async def _out(session, c: Campaign, dialer=None) -> CampaignOut:
    progress = await _progress(session, c.id)
    return CampaignOut(**campaigns.settings(c), id=c.id, state=c.state,
                       created_at=c.created_at, updated_at=c.updated_at, progress=progress,
                       amd_estimate=await _amd(session, c, progress),
                       live=dialer.live(c.id) if dialer else None)


@router.get("", response_model=list[CampaignOut])
async def list_campaigns(session: Session, request: Request) -> list[CampaignOut]:
    """Every campaign with its progress, and what the running ones are doing now."""
    dialer = get_engine(request).dialer
    return [await _out(session, c, dialer)
            for c in await session.scalars(select(Campaign).order_by(Campaign.id))]


@router.post("", response_model=CampaignOut, status_code=201)
async def create(body: CampaignIn, session: Session, user: Keeper) -> CampaignOut:
    """A new campaign, in draft until it is started."""
    return await _out(session, await campaigns.create(session, user, body))


@router.get("/{campaign_id}", response_model=CampaignOut)
async def get_one(campaign_id: Id, session: Session, request: Request) -> CampaignOut:
    return await _out(session, await campaigns.get(session, campaign_id),
                      get_engine(request).dialer)


@router.patch("/{campaign_id}", response_model=CampaignOut)
async def change(campaign_id: Id, body: CampaignPatch, session: Session,
                 user: Keeper) -> CampaignOut:
    """Any setting, at any time; a running campaign dials by the new settings from its next
    decision."""
    merged = campaigns.settings(await campaigns.get(session, campaign_id))
    patch = body.model_dump(exclude_unset=True)
    if isinstance(patch.get("amd"), dict):  # AMD's parameters not given keep their values
        patch["amd"] = {**merged["amd"], **patch["amd"]}
    merged.update(patch)
    try:
        checked = CampaignIn.model_validate(merged)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors(include_url=False)]) from None
    return await _out(session, await campaigns.change(session, user, campaign_id, checked))


@router.post("/{campaign_id}/contacts", response_model=ImportOut)
async def upload_contacts(campaign_id: Id, file: UploadFile, session: Session, request: Request,
                          sessions=Depends(get_sessions)) -> ImportOut:
    """A CSV or XLSX list; every row not added is in `rejected` with its line and reason, the
    others all added. A file beyond a limit (`HOTLINE_IMPORTS__CONTACTS__*`) or unreadable adds
    nothing: 413 `rule.file_too_large` or 422 naming the rule, with the limit in `ctx`."""
    await campaigns.get(session, campaign_id)
    report = await contact_import.import_list(sessions, campaign_id, file.filename or "",
                                              file.file, request.app.state.settings.imports
                                              .contacts)
    return ImportOut(rows=report.rows, added=report.added,
                     rejected=[RejectedOut(**vars(r)) for r in report.rejected])


@router.post("/{campaign_id}/contacts/segment", response_model=ImportOut)
async def segment_contacts(campaign_id: Id, body: SegmentIn, session: Session,
                           sessions=Depends(get_sessions)) -> ImportOut:
    """The retailers of some branches and classes, by ordering history, each at its first
    phone."""
    await campaigns.get(session, campaign_id)
    report = await add_segment(sessions, campaign_id, **body.model_dump())
    return ImportOut(rows=report.rows, added=report.added,
                     rejected=[RejectedOut(**vars(r)) for r in report.rejected])


class ContactOut(BaseModel):
    id: int
    phone: str
    name: str
    retailer_id: Id | None
    time_zone: str
    fields: dict[str, Any]
    status: ContactStatus
    attempts: int
    next_attempt_at: datetime | None
    last_outcome: AttemptOutcome | None


@router.get("/{campaign_id}/contacts", response_model=list[ContactOut])
async def list_contacts(campaign_id: Id, session: Session,
                        status: ContactStatus | None = None,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        after_id: Offset = 0) -> list[ContactOut]:
    await campaigns.get(session, campaign_id)
    query = (select(Contact).where(Contact.campaign_id == campaign_id, Contact.id > after_id)
             .order_by(Contact.id).limit(limit))
    if status is not None:
        query = query.where(Contact.status == status)
    return [ContactOut.model_validate(c, from_attributes=True)
            for c in await session.scalars(query)]


@router.post("/{campaign_id}/{command}", response_model=CampaignOut)
async def command(campaign_id: Id, command: str, session: Session, user: Keeper) -> CampaignOut:
    """start, pause, resume or stop: 409 when the campaign's state does not allow it. (Declared
    last: its path would take /contacts.)"""
    return await _out(session, await campaigns.command(session, user, campaign_id, command))
