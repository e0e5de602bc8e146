"""The organisation: branch companies and the business types callers choose in the IVR."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Branch(Base):
    __tablename__ = "branches"
    __table_args__ = (CheckConstraint("order_day BETWEEN 0 AND 6", name="order_day_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # "HQ", "BJ"
    name: Mapped[str] = mapped_column(String(100))
    is_headquarters: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # The weekly order day its retailers' ordering cycle starts on (0 = Monday .. 6 = Sunday, as
    # datetime.weekday()), in its time zone; a retailer may have its own (Retailer.order_day).
    order_day: Mapped[int] = mapped_column(default=0, server_default="0")


class BusinessType(Base):
    __tablename__ = "business_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    # order, complaint, consultation, logistics, self_service, operator
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    menu_key: Mapped[str] = mapped_column(String(1), unique=True)  # the IVR keypad digit
    sort_order: Mapped[int] = mapped_column(default=0)
    # languages whose menu prompt is a recording an administrator uploaded (not spoken by TTS)
    uploaded_prompts: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
