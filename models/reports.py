"""Interval facts (统计报表的底层数据): the raw rows (calls and their events, agent transitions,
IVR steps and PIN attempts, outbound attempts, callback requests, quality scores; orders, their
refusals, opinions and work-order steps) rolled up into 15-minute intervals per branch, queue,
agent, campaign, product and department. Every measure is a count or a sum of
seconds, so any grouping of intervals is a SUM; ratios and averages are taken only at the end.

The interval's start is in UTC; a report groups the intervals into hours, days, weeks and months
in each branch's own time zone. The facts are derived: `services.reports.rollup` deletes and
recomputes an interval range from the raw rows, so a rebuild gives the same figures. Dimensions
carry no foreign keys: a fact outlives a renamed queue or a retired agent as history does."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Integer, Numeric, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class IntervalFact:
    """What every interval fact has: its id, when it is (its 15 minutes in UTC, interval_start,
    and where they fall in its branch's time zone: local_day, and local_minute since local
    midnight, which the reports group by) and its branch; `_indexed` gives it the indexes the
    roll-up and the reports read by."""

    id: Mapped[int] = mapped_column(primary_key=True)
    interval_start: Mapped[datetime]
    local_day: Mapped[date]
    local_minute: Mapped[int]
    branch_id: Mapped[int | None]


class QueueInterval(IntervalFact, Base):
    """Inbound calls by the interval they were offered in, once they ended."""

    __tablename__ = "report_queue_intervals"

    # branch: the caller's branch, else the queue's
    queue: Mapped[str] = mapped_column(String(64))  # "" for a call that never reached a queue
    business_type: Mapped[str] = mapped_column(String(32))  # "" when the caller chose none
    offered: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)  # connected to an agent
    answered_in_sl: Mapped[int] = mapped_column(default=0)  # within the queue's threshold
    abandoned_ivr: Mapped[int] = mapped_column(default=0)  # hung up before reaching a queue
    abandoned_queue: Mapped[int] = mapped_column(default=0)  # hung up waiting in a queue
    # abandoned (in the IVR or a queue) after how long: the wait in the queue, else the call
    abandoned_10s: Mapped[int] = mapped_column(default=0)  # under 10 s
    abandoned_30s: Mapped[int] = mapped_column(default=0)  # 10 to 30 s
    abandoned_60s: Mapped[int] = mapped_column(default=0)  # 30 to 60 s
    abandoned_120s: Mapped[int] = mapped_column(default=0)  # 60 to 120 s
    abandoned_longer: Mapped[int] = mapped_column(default=0)  # 120 s and more
    self_served: Mapped[int] = mapped_column(default=0)  # ended in the IVR, served
    voicemails: Mapped[int] = mapped_column(default=0)
    other: Mapped[int] = mapped_column(default=0)  # busy, failed, no answer
    wait_answered_s: Mapped[float] = mapped_column(default=0.0)  # queued to connected
    wait_abandoned_s: Mapped[float] = mapped_column(default=0.0)
    talk_s: Mapped[float] = mapped_column(default=0.0)  # connected to ended, less hold
    hold_s: Mapped[float] = mapped_column(default=0.0)
    wrap_s: Mapped[float] = mapped_column(default=0.0)  # the agent's wrap-up after the call
    transfers: Mapped[int] = mapped_column(default=0)
    callbacks_requested: Mapped[int] = mapped_column(default=0)  # at the maximum wait
    callbacks_done: Mapped[int] = mapped_column(default=0)
    survey_count: Mapped[int] = mapped_column(default=0)
    survey_sum: Mapped[int] = mapped_column(default=0)


class AgentInterval(IntervalFact, Base):
    """An agent's time in each state within the interval, and the calls it handled (by the
    interval they were offered in)."""

    __tablename__ = "report_agent_intervals"

    agent_id: Mapped[int]
    # branch: the agent's
    logged_in_s: Mapped[float] = mapped_column(default=0.0)  # every state but logged out
    available_s: Mapped[float] = mapped_column(default=0.0)
    reserved_s: Mapped[float] = mapped_column(default=0.0)
    on_call_s: Mapped[float] = mapped_column(default=0.0)
    wrap_up_s: Mapped[float] = mapped_column(default=0.0)
    paused_s: Mapped[float] = mapped_column(default=0.0)
    session_lost_s: Mapped[float] = mapped_column(default=0.0)
    # paused by reason (acd.agent_state.PauseReason); an unknown reason counts as other
    paused_break_s: Mapped[float] = mapped_column(default=0.0)
    paused_meal_s: Mapped[float] = mapped_column(default=0.0)
    paused_training_s: Mapped[float] = mapped_column(default=0.0)
    paused_meeting_s: Mapped[float] = mapped_column(default=0.0)
    paused_after_call_work_s: Mapped[float] = mapped_column(default=0.0)
    paused_login_s: Mapped[float] = mapped_column(default=0.0)
    paused_other_s: Mapped[float] = mapped_column(default=0.0)
    calls_handled: Mapped[int] = mapped_column(default=0)
    talk_s: Mapped[float] = mapped_column(default=0.0)
    hold_s: Mapped[float] = mapped_column(default=0.0)
    transfers: Mapped[int] = mapped_column(default=0)
    qa_count: Mapped[int] = mapped_column(default=0)  # quality scores, by when scored
    qa_sum: Mapped[float] = mapped_column(default=0.0)
    survey_count: Mapped[int] = mapped_column(default=0)
    survey_sum: Mapped[int] = mapped_column(default=0)


class IvrInterval(IntervalFact, Base):
    """IVR steps by the interval they were entered in: how often each state was entered and how
    each ended (ok, invalid, timeout, hangup)."""

    __tablename__ = "report_ivr_intervals"

    # branch: the call's, once the card named it
    state: Mapped[str] = mapped_column(String(64))
    entered: Mapped[int] = mapped_column(default=0)
    calls: Mapped[int] = mapped_column(default=0)  # distinct calls that entered it
    ok: Mapped[int] = mapped_column(default=0)
    invalid: Mapped[int] = mapped_column(default=0)
    timeout: Mapped[int] = mapped_column(default=0)
    hangup: Mapped[int] = mapped_column(default=0)
    duration_s: Mapped[float] = mapped_column(default=0.0)


class PinInterval(IntervalFact, Base):
    """Self-service logins (card + PIN) by the interval of the attempt and its reason."""

    __tablename__ = "report_pin_intervals"

    # branch: the retailer's
    reason: Mapped[str] = mapped_column(String(32))  # ok, wrong_pin, locked, ...
    attempts: Mapped[int] = mapped_column(default=0)


class CampaignInterval(IntervalFact, Base):
    """Outbound attempts by the interval they started in, and the callback requests a campaign
    dials, by the interval they were asked in."""

    __tablename__ = "report_campaign_intervals"

    campaign_id: Mapped[int]
    # branch: the campaign's
    dialed: Mapped[int] = mapped_column(default=0)
    reached: Mapped[int] = mapped_column(default=0)  # answered by a person or a machine
    live: Mapped[int] = mapped_column(default=0)  # answered by a person
    machines: Mapped[int] = mapped_column(default=0)
    abandoned: Mapped[int] = mapped_column(default=0)  # as the dialer counts it
    connected: Mapped[int] = mapped_column(default=0)  # to an agent
    talk_s: Mapped[float] = mapped_column(default=0.0)
    callbacks_requested: Mapped[int] = mapped_column(default=0)
    callbacks_kept: Mapped[int] = mapped_column(default=0)


class CampaignResult(IntervalFact, Base):
    """Outbound attempts by the interval they started in and the agent's result (disposition)."""

    __tablename__ = "report_campaign_results"

    campaign_id: Mapped[int]
    # branch: the campaign's
    result: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(default=0)


