"""Outbound campaigns as operations keep them: created, changed (a running one too: the dialer
reads its settings at every decision), started, paused, resumed and stopped. Each change writes
its audit entry in its own transaction."""
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dialer.amd import PARAMETERS, TUNED, AmdSettings, settings_problem
from dialer.campaigns import COMMANDS, DEFAULT_RETRIES, CommandRefused, apply_command
from dialer.pacing import amd_allowed
from dialer.schedule import ScheduleError, parse_retries, parse_windows
from models import (
    Agent,
    Branch,
    BusinessType,
    Campaign,
    CampaignPurpose,
    DialingMode,
    RecordingPolicy,
    utcnow,
)
from models.phone import Phone
from services import audit
from services.errors import Conflict, NotFound, Refused, Violation
from services.principal import Principal


def _amd(name: str, description: str) -> Any:
    default, lowest, highest = PARAMETERS[name]
    return Field(default=TUNED.get(name, default), ge=lowest, le=highest, description=description)


class AmdIn(BaseModel):
    """AMD()'s parameters for the campaign's calls; by default the settings measured on spoken
    greetings (`dialer.amd.TUNED`), amd.conf's defaults for the rest."""

    model_config = ConfigDict(extra="forbid")
    initial_silence: int = _amd("initial_silence", "ms of silence before any voice after which "
                                "the answer is a machine's")
    greeting: int = _amd("greeting", "ms: a greeting longer than this is a machine's")
    after_greeting_silence: int = _amd("after_greeting_silence", "ms of silence after the "
                                       "greeting that make it a person")
    total_analysis_time: int = _amd("total_analysis_time", "ms: undecided by then, a person "
                                    "(NOTSURE)")
    min_word_length: int = _amd("min_word_length", "ms: shorter voice is not a word")
    between_words_silence: int = _amd("between_words_silence", "ms of silence that end a word")
    maximum_number_of_words: int = _amd("maximum_number_of_words", "more words than this "
                                        "make a machine")
    silence_threshold: int = _amd("silence_threshold", "average energy below which a frame is "
                                  "silence")
    maximum_word_length: int = _amd("maximum_word_length", "ms: a longer word is a machine's")


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
    caller_id: Phone
    retries: dict[str, dict[str, int]] = Field(default=DEFAULT_RETRIES)
    detect_machines: bool = False
    amd_false_positive: float = Field(
        default=0.0, ge=0, lt=1, description="estimated share of people answering that machine "
        "detection drops as machines; counted as abandoned calls, the floor of the estimate "
        "until the campaign's own calls measure it")
    amd: AmdIn = Field(default_factory=AmdIn)
    amd_check_share: float = Field(
        default=0.0, ge=0, le=0.2, description="share of the calls AMD takes for machines kept "
        "on and passed to an agent, who says whether a person was there: the false positives "
        "measured")
    recording: RecordingPolicy = RecordingPolicy.ALWAYS


Coded = TypeVar("Coded", Branch, BusinessType)
COLUMNS = set(CampaignIn.model_fields) - {"business_type", "branch", "agents"}  # stored as given


def settings(c: Campaign) -> dict[str, Any]:
    """The campaign's settings as a CampaignIn holds them (codes and numbers, not rows)."""
    return {**{field: getattr(c, field) for field in COLUMNS},
            "business_type": c.business_type.code if c.business_type else None,
            "branch": c.branch.code if c.branch else None, "agents": [a.number for a in c.agents]}


def view(c: Campaign) -> dict[str, Any]:
    """The settings and the state as the audit log shows them."""
    return to_jsonable_python(settings(c) | {"state": c.state})


async def get(session: AsyncSession, campaign_id: int) -> Campaign:
    c = await session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound(f"campaign {campaign_id} not found")
    return c


async def create(session: AsyncSession, actor: Principal, body: CampaignIn) -> Campaign:
    """A new campaign, in draft until it is started."""
    await _unique_name(session, body.name)
    campaign = Campaign(**await _resolve(session, body))
    session.add(campaign)
    await session.flush()
    audit.record(session, actor, "create", "campaign", campaign.id,
                 branch_id=campaign.branch_id, after=view(campaign))
    await session.commit()
    return campaign


async def change(session: AsyncSession, actor: Principal, campaign_id: int,
                 checked: CampaignIn) -> Campaign:
    """Every setting as `checked` says (the whole of them, checked as one)."""
    campaign = await get(session, campaign_id)
    before = view(campaign)
    await _unique_name(session, checked.name, campaign_id)
    for field, value in (await _resolve(session, checked)).items():
        setattr(campaign, field, value)
    if checked.detect_machines and (not before["detect_machines"] or AmdSettings.of(
            before["amd"]) != AmdSettings.of(campaign.amd)):
        # AMD decides anew: what it did before says nothing of the people it drops now
        campaign.amd_since = utcnow()
    await session.flush()
    after = view(campaign)
    if after != before:
        audit.record(session, actor, "update", "campaign", campaign.id,
                     branch_id=campaign.branch_id, before=before, after=after)
    await session.commit()
    await session.refresh(campaign)
    return campaign


async def command(session: AsyncSession, actor: Principal, campaign_id: int,
                  name: str) -> Campaign:
    """start, pause, resume or stop: a Conflict when the campaign's state does not allow it,
    NotFound for another word."""
    campaign = await get(session, campaign_id)
    before = campaign.state
    try:
        campaign.state = apply_command(campaign.state, name)
    except CommandRefused as exc:
        refusal = NotFound if name not in COMMANDS else Conflict
        raise refusal([Violation("campaign_state", ("path", "command"), str(exc))]) from None
    audit.record(session, actor, name, "campaign", campaign.id, branch_id=campaign.branch_id,
                 before={"state": before.value}, after={"state": campaign.state.value})
    await session.commit()
    return campaign


def _bad(rule: str, field: str, msg: str) -> Refused:
    return Refused([Violation(rule, ("body", field), msg)])


async def _resolve(session: AsyncSession, body: CampaignIn) -> dict[str, Any]:
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
    if body.detect_machines and not amd_allowed(body.abandon_target, body.amd_false_positive):
        raise _bad("amd_false_positives_over_target", "detect_machines",
                   f"machine detection drops an estimated {body.amd_false_positive:.1%} of the "
                   f"people answering, abandoned calls that alone reach the abandon target "
                   f"{body.abandon_target:.1%}")
    problem = settings_problem(AmdSettings(**body.amd.model_dump()))
    if problem is not None:
        raise Refused([Violation("amd_settings", ("body", "amd", problem[0]), problem[1])])
    if not body.agents and body.business_type is None and body.branch is None:
        raise _bad("who_works_it", "agents", "give the agents, the skill (business_type) or "
                                             "the branch whose agents work the campaign")
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


async def _by_code(session: AsyncSession, model: type[Coded], code: str | None,
                   field: str) -> Coded | None:
    if code is None:
        return None
    row = await session.scalar(select(model).where(model.code == code))
    if row is None:
        raise _bad(f"known_{field}", field, f"no {field} with code {code!r}")
    return row


async def _unique_name(session: AsyncSession, name: str, campaign_id: int | None = None) -> None:
    other = await session.scalar(select(Campaign.id).where(Campaign.name == name))
    if other is not None and other != campaign_id:
        raise Conflict([Violation("unique_name", ("body", "name"),
                                  f"a campaign named {name!r} exists (id {other})")])
