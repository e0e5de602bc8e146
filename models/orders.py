"""Orders (电话订货). Minimal for now: the agent desktop adds lines and review rules."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class OrderStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Money: a Decimal in the application. SQLite has no decimal type and keeps a float; 12 digits
    # still round-trip exactly, but sums computed by SQLite are float sums.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[OrderStatus] = mapped_column(default=OrderStatus.SUBMITTED)
    channel: Mapped[str] = mapped_column(String(16), default="phone")  # "phone", "ivr", "web"
