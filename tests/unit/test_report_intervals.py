"""The reports' pure parts: time spread over 15-minute intervals adds up to the time, each share
in its own interval and local day; a local day's period is the start of its hour, day, week
(Monday) or month."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from models.reports import AgentInterval
from services.reports.facts import Facts, Organisation, interval_of
from services.reports.grouping import period_of
from services.reports.query import Grouping
from services.reports.rollup import ranges

ZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Kathmandu", "Europe/London")
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1),
                       timezones=st.just(UTC))


def facts(zone: str) -> Facts:
    return Facts(Organisation({None: ZoneInfo(zone), 1: ZoneInfo(zone)}, {}, {}, {}, {}, set()))


@settings(deadline=None)  # a shared machine's pauses are not the code's
@given(moments, st.floats(min_value=0, max_value=3 * 86400), st.sampled_from(ZONES))
def test_time_spread_over_intervals_adds_up(start, seconds, zone):
    f = facts(zone)
    f.spread(AgentInterval, start, start + timedelta(seconds=seconds), 1, {"agent_id": 7},
             "on_call_s")
    rows = list(f.rows[AgentInterval].values())
    assert abs(sum(r["on_call_s"] for r in rows) - seconds) < 1e-3
    for row in rows:
        begins = row["interval_start"]
        assert begins == interval_of(begins) and 0 < row["on_call_s"] <= 900 + 1e-6
        local = begins.astimezone(ZoneInfo(zone))
        assert (row["local_day"], row["local_minute"]) == (local.date(),
                                                           local.hour * 60 + local.minute)


@settings(deadline=None)  # a shared machine's pauses are not the code's
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
       st.integers(min_value=0, max_value=95))
def test_a_period_is_the_start_of_its_group(day, quarter):
    minute = quarter * 15
    assert period_of(day, minute, Grouping.DAY) == day.isoformat()
    week = date.fromisoformat(period_of(day, minute, Grouping.WEEK))
    assert week.weekday() == 0 and 0 <= (day - week).days < 7
    assert period_of(day, minute, Grouping.MONTH) == day.replace(day=1).isoformat()
    assert period_of(day, minute, Grouping.HOUR) == f"{day} {minute // 60:02d}:00"
    assert period_of(day, minute, Grouping.INTERVAL) == (
        f"{day} {minute // 60:02d}:{minute % 60:02d}")


@settings(deadline=None)  # a shared machine's pauses are not the code's
@given(st.sets(st.integers(min_value=0, max_value=500), max_size=60))
def test_touched_intervals_run_together_a_day_at_most(slots):
    base = datetime(2026, 12, 1, tzinfo=UTC)
    intervals = {base + timedelta(minutes=15 * n) for n in slots}
    runs = ranges(intervals)
    covered = set()
    for start, end in runs:
        assert timedelta(0) < end - start <= timedelta(days=1)
        at = start
        while at < end:
            covered.add(at)
            at += timedelta(minutes=15)
    assert covered == intervals


@settings(deadline=None)  # a shared machine's pauses are not the code's
@given(st.sets(st.integers(min_value=0, max_value=500), max_size=60),
       st.integers(min_value=0, max_value=8))
def test_a_range_goes_on_over_short_gaps_only(slots, bridge):
    base = datetime(2026, 12, 1, tzinfo=UTC)
    intervals = {base + timedelta(minutes=15 * n) for n in slots}
    runs = ranges(intervals, bridge=bridge)
    covered = set()
    for start, end in runs:
        assert timedelta(0) < end - start <= timedelta(days=1)
        assert start in intervals and end - timedelta(minutes=15) in intervals
        at = start
        while at < end:
            covered.add(at)
            at += timedelta(minutes=15)
    assert covered >= intervals
    quarter = timedelta(minutes=15)
    for start, end in runs:  # no gap within a run longer than the bridge
        inside = sorted(at for at in intervals if start <= at < end)
        assert all(b - a <= quarter * (bridge + 1) for a, b in zip(inside, inside[1:]))
    for (first, end), (start, _) in zip(runs, runs[1:]):  # a longer gap, or a day's run full
        assert start - end > quarter * bridge or start - first >= timedelta(days=1)
