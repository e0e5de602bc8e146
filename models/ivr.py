"""What the IVR (voice navigation) and self-service read and write.

Opening hours and holidays per branch; voicemails left out of hours; the path each call took through
the IVR; PIN attempts for self-service and the per-retailer lock that PIN failures set.

Rows that belong to a call carry the call's (pbx_server, linkedid), the key of `calls`, rather than
a foreign key: the IVR writes them while the call log may not have the call row yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class BusinessHours(Base):
    """One opening interval of a branch on a weekday, in the branch's time zone (Branch.timezone).

    A day may have several intervals (a lunch break); a day without any is closed. A branch with no
    rows at all is treated as always open by ivr.hours.is_open.
    """

    __tablename__ = "business_hours"
    __table_args__ = (
        UniqueConstraint("branch_id", "weekday", "opens"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    weekday: Mapped[int]  # 0 = Monday .. 6 = Sunday, as datetime.weekday()
    opens: Mapped[time]  # local time, inclusive
    closes: Mapped[time]  # local time, exclusive; same day (no interval past midnight)


class Holiday(Base):
    """A day a branch is closed all day; branch_id NULL means every branch."""

    __tablename__ = "holidays"
    __table_args__ = (
        UniqueConstraint("branch_id", "day"),
        # NULLs are distinct in a unique constraint, so "every branch" days need their own index.
        Index(
            "ix_holidays_day_every_branch",
            "day",
            unique=True,
            sqlite_where=text("branch_id IS NULL"),
            postgresql_where=text("branch_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id", ondelete="CASCADE"))
    day: Mapped[date]  # in the branch's time zone
    name: Mapped[str] = mapped_column(String(100))


class Voicemail(Base):
    """A message left by a caller; agents see the unhandled ones and call back."""

    __tablename__ = "voicemails"
    # the lists page newest first by (recorded_at, id)
    __table_args__ = (Index("ix_voicemails_recorded_at_id", "recorded_at", "id"),
                      Index("ix_voicemails_branch_id_recorded_at_id", "branch_id", "recorded_at",
                            "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_server: Mapped[str] = mapped_column(String(64), default="local")
    linkedid: Mapped[str] = mapped_column(String(64))  # the call: calls.(pbx_server, linkedid)
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    card_number: Mapped[str | None] = mapped_column(String(32))
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    business_type: Mapped[str | None] = mapped_column(String(32))  # BusinessType.code
    recorded_at: Mapped[datetime]
    duration_ms: Mapped[int]
    path: Mapped[str] = mapped_column(String(500))  # the recording file
    size_bytes: Mapped[int]
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    handled_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class IvrStep(Base):
    """One state a call went through in the IVR, in order (seq) within the call."""

    __tablename__ = "ivr_steps"
    __table_args__ = (
        UniqueConstraint("pbx_server", "linkedid", "seq"),
        Index("ix_ivr_steps_pbx_server_linkedid", "pbx_server", "linkedid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_server: Mapped[str] = mapped_column(String(64), default="local")
    linkedid: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    state: Mapped[str] = mapped_column(String(64))  # the IVR state name
    prompt: Mapped[str | None] = mapped_column(String(200))
    keys: Mapped[str] = mapped_column(String(100), default="")  # PINs are masked by the flow
    result: Mapped[str] = mapped_column(String(32))  # "ok", "invalid", "timeout", "hangup"
    entered_at: Mapped[datetime] = mapped_column(index=True)
    duration_ms: Mapped[int]


def steps_of(rows: Iterable[object], server: str, linkedid: str) -> list[IvrStep]:
    """The call's IVR steps among `rows` (the journal's unwritten rows, say)."""
    return [r for r in rows
            if isinstance(r, IvrStep) and r.pbx_server == server and r.linkedid == linkedid]


class SelfServiceAttempt(Base):
    """A self-service login (card + PIN) attempt, successful or not: the audit trail."""

    __tablename__ = "self_service_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pbx_server: Mapped[str] = mapped_column(String(64), default="local")
    linkedid: Mapped[str] = mapped_column(String(64))
    card_number: Mapped[str] = mapped_column(String(32))  # as keyed
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    at: Mapped[datetime] = mapped_column(index=True)
    success: Mapped[bool]
    # "ok", "wrong_pin", "locked", "unknown_card", "no_pin" (free text: the flow may add reasons)
    reason: Mapped[str] = mapped_column(String(32))


class SelfServiceLock(Base):
    """PIN failures of a retailer and the lock they set.

    Not a Retailer column on purpose: every Retailer change writes a RetailerHistory row, and PIN
    failures must not.
    """

    __tablename__ = "self_service_locks"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    retailer_id: Mapped[int] = mapped_column(
        ForeignKey("retailers.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(default=0)  # in a row, since the last success or lock
    locked_until: Mapped[datetime | None]
