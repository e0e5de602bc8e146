"""Call recordings: one per call, the file the PBX wrote and what the engine measured of it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class RecordingPolicy(enum.StrEnum):
    """Per queue (and per campaign): which calls are recorded once they reach an agent."""

    ALWAYS = "always"
    NEVER = "never"
    ON_DEMAND = "on_demand"  # the agent starts it


class RecordingStatus(enum.StrEnum):
    RECORDING = "recording"
    COMPLETE = "complete"
    MISSING = "missing"  # should have been recorded and has no usable file: flagged
    PURGED = "purged"  # removed by the retention purge; the row stays as the record of it


class Recording(Base):
    __tablename__ = "recordings"
    # the lists page newest first by (started_at, id)
    __table_args__ = (UniqueConstraint("pbx_server", "linkedid"),
                      Index("ix_recordings_started_at_id", "started_at", "id"),
                      Index("ix_recordings_agent_id_started_at_id", "agent_id", "started_at",
                            "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_server: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str] = mapped_column(String(64))  # the call (calls.pbx_server, linkedid)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    queue: Mapped[str | None] = mapped_column(String(64))
    policy: Mapped[RecordingPolicy]
    status: Mapped[RecordingStatus] = mapped_column(index=True)
    file: Mapped[str | None] = mapped_column(String(255))  # under the recordings folder
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None]
    size_bytes: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    paused_seconds: Mapped[float] = mapped_column(default=0.0)
    pauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{"at", "muted"}]
    problem: Mapped[str | None] = mapped_column(String(200))
    purged_at: Mapped[datetime | None]
