"""Quality scoring (质量管理评分): weighted score forms, and supervisors' scores of recorded calls,
criterion by criterion. A form that has scores is retired, never deleted."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.agents import Agent
from models.base import Base, utcnow
from models.users import User


class ScoreForm(Base):
    __tablename__ = "score_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)  # retired forms take no new scores
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    criteria: Mapped[list[ScoreCriterion]] = relationship(
        back_populates="form", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="ScoreCriterion.position")


class ScoreCriterion(Base):
    __tablename__ = "score_criteria"
    __table_args__ = (
        UniqueConstraint("form_id", "position"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("score_forms.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1, 2, ...: the order on the form
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[int]
    max_points: Mapped[int]
    description: Mapped[str | None] = mapped_column(Text)

    form: Mapped[ScoreForm] = relationship(back_populates="criteria")


class CallScore(Base):
    __tablename__ = "call_scores"
    __table_args__ = (CheckConstraint("total BETWEEN 0 AND 100", name="total_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)  # the call's
    form_id: Mapped[int] = mapped_column(ForeignKey("score_forms.id"))
    scorer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scored_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The weighted percentage: sum(weight * points / max_points) / sum(weight) * 100.
    total: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    comment: Mapped[str | None] = mapped_column(Text)

    agent: Mapped[Agent] = relationship(lazy="joined")
    form: Mapped[ScoreForm] = relationship(lazy="joined")
    scorer: Mapped[User] = relationship(lazy="joined")
    items: Mapped[list[CallScoreItem]] = relationship(
        back_populates="score", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="CallScoreItem.id")


class CallScoreItem(Base):
    __tablename__ = "call_score_items"
    __table_args__ = (
        UniqueConstraint("score_id", "criterion_id"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("call_scores.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("score_criteria.id"))
    points: Mapped[int]  # 0..the criterion's max_points
    note: Mapped[str | None] = mapped_column(Text)

    score: Mapped[CallScore] = relationship(back_populates="items")
    criterion: Mapped[ScoreCriterion] = relationship(lazy="joined")
