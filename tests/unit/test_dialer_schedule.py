from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.schedule import (
    Calendar,
    ContactPolicy,
    PastCall,
    ScheduleError,
    parse_retries,
    parse_windows,
    retry_at,
)

UTC = UTC
SHANGHAI = "Asia/Shanghai"  # UTC+8, no daylight saving
WINDOWS = parse_windows({"mon": [["09:00", "12:00"], ["13:30", "18:00"]],
                         "tue": [["09:00", "18:00"]], "sat": [["10:00", "12:00"]]})
CALENDAR = Calendar(WINDOWS, starts_on=date(2026, 11, 30), ends_on=date(2026, 12, 12))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("raw, message", [
    ({"monday": []}, "windows.monday: not a weekday"),
    ({"mon": [["9:00", "12:00"]]}, "windows.mon[0]: '9:00' is not a time"),
    ({"mon": [["12:00", "09:00"]]}, "windows.mon[0]: ends at 09:00, not after it starts at 12:00"),
    ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "windows.mon: spans overlap at 11:00"),
    ({"mon": [["09:00"]]}, "windows.mon[0]: a pair"),
    ({"mon": [["24:00", "24:00"]]}, "windows.mon[0]: '24:00' is not a time"),  # only an end
    ({"mon": "09:00-12:00"}, "windows.mon: a list"),
])
def test_bad_windows_are_named(raw, message):
    with pytest.raises(ScheduleError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_windows(raw)


@pytest.mark.parametrize("at, is_open", [
    (utc(2026, 11, 30, 1, 0), True),  # Monday 09:00 in Shanghai
    (utc(2026, 11, 30, 0, 59), False),  # 08:59
    (utc(2026, 11, 30, 4, 0), False),  # 12:00: the end is not in the window
    (utc(2026, 11, 30, 5, 30), True),  # 13:30
    (utc(2026, 12, 2, 3, 0), False),  # a Wednesday: no window
    (utc(2026, 11, 29, 1, 0), False),  # Sunday before the start
    (utc(2026, 12, 14, 1, 0), False),  # Monday after the end date
])
def test_is_open_in_the_contacts_zone(at, is_open):
    assert CALENDAR.is_open(at, SHANGHAI) is is_open


def test_a_window_may_run_until_midnight():
    calendar = Calendar(parse_windows({"sun": [["20:00", "24:00"]]}), date(2026, 11, 1))
    assert calendar.is_open(utc(2026, 11, 29, 15, 59, 59), SHANGHAI)  # Sunday 23:59:59
    assert not calendar.is_open(utc(2026, 11, 29, 16, 0), SHANGHAI)  # Monday 00:00


def test_the_same_moment_is_open_in_one_zone_and_closed_in_another():
    at = utc(2026, 12, 1, 1, 30)  # Tuesday 09:30 in Shanghai, 20:30 Monday in New York
    assert CALENDAR.is_open(at, SHANGHAI)
    assert not CALENDAR.is_open(at, "America/New_York")


@pytest.mark.parametrize("after, expected", [
    (utc(2026, 11, 30, 0, 0), utc(2026, 11, 30, 1, 0)),  # before Monday opens
    (utc(2026, 11, 30, 2, 0), utc(2026, 11, 30, 2, 0)),  # already open
    (utc(2026, 11, 30, 4, 10), utc(2026, 11, 30, 5, 30)),  # lunch
    (utc(2026, 12, 1, 10, 0), utc(2026, 12, 5, 2, 0)),  # Tuesday evening -> Saturday 10:00
    (utc(2026, 11, 20, 0, 0), utc(2026, 11, 30, 1, 0)),  # before the campaign starts
    (utc(2026, 12, 12, 4, 0), None),  # last day, after its window
])
def test_next_open(after, expected):
    assert CALENDAR.next_open(after, SHANGHAI) == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=14 * 24 * 60))
def test_next_open_is_open_and_nothing_earlier_is(minutes):
    after = utc(2026, 11, 28) + timedelta(minutes=minutes)
    found = CALENDAR.next_open(after, SHANGHAI)
    end = found or utc(2026, 12, 14)
    if found is not None:
        assert found >= after and CALENDAR.is_open(found, SHANGHAI)
    probe = after
    while probe < end:
        assert not CALENDAR.is_open(probe, SHANGHAI), probe
        probe = probe.replace(second=0, microsecond=0) + timedelta(minutes=10)


RULES = parse_retries({"busy": {"delay_minutes": 10, "max_attempts": 3},
                       "no_answer": {"delay_minutes": 60, "max_attempts": 2},
                       "failed": {"delay_minutes": 30, "max_attempts": 2}})


@pytest.mark.parametrize("outcome, attempts, expected", [
    ("busy", 1, timedelta(minutes=10)),
    ("busy", 2, timedelta(minutes=10)),
    ("busy", 3, None),  # the third was the last
    ("no_answer", 1, timedelta(minutes=60)),
    ("no_answer", 2, None),
    ("congestion", 1, timedelta(minutes=30)),  # as failed
    ("machine", 1, None),  # no rule: not retried
])
def test_retry_at(outcome, attempts, expected):
    ended = utc(2026, 11, 30, 2, 0)
    assert retry_at(RULES, outcome, attempts, ended) == (None if expected is None
                                                         else ended + expected)


@pytest.mark.parametrize("raw, message", [
    ({"answered": {"delay_minutes": 1, "max_attempts": 2}}, "retries.answered: not an outcome"),
    ({"busy": {"delay_minutes": 0, "max_attempts": 2}}, "retries.busy.delay_minutes: 1 to"),
    ({"busy": {"delay_minutes": 5, "max_attempts": 0}}, "retries.busy.max_attempts: 1 to 20"),
    ({"busy": {"delay_minutes": 5}}, "retries.busy: "),
])
def test_bad_retries_are_named(raw, message):
    with pytest.raises(ScheduleError, match=message):
        parse_retries(raw)


POLICY = ContactPolicy(calls_per_day=2, quiet_hours_after_abandon=72)
NOW = utc(2026, 11, 30, 6, 0)  # 14:00 in Shanghai


def test_policy_allows_a_retailer_never_called():
    assert POLICY.allowed_from([], NOW, SHANGHAI) == NOW


def test_policy_caps_calls_per_local_day():
    one = [PastCall(utc(2026, 11, 30, 1, 0), abandoned=False)]
    assert POLICY.allowed_from(one, NOW, SHANGHAI) == NOW
    two = one + [PastCall(utc(2026, 11, 30, 3, 0), abandoned=False)]
    assert POLICY.allowed_from(two, NOW, SHANGHAI) == utc(2026, 11, 30, 16, 0)  # local midnight


def test_policy_counts_the_day_in_the_retailers_zone():
    # 23:30 UTC on the 29th is the 30th in Shanghai (two calls today there), the 29th in London.
    calls = [PastCall(utc(2026, 11, 29, 23, 30), False), PastCall(utc(2026, 11, 30, 2), False)]
    assert POLICY.allowed_from(calls, NOW, SHANGHAI) == utc(2026, 11, 30, 16, 0)
    assert POLICY.allowed_from(calls, NOW, "Europe/London") == NOW


def test_policy_keeps_quiet_72_hours_after_an_abandoned_call():
    abandoned = utc(2026, 11, 29, 7, 0)
    calls = [PastCall(abandoned, abandoned=True)]
    assert POLICY.allowed_from(calls, NOW, SHANGHAI) == abandoned + timedelta(hours=72)
    later = abandoned + timedelta(hours=73)
    assert POLICY.allowed_from(calls, later, SHANGHAI) == later
