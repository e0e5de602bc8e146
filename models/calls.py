"""Calls (one row per call, keyed by the PBX's linkedid) and their raw PBX events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class CallDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    INTERNAL = "internal"


class CallOutcome(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"


class Call(Base):
    __tablename__ = "calls"
    # the lists page newest first by (offered_at, id), each filter leading its own index
    __table_args__ = (UniqueConstraint("pbx_server", "linkedid"),
                      Index("ix_calls_offered_at_id", "offered_at", "id"),
                      Index("ix_calls_branch_id_offered_at_id", "branch_id", "offered_at", "id"),
                      Index("ix_calls_retailer_id_offered_at_id", "retailer_id", "offered_at",
                            "id"),
                      Index("ix_calls_agent_id_offered_at_id", "agent_id", "offered_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_server: Mapped[str] = mapped_column(String(64), default="local")
    linkedid: Mapped[str] = mapped_column(String(64))
    uniqueid: Mapped[str] = mapped_column(String(64))  # the first channel's
    direction: Mapped[CallDirection]
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    caller_name: Mapped[str | None] = mapped_column(String(100))
    dialed_number: Mapped[str] = mapped_column(String(64), default="")
    card_number: Mapped[str | None] = mapped_column(String(32))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    business_type: Mapped[str | None] = mapped_column(String(32))  # BusinessType.code
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    queue: Mapped[str | None] = mapped_column(String(64))
    queued_at: Mapped[datetime | None] = mapped_column(index=True)  # first joined a queue
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    offered_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    connected_at: Mapped[datetime | None] = mapped_column(index=True)  # to an agent
    ended_at: Mapped[datetime | None]
    outcome: Mapped[CallOutcome] = mapped_column(default=CallOutcome.IN_PROGRESS, index=True)
    hangup_cause: Mapped[int | None]  # Q.850 cause code
    hangup_cause_text: Mapped[str | None] = mapped_column(String(100))
    last_step: Mapped[str | None] = mapped_column(String(64))  # e.g. the IVR state at hangup
    survey_rating: Mapped[int | None]  # 1..5, keyed by the caller after the agent ended the call

    events: Mapped[list[CallEvent]] = relationship(
        back_populates="call", cascade="all, delete-orphan", passive_deletes=True,
        order_by="CallEvent.at",
    )


class CallEvent(Base):
    __tablename__ = "call_events"
    __table_args__ = (
        Index("ix_call_events_call_id_at", "call_id", "at"),
        # the reports' roll-up reads the holds and transfers of a stretch of time
        Index("ix_call_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    at: Mapped[datetime]  # the PBX's time
    kind: Mapped[str] = mapped_column(String(64))  # AMI event name, e.g. "Newchannel"
    channel: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]

    call: Mapped[Call] = relationship(back_populates="events")


class Disposition(enum.StrEnum):
    """How a call ended for the business, set by the agent who took it."""

    ORDER_TAKEN = "order_taken"
    COMPLAINT_RECORDED = "complaint_recorded"
    INFORMATION_GIVEN = "information_given"
    CALLBACK_NEEDED = "callback_needed"
    TRANSFERRED = "transferred"
    WRONG_NUMBER = "wrong_number"
    ANSWERING_MACHINE = "answering_machine"  # nobody there: a machine, voicemail or recording
    OTHER = "other"


class CallDisposition(Base):
    """Append-only: a correction is a new row, so every earlier word stays on record."""

    __tablename__ = "call_dispositions"
    __table_args__ = (Index("ix_call_dispositions_call_id_at", "call_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    disposition: Mapped[Disposition]
    note: Mapped[str | None] = mapped_column(Text)
