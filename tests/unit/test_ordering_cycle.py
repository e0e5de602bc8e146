"""The ordering cycle's bounds: from the order day's midnight to the next one's, in the branch's
time zone, whatever the day of the week it is asked on."""
from datetime import UTC, date, datetime, timedelta

import pytest

from models.ordering_cycle import cycle_at

BEIJING = "Asia/Shanghai"


@pytest.mark.parametrize("now, order_day, first_day", [
    (datetime(2026, 12, 9, 2, 0, tzinfo=UTC), 0, date(2026, 12, 7)),  # Wednesday, Monday's
    (datetime(2026, 12, 7, 2, 0, tzinfo=UTC), 0, date(2026, 12, 7)),  # the order day itself
    (datetime(2026, 12, 13, 15, 59, tzinfo=UTC), 0, date(2026, 12, 7)),  # Sunday 23:59 Beijing
    (datetime(2026, 12, 13, 16, 0, tzinfo=UTC), 0, date(2026, 12, 14)),  # Monday 00:00 Beijing
    (datetime(2026, 12, 9, 2, 0, tzinfo=UTC), 3, date(2026, 12, 3)),  # Thursday's: last week's
    (datetime(2026, 12, 10, 2, 0, tzinfo=UTC), 3, date(2026, 12, 10)),
    (datetime(2026, 12, 9, 2, 0, tzinfo=UTC), 6, date(2026, 12, 6)),  # Sunday's
])
def test_a_cycle_starts_on_the_last_order_day_at_midnight_in_the_branchs_time_zone(
        now, order_day, first_day):
    cycle = cycle_at(now, order_day, BEIJING)
    assert cycle.first_day == first_day and cycle.last_day == first_day + timedelta(days=6)
    assert cycle.starts_at == datetime(first_day.year, first_day.month, first_day.day,
                                       tzinfo=UTC) - timedelta(hours=8)
    assert cycle.ends_at - cycle.starts_at == timedelta(days=7)
    assert cycle.starts_at <= now < cycle.ends_at


def test_a_week_with_a_clock_change_is_a_week_of_the_branchs_days():
    # Berlin moves its clocks on Sunday 29 March 2026: the cycle is 167 hours long
    cycle = cycle_at(datetime(2026, 3, 25, 12, 0, tzinfo=UTC), 0, "Europe/Berlin")
    assert cycle.starts_at == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert cycle.ends_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert cycle.said() == {"cycle_start": "2026-03-23", "cycle_end": "2026-03-29"}
