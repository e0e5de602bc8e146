"""What every report is asked (ReportQuery) and what it answers (ReportTable)."""
import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any


class Grouping(enum.StrEnum):
    INTERVAL = "interval"  # 15 minutes
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"  # starting on Monday
    MONTH = "month"


class ColumnKind(enum.StrEnum):
    """How a page and an export show a column's values."""
    TEXT = "text"  # a name or a code (a page translates codes it knows)
    PERIOD = "period"  # the start of a group: an ISO date or local date-time, in the branch's zone
    COUNT = "count"  # an integer
    SECONDS = "seconds"  # a duration, shown as mm:ss (or h:mm:ss)
    RATIO = "ratio"  # 0..1, shown as a percentage
    NUMBER = "number"  # a decimal (an average score, a quantity)
    MONEY = "money"  # yuan, two decimals


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Local dates, both included, in each branch's own time zone."""
    since: date
    until: date
    grouping: Grouping = Grouping.DAY
    branch: str | None = None  # a branch's code
    queue: str | None = None  # a queue's name
    agent: str | None = None  # an agent's number
    campaign: int | None = None
    business_type: str | None = None  # a business type's code


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    kind: ColumnKind
    chart: bool = False  # one of the main figures a page draws over the periods
    words: str | None = None  # the dictionary's kind for a TEXT column's codes ("channel")


@dataclass(slots=True)
class ReportTable:
    """Rows as dicts keyed by the columns' keys, in the order a person reads them; `totals`
    is the whole range's row (what a ratio is over the range, not an average of rows)."""
    name: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    # one row a period, the figures over every other key (what a chart draws); empty: the rows
    # are a period's already
    by_period: list[dict[str, Any]] = field(default_factory=list)
