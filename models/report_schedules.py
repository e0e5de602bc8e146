"""Scheduled reports an administrator keeps (beside those of the settings): a report with its
grouping and filters, written every day or every week, mailed to its addresses."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class ReportSchedule(Base):
    __tablename__ = "report_schedules"
    __table_args__ = (CheckConstraint("every IN ('daily', 'weekly')", name="every"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(64))  # its name in services.reports.registry
    every: Mapped[str] = mapped_column(String(16))  # daily | weekly
    grouping: Mapped[str] = mapped_column(String(16), default="day")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
