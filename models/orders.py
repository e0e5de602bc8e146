"""Orders (电话订货): lines of products for a retailer, captured by an agent on a call, by the
IVR or on the web, each written by services.ordering.place after the one review; the IVR's
self-service reads them back."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.catalogue import Product


class OrderStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # not reviewed yet (services.ordering.place reviews every order)
    ACCEPTED = "accepted"  # passed the review rules
    REJECTED = "rejected"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class OrderChannel(enum.StrEnum):
    PHONE = "phone"  # an agent on a call
    IVR = "ivr"
    WEB = "web"


# The statuses of an order that counts towards its retailer's limits in its ordering cycle.
COUNTED = (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.DELIVERED)


class Order(Base):
    __tablename__ = "orders"
    # the lists page newest first by (created_at, id)
    __table_args__ = (Index("ix_orders_created_at_id", "created_at", "id"),
                      Index("ix_orders_retailer_id_created_at_id", "retailer_id", "created_at",
                            "id"),
                      # the roll-up finds the orders whose status changed since it last ran
                      Index("ix_orders_status_changed_at", "status_changed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Money: a Decimal in the application. SQLite has no decimal type and keeps a float; 12 digits
    # still round-trip exactly, but sums computed by SQLite are float sums.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # the sum of the lines
    status: Mapped[OrderStatus] = mapped_column(default=OrderStatus.SUBMITTED)
    channel: Mapped[str] = mapped_column(String(16), default=OrderChannel.PHONE)  # OrderChannel
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", lazy="selectin",
        order_by="OrderLine.id")


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))  # the price when ordered
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship(lazy="joined")


class OrderRefusal(Base):
    """An order the review refused, a row per rule it broke (the refused order itself is not
    stored): written by services.ordering.place in a transaction of its own, so the refusal
    stays whatever becomes of the caller's. The rows of one attempt share `attempt`."""

    __tablename__ = "order_refusals"
    __table_args__ = (Index("ix_order_refusals_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    branch_id: Mapped[int | None]  # the retailer's when refused
    channel: Mapped[str] = mapped_column(String(16))  # OrderChannel
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rule: Mapped[str] = mapped_column(String(48))  # the Violation's code
    product_id: Mapped[int | None]  # a line's rule: the line's product, as asked (may be unknown)
