"""A queue's colour on the wallboard: amber, then red, by how long its longest caller has waited
(the queue's own thresholds) and by its service level against the queue's own target. One caller
or one missed call does not make a queue red: the waiting colours come from the thresholds alone,
and the service level colours a queue only once enough calls count."""
from enum import StrEnum


class Alert(StrEnum):
    OK = "ok"
    AMBER = "amber"
    RED = "red"


RED_BELOW_TARGET_POINTS = 10  # red once the service level is this many points under its target
MIN_COUNTED_CALLS = 5  # calls counted by the service level before it colours the queue


def wait_alert(longest_wait_seconds: float, amber_seconds: float, red_seconds: float) -> Alert:
    if longest_wait_seconds >= red_seconds:
        return Alert.RED
    return Alert.AMBER if longest_wait_seconds >= amber_seconds else Alert.OK


def service_alert(service_level: float | None, counted: int, target_percent: int) -> Alert:
    """`service_level` 0..1 over `counted` calls; the target in percent."""
    if service_level is None or counted < MIN_COUNTED_CALLS:
        return Alert.OK
    percent = service_level * 100
    if percent < target_percent - RED_BELOW_TARGET_POINTS:
        return Alert.RED
    return Alert.AMBER if percent < target_percent else Alert.OK


def worst(*alerts: Alert) -> Alert:
    order = list(Alert)
    return max(alerts, key=order.index, default=Alert.OK)
