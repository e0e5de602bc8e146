"""What a wallboard shows beside each queue's figures: the totals across the queues a viewer
sees, the agents counted by state (paused ones by reason too), and the trend of the last hours:
calls offered, answered and abandoned per 15 minutes of today, each call in the interval it joined
its queue (as interval reports count it). Memory and work stay bounded: a fixed number of
intervals per queue, made in one pass over today's calls."""
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from acd.agent_state import AgentState
from acd.figures import QueuedCall
from acd.thresholds import Alert, worst

INTERVAL = timedelta(minutes=15)
TREND_HOURS = 8
TREND_INTERVALS = TREND_HOURS * 4
KINDS = ("offered", "answered", "abandoned")


def interval_starts(midnight: datetime, now: datetime) -> list[datetime]:
    """The trend's intervals, oldest first: the last TREND_HOURS up to the one `now` is in,
    none before `midnight` (local; the intervals fall on its quarter hours)."""
    current = (now - midnight) // INTERVAL
    first = max(0, current - TREND_INTERVALS + 1)
    return [midnight + i * INTERVAL for i in range(first, current + 1)]


def trend(calls: Iterable[QueuedCall], starts: Sequence[datetime]
          ) -> dict[str, dict[str, list[int]]]:
    """Per queue with a call in the window: {"offered": [n per interval], "answered": [...],
    "abandoned": [...]}, aligned with `starts`."""
    if not starts:
        return {}
    first = starts[0].timestamp()  # plain seconds: a call costs a division, not datetimes'
    width = INTERVAL.total_seconds()
    out: dict[str, dict[str, list[int]]] = {}
    for c in calls:
        i = int((c.queued_at.timestamp() - first) // width)
        if not 0 <= i < len(starts):
            continue
        series = out.setdefault(c.queue, {k: [0] * len(starts) for k in KINDS})
        series["offered"][i] += 1
        if c.connected_at is not None:
            series["answered"][i] += 1
        elif c.abandoned:
            series["abandoned"][i] += 1
    return out


def summed(per_queue: Mapping[str, Mapping[str, list[int]]], queues: Iterable[str],
           length: int) -> dict[str, list[int]]:
    """The trend of the given queues together."""
    total = {k: [0] * length for k in KINDS}
    for q in queues:
        for k in KINDS:
            for i, n in enumerate(per_queue.get(q, {}).get(k, ())):
                total[k][i] += n
    return total


def totals(queues: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The queues' figures together (as QueueFigures' dicts); the service level over all their
    counted calls, the alert the worst of theirs."""
    qs = list(queues)
    counted = sum(q["counted"] for q in qs)
    return {"waiting": sum(q["waiting"] for q in qs),
            "longest_wait_seconds": max((q["longest_wait_seconds"] for q in qs), default=0.0),
            "offered": sum(q["offered"] for q in qs),
            "answered": sum(q["answered"] for q in qs),
            "abandoned": sum(q["abandoned"] for q in qs),
            "service_level": sum(q["answered_within"] for q in qs) / counted if counted else None,
            "alert": worst(*(Alert(q["alert"]) for q in qs)).value}


def agents_counted(agents: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """{"states": {state: n}, "paused": {reason: n}} over the agents' session statuses; every
    state named, zero too, so the board's tiles stay put."""
    states = Counter({s.value: 0 for s in AgentState})
    paused: Counter[str] = Counter()
    for a in agents:
        states[a["state"]] += 1
        if a["state"] == AgentState.PAUSED:
            paused[a.get("pause_reason") or "other"] += 1
    return {"states": dict(states), "paused": dict(paused)}
