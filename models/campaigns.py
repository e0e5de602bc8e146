"""Outbound campaigns, their contacts, every call attempt, and the do-not-call list."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.agents import Agent
from models.base import Base, utcnow
from models.org import Branch, BusinessType
from models.recordings import RecordingPolicy


class CampaignPurpose(enum.StrEnum):
    DELIVERY_SURVEY = "delivery_survey"
    ARRIVAL_NOTICE = "arrival_notice"  # a changed arrival time
    SERVICE_FOLLOW_UP = "service_follow_up"
    PROMOTION = "promotion"
    NEW_PRODUCT = "new_product"
    OTHER = "other"
    # Standing campaigns of each branch, made by the dialer when first needed: queue callbacks
    # and opinion feedback calls, and the agents' own calls (click-to-dial).
    CALLBACK = "callback"
    MANUAL = "manual"


class DialingMode(enum.StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


class CampaignState(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"  # by a person; may be started again
    FINISHED = "finished"  # no contact left to call, or past its end date


class ContactStatus(enum.StrEnum):
    PENDING = "pending"  # to be dialed at next_attempt_at (or as soon as the window opens)
    DIALING = "dialing"
    DONE = "done"  # reached and handled by an agent
    EXHAUSTED = "exhausted"  # out of attempts
    DO_NOT_CALL = "do_not_call"


class AttemptOutcome(enum.StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    MACHINE = "machine"


campaign_agents = Table(
    "campaign_agents",
    Base.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    purpose: Mapped[CampaignPurpose]
    # Who works it: the agents listed, and the agents with this skill (in this branch, if set).
    business_type_id: Mapped[int | None] = mapped_column(ForeignKey("business_types.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    script: Mapped[str] = mapped_column(Text, default="")
    # Weekday ("mon".."sun") -> [["09:00", "12:00"], ...] in the contact's time zone.
    windows: Mapped[dict[str, Any]] = mapped_column(JSON)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    mode: Mapped[DialingMode] = mapped_column(default=DialingMode.PROGRESSIVE)
    abandon_target: Mapped[float] = mapped_column(default=0.03)
    max_lines_per_agent: Mapped[float] = mapped_column(default=3.0)
    ring_seconds: Mapped[int] = mapped_column(default=25)
    wrap_up_seconds: Mapped[int] = mapped_column(default=15)  # after each call, for its agent
    caller_id: Mapped[str] = mapped_column(String(32))
    # Outcome (busy, no_answer, failed, machine) -> {"delay_minutes": int, "max_attempts": int}.
    retries: Mapped[dict[str, Any]] = mapped_column(JSON)
    detect_machines: Mapped[bool] = mapped_column(default=False)
    # the estimated share of people answering that machine detection takes for a machine and
    # drops: abandoned calls as the regulator counts them
    amd_false_positive: Mapped[float] = mapped_column(default=0.0)
    # AMD()'s parameters by amd.conf's names (milliseconds, but the word count and the silence
    # threshold); a name left out takes amd.conf's default
    amd: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the share of the calls AMD takes for machines kept on and passed to an agent, who says
    # (by the disposition) whether a person was there: the false positives measured
    amd_check_share: Mapped[float] = mapped_column(default=0.0)
    # the calls since then are the evidence of AMD's false positives: its parameters (or
    # detect_machines) last changed then; None: every call of the campaign
    amd_since: Mapped[datetime | None]
    recording: Mapped[RecordingPolicy] = mapped_column(default=RecordingPolicy.ALWAYS)
    state: Mapped[CampaignState] = mapped_column(default=CampaignState.DRAFT, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    business_type: Mapped[BusinessType | None] = relationship(lazy="joined")
    branch: Mapped[Branch | None] = relationship(lazy="joined")
    agents: Mapped[list[Agent]] = relationship(secondary=campaign_agents, lazy="selectin",
                                               order_by=Agent.number)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("campaign_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"), index=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # shown to the agent
    status: Mapped[ContactStatus] = mapped_column(default=ContactStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_outcome: Mapped[AttemptOutcome | None]
    callback_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactAttempt(Base):
    """One call placed to a contact, from origination to its end."""

    __tablename__ = "contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    # Who was called, for the contact policy across campaigns.
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)  # the Originate's ChannelId
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    outcome: Mapped[AttemptOutcome | None]
    pbx_reason: Mapped[str | None] = mapped_column(String(64))  # as the PBX said it
    answered_at: Mapped[datetime | None]
    connected_at: Mapped[datetime | None]
    abandoned: Mapped[bool] = mapped_column(default=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    disposition: Mapped[str | None] = mapped_column(String(32))
    result_at: Mapped[datetime | None] = mapped_column(index=True)  # the agent gave it
    amd_result: Mapped[str | None] = mapped_column(String(64))  # AMDSTATUS:AMDCAUSE
    amd_checked: Mapped[bool] = mapped_column(default=False)  # AMD said machine; kept on to check


class DoNotCall(Base):
    __tablename__ = "do_not_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
