"""When a contact may be called: the campaign's calling windows in the contact's own time zone,
its retry rules per outcome, and the contact policy across all campaigns. Pure code."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RETRY_OUTCOMES = ("busy", "no_answer", "failed", "machine")  # congestion counts as failed
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ScheduleError(ValueError):
    """A setting that cannot be used, named by its path (e.g. "windows.mon[0]")."""


def parse_windows(raw: Mapping[str, object]) -> dict[str, list[tuple[time, time]]]:
    """{"mon": [["09:00", "12:00"], ...], ...} checked: known weekdays, HH:MM, start before end,
    no overlap. A weekday left out has no window."""
    windows: dict[str, list[tuple[time, time]]] = {}
    for day, spans in raw.items():
        if day not in WEEKDAYS:
            raise ScheduleError(f"windows.{day}: not a weekday (use {', '.join(WEEKDAYS)})")
        if not isinstance(spans, list):
            raise ScheduleError(f"windows.{day}: a list of [start, end] pairs")
        parsed = sorted(_span(f"windows.{day}[{i}]", s) for i, s in enumerate(spans))
        for (_, end), (start, _) in zip(parsed, parsed[1:]):
            if start < end:
                raise ScheduleError(f"windows.{day}: spans overlap at {start:%H:%M}")
        windows[day] = parsed
    return windows


def _span(path: str, span: object) -> tuple[time, time]:
    if not (isinstance(span, (list, tuple)) and len(span) == 2):
        raise ScheduleError(f"{path}: a pair [\"HH:MM\", \"HH:MM\"]")
    start, end = _clock(path, span[0]), _clock(path, span[1], end=True)
    if end <= start:
        raise ScheduleError(f"{path}: ends at {end:%H:%M}, not after it starts at {start:%H:%M}")
    return start, end


def _clock(path: str, text: object, end: bool = False) -> time:
    if end and text == "24:00":
        return time.max  # until midnight
    match = _CLOCK.match(text) if isinstance(text, str) else None
    if match is None:
        raise ScheduleError(f"{path}: {text!r} is not a time HH:MM (00:00 to 23:59; an end "
                            f"may be 24:00)")
    return time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class Calendar:
    """The campaign's days and windows; times are local to the contact."""

    windows: Mapping[str, Sequence[tuple[time, time]]]
    starts_on: date
    ends_on: date | None = None

    def is_open(self, at: datetime, zone: str) -> bool:
        local = at.astimezone(ZoneInfo(zone))
        if not self._runs_on(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self._spans(local.date()))

    def next_open(self, after: datetime, zone: str) -> datetime | None:
        """The first moment at or after `after` when the contact may be called; None once the
        campaign has ended."""
        tz = ZoneInfo(zone)
        local = after.astimezone(tz)
        day = max(local.date(), self.starts_on)
        for _ in range(8 + max(0, (self.starts_on - local.date()).days)):
            if self.ends_on is not None and day > self.ends_on:
                return None
            for start, end in self._spans(day):
                opens = datetime.combine(day, start, tz)
                closes = datetime.combine(day, end, tz)
                if closes > local:
                    return max(opens, local).astimezone(after.tzinfo)
            day += timedelta(days=1)
        return None

    def _runs_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def _spans(self, day: date) -> Sequence[tuple[time, time]]:
        return self.windows.get(WEEKDAYS[day.weekday()], ())


@dataclass(frozen=True)
class RetryRule:
    delay_minutes: int
    max_attempts: int  # attempts in all, the first included


def parse_retries(raw: Mapping[str, object]) -> dict[str, RetryRule]:
    rules = {}
    for outcome, rule in raw.items():
        if outcome not in RETRY_OUTCOMES:
            raise ScheduleError(f"retries.{outcome}: not an outcome that is retried "
                                f"(use {', '.join(RETRY_OUTCOMES)})")
        if not isinstance(rule, Mapping) or set(rule) != {"delay_minutes", "max_attempts"}:
            raise ScheduleError(f"retries.{outcome}: {{\"delay_minutes\": n, \"max_attempts\": n}}")
        delay, most = rule["delay_minutes"], rule["max_attempts"]
        if not (isinstance(delay, int) and 1 <= delay <= 7 * 24 * 60):
            raise ScheduleError(f"retries.{outcome}.delay_minutes: 1 to 10080")
        if not (isinstance(most, int) and 1 <= most <= 20):
            raise ScheduleError(f"retries.{outcome}.max_attempts: 1 to 20")
        rules[outcome] = RetryRule(delay, most)
    return rules


def retry_at(rules: Mapping[str, RetryRule], outcome: str, attempts: int,
             ended: datetime) -> datetime | None:
    """When to call again after `attempts` calls, the last ending with `outcome`; None: no more
    (an outcome without a rule is not retried)."""
    rule = rules.get("failed" if outcome == "congestion" else outcome)
    if rule is None or attempts >= rule.max_attempts:
        return None
    return ended + timedelta(minutes=rule.delay_minutes)


@dataclass(frozen=True)
class PastCall:
    started_at: datetime
    abandoned: bool


@dataclass(frozen=True)
class ContactPolicy:
    """Across all campaigns: at most `calls_per_day` calls to one retailer per local day, and
    none within `quiet_hours_after_abandon` of a call of ours they answered and nobody took."""

    calls_per_day: int = 2
    quiet_hours_after_abandon: float = 72.0

    def allowed_from(self, history: Iterable[PastCall], now: datetime, zone: str) -> datetime:
        """The earliest moment from `now` at which the retailer may be called again."""
        tz = ZoneInfo(zone)
        today = now.astimezone(tz).date()
        earliest = now
        calls = list(history)
        abandons = [c.started_at for c in calls if c.abandoned]
        if abandons:
            quiet = timedelta(hours=self.quiet_hours_after_abandon)
            earliest = max(earliest, max(abandons) + quiet)
        if sum(c.started_at.astimezone(tz).date() == today for c in calls) >= self.calls_per_day:
            tomorrow = datetime.combine(today + timedelta(days=1), time(0), tz)
            earliest = max(earliest, tomorrow.astimezone(now.tzinfo))
        return earliest
