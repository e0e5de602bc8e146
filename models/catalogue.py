"""The product catalogue (货源): products, whether each is on supply in a branch, and each
retailer's lower and upper limit per product over its ordering cycle (上下限, see
models.ordering_cycle)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("unit_price >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="条")  # a carton
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProductSupply(Base):
    """A product may be ordered in a branch only while it is on supply there."""

    __tablename__ = "product_supply"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(
        ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True)
    on_supply: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OrderLimit(Base):
    """How much of a product one retailer orders in one ordering cycle, all its orders of the cycle
    together whatever their channel: at most max_quantity, and at least min_quantity once it
    orders the product at all; no row: no limit."""

    __tablename__ = "order_limits"
    __table_args__ = (
        CheckConstraint("min_quantity >= 0", name="min_not_negative"),
        CheckConstraint("max_quantity >= min_quantity", name="max_not_below_min"),
    )

    retailer_id: Mapped[int] = mapped_column(
        ForeignKey("retailers.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    min_quantity: Mapped[int] = mapped_column(default=0)
    max_quantity: Mapped[int]
