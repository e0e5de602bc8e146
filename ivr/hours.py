"""Business hours per branch, with holidays. Pure: the database rows come in as values."""
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def is_open(now: datetime, timezone: str, intervals: Iterable[tuple[int, time, time]],
            holidays: Iterable[date]) -> bool:
    """Open when `now` (aware) falls in one of the weekday intervals, in the branch's time zone,
    and not on a holiday. A branch with no hours at all is always open."""
    local = now.astimezone(ZoneInfo(timezone))
    if local.date() in set(holidays):
        return False
    intervals = list(intervals)
    if not intervals:
        return True
    moment = local.time()
    return any(weekday == local.weekday() and opens <= moment < closes
               for weekday, opens, closes in intervals)
