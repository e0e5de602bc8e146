"""The failed-login throttle (models/throttle.py) on its own clock: waits grow per name from a
source, per source and per name; a success clears only its own count; counts are forgotten."""
from models.throttle import Limit, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, max_keys: int = 1000) -> LoginThrottle:
    return LoginThrottle(Limit(3, 1.0, 8.0), Limit(5, 2.0, 60.0), Limit(10, 1.0, 4.0),
                         forget_after=100.0, max_keys=max_keys, clock=clock)


def test_waits_start_after_the_free_failures_and_double_up_to_the_cap():
    clock = Clock()
    t = throttle(clock)
    waits = []
    for _ in range(7):
        assert t.retry_after("8001", "phone-a") == 0.0
        t.failed("8001", "phone-a")
        waits.append(t.retry_after("8001", "phone-a"))
        clock.now += waits[-1]
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_another_source_is_not_slowed_and_a_success_clears_its_own_count_only():
    clock = Clock()
    t = throttle(clock)
    for _ in range(3):
        t.failed("8001", "attacker")
    assert t.retry_after("8001", "attacker") == 1.0
    assert t.retry_after("8001", "desk") == 0.0
    t.succeeded("8001", "desk")
    assert t.retry_after("8001", "attacker") == 1.0
    clock.now += 1
    t.succeeded("8001", "attacker")  # its pair count goes; its source count stays
    t.failed("8001", "attacker")
    assert t.retry_after("8001", "attacker") == 0.0
    t.failed("8002", "attacker")  # the source's fifth failure
    assert t.retry_after("8003", "attacker") == 2.0


def test_a_name_guessed_from_everywhere_slows_its_user_by_the_names_cap_at_most():
    clock = Clock()
    t = throttle(clock)
    for i in range(40):
        t.failed("8001", f"bot-{i}")
    assert t.retry_after("8001", "desk") == 4.0
    assert t.retry_after("8002", "desk") == 0.0


def test_counts_are_forgotten_after_a_quiet_while_and_the_oldest_go_first():
    clock = Clock()
    t = throttle(clock, max_keys=6)
    for _ in range(3):
        t.failed("8001", "a")
    clock.now += 100.5
    assert t.retry_after("8001", "a") == 0.0
    t.failed("8001", "a")
    assert t.retry_after("8001", "a") == 0.0  # counting from one again
    for name in ("x", "y"):
        t.failed(name, "b")  # 3 keys each; 6 at most: the oldest are dropped
    assert len(t._counts) == 6
    assert ("pair", "8001", "a") not in t._counts and ("name", "y") in t._counts
