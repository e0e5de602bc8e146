"""ACD configuration and history: queue settings, agent state transitions, callback requests."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Branch, BusinessType
from models.recordings import RecordingPolicy


class MaxWaitOffer(enum.StrEnum):
    """What a caller is offered at the queue's maximum wait (or to wait on)."""

    MESSAGE_OR_CALLBACK = "message_or_callback"
    MESSAGE = "message"
    CALLBACK = "callback"


class QueueSettings(Base):
    """How one queue (branch, business type) routes. A queue without a row gets the defaults
    of acd.desk."""

    __tablename__ = "queue_settings"
    __table_args__ = (
        UniqueConstraint("branch_id", "business_type_id"),
        CheckConstraint("min_level BETWEEN 1 AND 10", name="min_level_range"),
        CheckConstraint("wrap_up_seconds >= 0", name="wrap_up_not_negative"),
        CheckConstraint("service_level_seconds > 0", name="service_level_positive"),
        CheckConstraint("service_level_target BETWEEN 1 AND 100",
                        name="service_level_target_range"),
        CheckConstraint("wait_amber_seconds > 0 AND wait_red_seconds > wait_amber_seconds",
                        name="wait_thresholds_rising"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    business_type_id: Mapped[int] = mapped_column(
        ForeignKey("business_types.id", ondelete="CASCADE"))
    wrap_up_seconds: Mapped[int] = mapped_column(default=10)
    min_level: Mapped[int] = mapped_column(default=1)
    # [{"after_seconds": 30, "min_level": 1, "branches": ["HQ"]}, ...], widening with the wait
    overflow: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_wait_seconds: Mapped[int | None]  # then a message or a callback; NULL: never offered
    max_wait_offer: Mapped[MaxWaitOffer] = mapped_column(
        String(32), default=MaxWaitOffer.MESSAGE_OR_CALLBACK,
        server_default=MaxWaitOffer.MESSAGE_OR_CALLBACK.value)
    service_level_seconds: Mapped[int] = mapped_column(default=20)
    # the share (%) of calls to answer within service_level_seconds
    service_level_target: Mapped[int] = mapped_column(default=80, server_default="80")
    # the wallboard shows the queue amber, then red, once its longest caller has waited this long
    wait_amber_seconds: Mapped[int] = mapped_column(default=30, server_default="30")
    wait_red_seconds: Mapped[int] = mapped_column(default=60, server_default="60")
    # retailer class -> priority
    class_priority: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recording: Mapped[RecordingPolicy] = mapped_column(default=RecordingPolicy.ALWAYS)
    # the caller is asked to rate the service when the agent ends the call
    survey: Mapped[bool] = mapped_column(default=False, server_default=false())

    branch: Mapped[Branch] = relationship(lazy="joined")
    business_type: Mapped[BusinessType] = relationship(lazy="joined")


class AgentTransition(Base):
    """Every change of an agent's state, with the PBX-driven event that caused it."""

    __tablename__ = "agent_transitions"
    __table_args__ = (Index("ix_agent_transitions_agent_id_at", "agent_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(index=True)  # the reports' roll-up reads by time
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(32))  # the pause reason code
    call_linkedid: Mapped[str | None] = mapped_column(String(64))


class CallbackStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class CallbackRequest(Base):
    """A caller who reached the maximum wait and asked to be called back."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_server: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str] = mapped_column(String(64))
    caller_number: Mapped[str] = mapped_column(String(64))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    queue: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[CallbackStatus] = mapped_column(default=CallbackStatus.PENDING, index=True)
    # Closed from the console's inbox: by whom (the signed-in user), when, and how it went.
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    handled_by: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(16))  # services.callbacks.OUTCOMES
    note: Mapped[str | None] = mapped_column(Text)
    # Dialed as a contact of its branch's callback campaign (dialer/callbacks.py); a feedback
    # call first waits for the agent who took the opinion.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    # Asked at the maximum wait: the ACD keeps the caller's place and calls back at its turn.
    keeps_place: Mapped[bool] = mapped_column(default=False, server_default=false())
