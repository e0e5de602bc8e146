"""Retailers (the callers), their phone numbers and the history of their records.

History rows are written by the session events in models.history, never by hand.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.org import Branch


class RetailerStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Retailer(Base):
    __tablename__ = "retailers"
    __table_args__ = (CheckConstraint("shop_area > 0", name="shop_area_positive"),
                      CheckConstraint("order_day BETWEEN 0 AND 6", name="order_day_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(32), unique=True)  # digits on the card
    name: Mapped[str] = mapped_column(String(200))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    retailer_class: Mapped[str] = mapped_column(String(8))  # "A".."E"
    status: Mapped[RetailerStatus] = mapped_column(default=RetailerStatus.ACTIVE)
    pin_hash: Mapped[str | None] = mapped_column(String(255))  # models.security.hash_pin
    # The profile (seed 002): where the shop is, what kind of shop (业态: 便利店, 超市, 烟酒店...),
    # its floor area in m² and its trade area (商圈).
    address: Mapped[str | None] = mapped_column(String(300))
    business_format: Mapped[str | None] = mapped_column(String(32))
    shop_area: Mapped[float | None] = mapped_column(Float)
    trade_area: Mapped[str | None] = mapped_column(String(100))
    # Its own weekly order day (0 = Monday .. 6 = Sunday), where it differs from its branch's
    # (None: the branch's): its ordering cycle starts on it (models.ordering_cycle).
    order_day: Mapped[int | None]
    # Set by models.history; the ORM also checks it on UPDATE (optimistic locking), so a
    # concurrent edit fails with StaleDataError instead of overwriting.
    version: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    branch: Mapped[Branch | None] = relationship()
    phones: Mapped[list[RetailerPhone]] = relationship(
        back_populates="retailer",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="RetailerPhone.number",
    )

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class RetailerPhone(Base):
    __tablename__ = "retailer_phones"
    __table_args__ = (UniqueConstraint("retailer_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id", ondelete="CASCADE"))
    # Not unique: a shop phone may be shared by several retailers (family, neighbours).
    number: Mapped[str] = mapped_column(String(32), index=True)

    retailer: Mapped[Retailer] = relationship(back_populates="phones")


class RetailerHistory(Base):
    __tablename__ = "retailer_history"
    __table_args__ = (UniqueConstraint("retailer_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No cascade: a retailer with history cannot be deleted (close it instead).
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    version: Mapped[int] = mapped_column()
    changed_at: Mapped[datetime]
    changed_by: Mapped[str | None] = mapped_column(String(100))
    # Every retailer column except pin_hash, plus "phones" (sorted) and "pin_changed".
    snapshot: Mapped[dict[str, Any]]
