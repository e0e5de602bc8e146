"""Interval facts for the reports: inbound calls by queue, agents' time by state, IVR steps, PIN
attempts, outbound attempts and their results, per 15 minutes and summed by local day
(models/reports.py), the roll-up's marks, and indexes on the raw rows' times the roll-up reads
by (call events by kind, for the holds and transfers).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _seconds(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Double(), nullable=False) for name in names]


def _when() -> list[sa.Column]:
    return [sa.Column("interval_start", sa.DateTime(timezone=True), nullable=False),
            sa.Column("local_day", sa.Date(), nullable=False),
            sa.Column("local_minute", sa.Integer(), nullable=False),
            sa.Column("branch_id", sa.Integer(), nullable=True)]


def _tables() -> dict[str, list[sa.Column]]:
    """Fresh columns at each call: a column belongs to one table."""
    return {
        "report_queue_intervals": [
            *_when(), sa.Column("queue", sa.String(64), nullable=False),
            sa.Column("business_type", sa.String(32), nullable=False),
            *_counts("offered", "answered", "answered_in_sl", "abandoned_ivr", "abandoned_queue",
                     "abandoned_10s", "abandoned_30s", "abandoned_60s", "abandoned_120s",
                     "abandoned_longer", "self_served", "voicemails", "other"),
            *_seconds("wait_answered_s", "wait_abandoned_s", "talk_s", "hold_s", "wrap_s"),
            *_counts("transfers", "callbacks_requested", "callbacks_done", "survey_count",
                     "survey_sum")],
        "report_agent_intervals": [
            *_counts("agent_id"), *_when(),
            *_seconds("logged_in_s", "available_s", "reserved_s", "on_call_s", "wrap_up_s",
                      "paused_s", "session_lost_s", "paused_break_s", "paused_meal_s",
                      "paused_training_s", "paused_meeting_s", "paused_after_call_work_s",
                      "paused_login_s", "paused_other_s"),
            *_counts("calls_handled"), *_seconds("talk_s", "hold_s"),
            *_counts("transfers", "qa_count"), *_seconds("qa_sum"),
            *_counts("survey_count", "survey_sum")],
        "report_ivr_intervals": [
            *_when(), sa.Column("state", sa.String(64), nullable=False),
            *_counts("entered", "calls", "ok", "invalid", "timeout", "hangup"),
            *_seconds("duration_s")],
        "report_pin_intervals": [
            *_when(), sa.Column("reason", sa.String(32), nullable=False), *_counts("attempts")],
        "report_campaign_intervals": [
            *_counts("campaign_id"), *_when(),
            *_counts("dialed", "reached", "live", "machines", "abandoned", "connected"),
            *_seconds("talk_s"), *_counts("callbacks_requested", "callbacks_kept")],
        "report_campaign_results": [
            *_counts("campaign_id"), *_when(), sa.Column("result", sa.String(32), nullable=False),
            *_counts("attempts")],
    }


def _day_name(name: str) -> str:
    return name.replace("_intervals", "_days").replace("_results", "_result_days")


# the raw tables the roll-up reads by time
TIME_INDEXES = {"agent_transitions": "at", "callback_requests": "requested_at",
                "ivr_steps": "entered_at", "self_service_attempts": "at",
                "call_scores": "scored_at", "contact_attempts": "ended_at"}


def upgrade() -> None:
    for name, columns in _tables().items():
        op.create_table(name, sa.Column("id", sa.Integer(), nullable=False), *columns,
                        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")))
        op.create_index(f"ix_{name}_start", name, ["interval_start"])
        op.create_index(f"ix_{name}_day_branch", name, ["local_day", "branch_id"])
    for name, columns in _tables().items():  # the day sums: no interval start nor minute
        day = _day_name(name)
        op.create_table(day, sa.Column("id", sa.Integer(), nullable=False),
                        *(c for c in columns if c.name not in ("interval_start", "local_minute")),
                        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{day}")))
        op.create_index(f"ix_{day}_day_branch", day, ["local_day", "branch_id"])
    for table, column in TIME_INDEXES.items():
        op.create_index(f"ix_{table}_{column}", table, [column])
    callbacks_handled = "ix_callback_requests_handled_at"
    op.create_index(callbacks_handled, "callback_requests", ["handled_at"])
    op.create_table(
        "report_rollup_marks",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_report_rollup_marks")))
    op.create_index("ix_call_events_kind_at", "call_events", ["kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_callback_requests_handled_at", "callback_requests")
    for table, column in TIME_INDEXES.items():
        op.drop_index(f"ix_{table}_{column}", table)
    op.drop_index("ix_call_events_kind_at", "call_events")
    op.drop_table("report_rollup_marks")
    for name in reversed(_tables()):
        op.drop_table(_day_name(name))
        op.drop_table(name)
