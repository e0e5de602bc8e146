"""The wallboard's colours and trend as pure code: a queue turns amber, then red, as its longest
caller waits past the queue's own thresholds, and by its service level against its own target
once enough calls count (never red at the first caller or the first missed call); the trend
counts each call in the 15 minutes it joined its queue, for the last hours of today only."""
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from acd.board import TREND_INTERVALS, agents_counted, interval_starts, summed, totals, trend
from acd.figures import QueuedCall, queue_figures
from acd.routing import QueuePolicy, WaitingCall
from acd.thresholds import MIN_COUNTED_CALLS, Alert, service_alert, wait_alert

MIDNIGHT = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
POLICY = QueuePolicy("BJ-order", "BJ", "order", service_level_seconds=20,
                     service_level_target=80, wait_amber_seconds=30, wait_red_seconds=60)


def at(minutes: float) -> datetime:
    return MIDNIGHT + timedelta(minutes=minutes)


def waiting_for(seconds: list[float], now: float = 1000.0) -> list[WaitingCall]:
    return [WaitingCall(f"w{i}", "BJ-order", "BJ", "order", now - s) for i, s in enumerate(seconds)]


def figures(calls=(), waits=()):
    [q] = queue_figures({"BJ-order": POLICY}, list(calls), waiting_for(list(waits)), now=1000.0)
    return q


def answered(after: float, minute: float = 600.0) -> QueuedCall:
    joined = at(minute)
    return QueuedCall("BJ-order", joined, joined + timedelta(seconds=after),
                      joined + timedelta(seconds=after + 60), False)


def abandoned(after: float, minute: float = 600.0, queue: str = "BJ-order") -> QueuedCall:
    joined = at(minute)
    return QueuedCall(queue, joined, None, joined + timedelta(seconds=after), True)


def test_the_longest_wait_turns_a_queue_amber_then_red_at_its_own_thresholds():
    assert figures(waits=[29.0]).alert == Alert.OK  # a caller waits: not a colour yet
    assert figures(waits=[5.0, 30.0]).alert == Alert.AMBER
    assert figures(waits=[59.9]).wait_alert == Alert.AMBER
    red = figures(waits=[10.0, 61.0])
    assert (red.wait_alert, red.alert, red.longest_wait_seconds) == (Alert.RED, Alert.RED, 61.0)
    patient = QueuePolicy("BJ-order", "BJ", "order", wait_amber_seconds=120, wait_red_seconds=300)
    [q] = queue_figures({"BJ-order": patient}, [], waiting_for([200.0]), now=1000.0)
    assert q.alert == Alert.AMBER


def test_the_service_level_colours_against_the_queues_target_once_enough_calls_count():
    # the first call, missed: 0 % but one call says nothing yet
    first = figures([abandoned(45)])
    assert (first.service_level, first.counted, first.alert) == (0.0, 1, Alert.OK)
    # 4 of 5 within 20 s: 80 % meets the target of 80
    five = [answered(5)] * 4 + [answered(40)]
    assert (figures(five).service_level, figures(five).alert) == (0.8, Alert.OK)
    # 7 of 9 (77.8 %): under the target, within 10 points of it
    assert figures([answered(5)] * 7 + [answered(40), abandoned(45)]).alert == Alert.AMBER
    # 3 of 5 (60 %): more than 10 points under
    low = figures([answered(5)] * 3 + [answered(40), abandoned(50)])
    assert (low.service_alert, low.wait_alert, low.alert) == (Alert.RED, Alert.OK, Alert.RED)
    # a caller who hung up within the threshold counts neither way
    assert figures([answered(5)] * 5 + [abandoned(3)] * 10).alert == Alert.OK
    assert service_alert(0.5, MIN_COUNTED_CALLS - 1, 80) == Alert.OK
    assert service_alert(0.79, MIN_COUNTED_CALLS, 80) == Alert.AMBER
    assert service_alert(0.69, MIN_COUNTED_CALLS, 80) == Alert.RED
    assert service_alert(0.5, 100, 50) == Alert.OK


def test_the_worse_of_wait_and_service_level_is_the_queues_colour():
    q = figures([answered(5)] * 7 + [answered(40), abandoned(45)], waits=[65.0])
    assert (q.service_alert, q.wait_alert, q.alert) == (Alert.AMBER, Alert.RED, Alert.RED)
    assert wait_alert(0.0, 30, 60) == Alert.OK


def test_the_trend_counts_each_call_in_the_quarter_hour_it_joined():
    starts = interval_starts(MIDNIGHT, at(10 * 60 + 7))  # 10:07
    assert len(starts) == TREND_INTERVALS  # the last 8 hours, in quarter hours
    assert (starts[0], starts[-1]) == (at(2 * 60 + 15), at(10 * 60))
    calls = [answered(5, minute=10 * 60 + 1), answered(5, minute=10 * 60 + 6),
             abandoned(30, minute=9 * 60 + 59.9), answered(5, minute=9 * 60 + 45),
             abandoned(30, minute=60),  # before the window
             abandoned(30, minute=9 * 60 + 50, queue="SH-order"),
             QueuedCall("BJ-order", at(10 * 60 + 7), None, None, False)]  # still waiting
    per_queue = trend(calls, starts)
    bj = per_queue["BJ-order"]
    assert (bj["offered"][-1], bj["answered"][-1], bj["abandoned"][-1]) == (3, 2, 0)
    assert (bj["offered"][-2], bj["answered"][-2], bj["abandoned"][-2]) == (2, 1, 1)
    assert sum(bj["offered"]) == 5
    both = summed(per_queue, ["BJ-order", "SH-order"], len(starts))
    assert (both["offered"][-2], both["abandoned"][-2]) == (3, 2)
    assert summed(per_queue, ["HQ-order"], len(starts))["offered"] == [0] * len(starts)


def test_the_trend_begins_at_midnight_early_in_the_day():
    starts = interval_starts(MIDNIGHT, at(40))
    assert starts == [at(0), at(15), at(30)]
    assert trend([answered(5, minute=44.9)], starts)["BJ-order"]["offered"] == [0, 0, 1]
    assert trend([answered(5, minute=45)], starts) == {}  # the next interval: not yet shown


def test_totals_and_agents_by_state():
    bj = figures([answered(5)] * 4 + [answered(40)], waits=[35.0])
    sh = figures([abandoned(45)], waits=[5.0, 8.0])
    sum_ = totals([asdict(bj), asdict(sh)])
    assert (sum_["waiting"], sum_["offered"], sum_["answered"], sum_["abandoned"]) == (3, 6, 5, 1)
    assert (sum_["service_level"], sum_["longest_wait_seconds"], sum_["alert"]) == (4 / 6, 35.0,
                                                                                    "amber")
    assert totals([])["service_level"] is None
    counted = agents_counted([{"state": "available"}, {"state": "paused", "pause_reason": "meal"},
                              {"state": "paused", "pause_reason": "meal"},
                              {"state": "on_call"}, {"state": "wrap_up"}])
    assert counted["states"]["paused"] == 2 and counted["states"]["logged_out"] == 0
    assert counted["paused"] == {"meal": 2}
    assert (counted["states"]["available"], counted["states"]["on_call"],
            counted["states"]["wrap_up"]) == (1, 1, 1)
