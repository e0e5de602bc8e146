"""Queue figures as pure code: service level ignores callers who gave up within the threshold."""
from datetime import UTC, datetime, timedelta

from acd.figures import QueuedCall, queue_figures
from acd.routing import QueuePolicy, WaitingCall

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
POLICIES = {"BJ-order": QueuePolicy("BJ-order", "BJ", "order"),
            "SH-order": QueuePolicy("SH-order", "SH", "order", service_level_seconds=10)}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answered(wait: float, talk: float, wrap: float = 0.0, queue: str = "BJ-order") -> QueuedCall:
    return QueuedCall(queue, at(0), at(wait), at(wait + talk), False, wrap)


def abandoned(after: float, queue: str = "BJ-order") -> QueuedCall:
    return QueuedCall(queue, at(0), None, at(after), True)


def test_service_level_speed_of_answer_and_handle_time():
    calls = [answered(5, 60, wrap=10), answered(30, 120), abandoned(8), abandoned(45)]
    waiting = [WaitingCall("w1", "BJ-order", "BJ", "order", 100.0),
               WaitingCall("w2", "BJ-order", "BJ", "order", 130.0)]
    bj, sh = queue_figures(POLICIES, calls, waiting, now=160.0)
    assert (bj.offered, bj.answered, bj.abandoned, bj.waiting) == (4, 2, 2, 2)
    assert bj.longest_wait_seconds == 60.0
    # Within 20 s: the 5 s answer; counted: two answers and the abandon after 45 s (not the 8 s).
    assert bj.service_level == 1 / 3
    assert bj.average_speed_of_answer_seconds == 17.5
    assert bj.average_handle_seconds == (70 + 120) / 2
    assert (sh.offered, sh.service_level, sh.average_speed_of_answer_seconds) == (0, None, None)


def test_the_threshold_is_the_queues_own():
    [_, sh] = queue_figures(POLICIES, [answered(10, 5, queue="SH-order"),
                                       answered(11, 5, queue="SH-order")], [], now=0.0)
    assert sh.service_level == 0.5