# -- the business facts: orders, their refusals, opinions and work-order steps -----------------
# A row captured on a call keeps the call's queue ("" without one) and the agent of the user who
# captured it (none for a user who is not an agent), the filters the business reports take.

class OrderInterval(IntervalFact, Base):
    """Orders by the interval they were placed in, as their status is now: those that count
    (models.orders.COUNTED) with their quantity and amount, the rejected and cancelled apart."""

    __tablename__ = "report_order_intervals"

    # branch: the retailer's
    channel: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None]
    orders: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)


class OrderProductInterval(IntervalFact, Base):
    """The lines of the orders that count, by product."""

    __tablename__ = "report_order_product_intervals"

    # branch: the retailer's
    product_id: Mapped[int]
    queue: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None]
    orders: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)


class OrderCycleInterval(IntervalFact, Base):
    """The orders that count by retailer and the first day of the ordering cycle they fell in
    (models.ordering_cycle): what the cycles report counts retailers by."""

    __tablename__ = "report_order_cycle_intervals"

    # branch: the retailer's
    retailer_id: Mapped[int]
    cycle_day: Mapped[date]
    queue: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None]
    orders: Mapped[int] = mapped_column(default=0)
    quantity: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=0)


class RefusalInterval(IntervalFact, Base):
    """Refused orders (models.orders.OrderRefusal) by the interval they were refused in and the
    rule they broke; an attempt that broke two rules counts once under each."""

    __tablename__ = "report_refusal_intervals"

    # branch: the retailer's
    channel: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(48))
    product_id: Mapped[int | None]  # a line's rule: the line's product
    agent_id: Mapped[int | None]
    refusals: Mapped[int] = mapped_column(default=0)


