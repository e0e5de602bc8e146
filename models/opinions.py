"""Customer opinions (客户意见) and the work orders that dispatch them to departments, step by
step, each step with its own deadline. A consultation (业务咨询) is an opinion of its own kind:
a question on a topic and the answer given, which may raise a work order as any opinion."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.retailers import Retailer
from models.users import User


class OpinionKind(enum.StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    PRAISE = "praise"
    CONSULTATION = "consultation"  # 业务咨询: with a topic, and the answer given


class ConsultationTopic(enum.StrEnum):
    PRODUCT = "product"  # 产品信息
    ORDER = "order"  # 订单处理
    PROMOTION = "promotion"  # 促销活动
    POLICY = "policy"
    OTHER = "other"


class OpinionSubject(enum.StrEnum):
    COMMERCE = "commerce"  # 商流
    LOGISTICS = "logistics"  # 物流


class OpinionSource(enum.StrEnum):
    RETAILER = "retailer"
    CONSUMER = "consumer"


class OpinionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"  # a work order was raised
    RESOLVED = "resolved"
    CLOSED = "closed"  # ended without a resolution to feed back (e.g. praise noted)


class WorkOrderStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"  # every step done


class Department(Base):
    """A department work orders are dispatched to (物流部, 营销部, ...)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class StepTemplate(Base):
    """One step of the steps an opinion of this kind and subject is dispatched in when no steps
    are given: its department, its deadline in hours from the dispatch, what to do."""

    __tablename__ = "step_templates"
    __table_args__ = (
        UniqueConstraint("kind", "subject", "step_no"),
        CheckConstraint("due_in_hours > 0", name="due_in_hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OpinionKind]
    subject: Mapped[OpinionSubject]
    step_no: Mapped[int]  # 1, 2, ...: done in this order
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    due_in_hours: Mapped[float]
    instruction: Mapped[str] = mapped_column(Text)

    department: Mapped[Department] = relationship(lazy="joined")


class Opinion(Base):
    __tablename__ = "opinions"
    __table_args__ = (
        Index("ix_opinions_branch_id_status", "branch_id", "status"),
        Index("ix_opinions_kind_created_at", "kind", "created_at"),
        # the lists page newest first by (created_at, id)
        Index("ix_opinions_created_at_id", "created_at", "id"),
        Index("ix_opinions_updated_at", "updated_at"),  # the roll-up finds the changed ones
        Index("ix_opinions_branch_id_created_at_id", "branch_id", "created_at", "id"),
        Index("ix_opinions_retailer_id_created_at_id", "retailer_id", "created_at", "id"),
        CheckConstraint("(kind = 'consultation') = (topic IS NOT NULL)",
                        name="consultation_topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OpinionKind]
    subject: Mapped[OpinionSubject]
    source: Mapped[OpinionSource]
    # A retailer's own opinion, or the retailer a consumer's opinion is about.
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    consumer_name: Mapped[str | None] = mapped_column(String(100))
    consumer_phone: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)  # a consultation's question
    topic: Mapped[ConsultationTopic | None]  # a consultation's, and only a consultation's
    answer: Mapped[str | None] = mapped_column(Text)  # given on the call; none: to be found
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    captured_by: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The retailer's branch, else the capturer's; NULL is seen by headquarters only.
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    status: Mapped[OpinionStatus] = mapped_column(default=OpinionStatus.OPEN)
    outcome: Mapped[str | None] = mapped_column(Text)
    feedback_call_at: Mapped[datetime | None]  # when to call the customer back with the outcome
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    retailer: Mapped[Retailer | None] = relationship(lazy="joined")
    capturer: Mapped[User] = relationship(lazy="joined")
    work_orders: Mapped[list[WorkOrder]] = relationship(
        back_populates="opinion", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="WorkOrder.id")


class WorkOrder(Base):
    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    opinion_id: Mapped[int] = mapped_column(ForeignKey("opinions.id", ondelete="CASCADE"),
                                            index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[WorkOrderStatus] = mapped_column(default=WorkOrderStatus.OPEN)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    opinion: Mapped[Opinion] = relationship(back_populates="work_orders")
    department: Mapped[Department] = relationship(lazy="joined")
    steps: Mapped[list[WorkOrderStep]] = relationship(
        back_populates="work_order", cascade="all, delete-orphan", passive_deletes=True,
        lazy="selectin", order_by="WorkOrderStep.step_no")


class WorkOrderStep(Base):
    __tablename__ = "work_order_steps"
    __table_args__ = (
        UniqueConstraint("work_order_id", "step_no"),
        Index("ix_work_order_steps_done_at_due_at", "done_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"))
    step_no: Mapped[int]  # 1, 2, ...: done in this order
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    description: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    overdue_notified_at: Mapped[datetime | None]  # the capturer was told it is overdue

    work_order: Mapped[WorkOrder] = relationship(back_populates="steps")
    completer: Mapped[User | None] = relationship(lazy="joined")
    department: Mapped[Department] = relationship(lazy="joined")
