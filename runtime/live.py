"""Live events per topic (an agent, later the wallboard), numbered so a client that reconnects
gets what it missed.

Each topic keeps its last events in a ring; every event has the topic's next sequence number.
A client resumes with the last number it saw and the hub's epoch (a new one each engine start):
events after that number are replayed in order, then live ones follow. A client too far behind,
or from another epoch, is told to reset (reload the state from the API); the latest screen-pop
of a call still in progress is kept apart, so even then it is never lost."""
import asyncio
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("hotline.live")

RETAINED = 500  # events kept per topic for replay
SUBSCRIBER_BACKLOG = 1000  # events a slow client may lag before it is cut off (and resumes)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    topic: str
    seq: int
    kind: str
    at: float  # time.time() when published
    data: dict[str, Any]

    def frame(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "at": self.at, "data": self.data}


@dataclass
class _Topic:
    seq: int = 0
    ring: deque[LiveEvent] = field(default_factory=lambda: deque(maxlen=RETAINED))
    subscribers: set[asyncio.Queue[LiveEvent | None]] = field(default_factory=set)
    sticky: dict[str, LiveEvent] = field(default_factory=dict)  # e.g. the current screen-pop


class CutOff(Exception):
    """The client fell too far behind; it reconnects and resumes from its last number."""


class LiveHub:
    def __init__(self) -> None:
        self.epoch = secrets.token_hex(4)
        self._topics: dict[str, _Topic] = {}

    def _topic(self, name: str) -> _Topic:
        return self._topics.setdefault(name, _Topic())

    def publish(self, topic: str, kind: str, data: dict[str, Any],
                sticky: str | None = None) -> LiveEvent:
        """Numbers the event and hands it to every subscriber at once. `sticky` keeps it as the
        topic's current value under that key (cleared with `unstick`)."""
        t = self._topic(topic)
        t.seq += 1
        event = LiveEvent(topic, t.seq, kind, time.time(), data)
        t.ring.append(event)
        if sticky:
            t.sticky[sticky] = event
        for queue in list(t.subscribers):
            if queue.qsize() >= SUBSCRIBER_BACKLOG:
                t.subscribers.discard(queue)
                queue.put_nowait(None)  # the reader raises CutOff
            else:
                queue.put_nowait(event)
        return event

    def unstick(self, topic: str, key: str) -> None:
        self._topic(topic).sticky.pop(key, None)

    def last_seq(self, topic: str) -> int:
        return self._topic(topic).seq

    def sticky(self, topic: str) -> list[LiveEvent]:
        return list(self._topic(topic).sticky.values())

    def missed(self, topic: str, epoch: str | None, after: int | None) -> list[LiveEvent] | None:
        """The events after `after`, or None when they cannot all be given (reset)."""
        t = self._topic(topic)
        if epoch != self.epoch or after is None or after > t.seq:
            return None
        oldest = t.ring[0].seq if t.ring else t.seq + 1
        if after + 1 < oldest:
            return None
        return [e for e in t.ring if e.seq > after]

    def subscribe(self, topic: str) -> "Subscription":
        """Live events from this instant on (take `missed` in the same step: nothing between)."""
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue()
        self._topic(topic).subscribers.add(queue)
        return Subscription(self._topic(topic), queue)

    def subscribers(self, topic: str) -> int:
        return len(self._topic(topic).subscribers)


class Subscription:
    def __init__(self, topic: _Topic, queue: asyncio.Queue[LiveEvent | None]) -> None:
        self._topic, self._queue = topic, queue

    async def next(self) -> LiveEvent:
        """The next event; raises CutOff for a client that could not keep up."""
        event = await self._queue.get()
        if event is None:
            raise CutOff()
        return event

    def close(self) -> None:
        self._topic.subscribers.discard(self._queue)


def agent_topic(agent_id: int) -> str:
    return f"agent:{agent_id}"