class OpinionInterval(IntervalFact, Base):
    """Opinions and consultations by the interval they were captured in, as they stand now: how
    many closed (resolved or closed) and the seconds they took, from capture to their last
    change; a case that closes later updates the interval it was captured in."""

    __tablename__ = "report_opinion_intervals"

    # branch: the opinion's own
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32))  # a consultation's; "" for the others
    queue: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int | None]
    received: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    close_s: Mapped[float] = mapped_column(default=0.0)
    with_work_order: Mapped[int] = mapped_column(default=0)
    answered_on_call: Mapped[int] = mapped_column(default=0)  # a consultation answered


class StepInterval(IntervalFact, Base):
    """Work-order steps by the interval they are due in and their department: done on time,
    done late (and by how much), and still open past their due time as of the roll (the seconds
    they are late are counted from `overdue_due_s`, the sum of their due times, when read)."""

    __tablename__ = "report_step_intervals"

    # branch: the opinion's
    department_id: Mapped[int]
    due: Mapped[int] = mapped_column(default=0)
    on_time: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)
    late_s: Mapped[float] = mapped_column(default=0.0)
    overdue: Mapped[int] = mapped_column(default=0)
    overdue_due_s: Mapped[float] = mapped_column(default=0.0)  # epoch seconds, summed


class RollupMark(Base):
    """How far the roll-up has read each raw table: the last id seen, and when it last ran."""

    __tablename__ = "report_rollup_marks"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime | None]


def _day_table(interval: type[Base], name: str) -> Table:
    """The facts of `interval` summed by local day (its columns but the interval's start and
    minute): what a report by day, week or month reads, a year being a few thousand rows."""
    columns = [c._copy() for c in interval.__table__.c
               if c.name not in ("id", "interval_start", "local_minute")]
    return Table(name, Base.metadata, Column("id", Integer, primary_key=True), *columns,
                 Index(f"ix_{name}_day_branch", "local_day", "branch_id"))


def _indexed(interval: type[Base]) -> type[Base]:
    table = interval.__table__
    assert isinstance(table, Table)
    Index(f"ix_{table.name}_start", table.c.interval_start)
    Index(f"ix_{table.name}_day_branch", table.c.local_day, table.c.branch_id)
    return interval


FACTS: tuple[type[Base], ...] = tuple(_indexed(model) for model in (
    QueueInterval, AgentInterval, IvrInterval, PinInterval, CampaignInterval, CampaignResult,
    OrderInterval, OrderProductInterval, OrderCycleInterval, RefusalInterval, OpinionInterval,
    StepInterval))
# interval facts -> their days, kept by the roll-up with them
DAY_SUMS: dict[type[Base], Table] = {
    model: _day_table(model, model.__tablename__.replace("_intervals", "_days")
                      .replace("_results", "_result_days"))
    for model in FACTS
}
# the columns a fact is kept apart by (the others are summed)
DIMENSIONS = frozenset({
    "local_day", "branch_id", "queue", "business_type", "agent_id", "state", "reason",
    "campaign_id", "result", "channel", "product_id", "retailer_id", "cycle_day", "rule", "kind",
    "subject", "topic", "department_id"})
