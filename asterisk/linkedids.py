"""A call's name is the linkedid its channels were created with. Asterisk gives every channel
that joins a two-party (basic) bridge the oldest linkedid in it: a caller delivered to an
agent's leg, up since the agent logged in, takes the leg's. Every event is read here with the
linkedid its channel had first, so the caller's call stays the caller's to the end."""
import dataclasses
from collections.abc import Iterable

from asterisk import dialplan as dp
from asterisk.events import Channel, Hangup, Newchannel


class LinkedIds:
    def __init__(self) -> None:
        self._first: dict[str, str] = {}  # live channel's uniqueid -> its first linkedid

    def pin(self, item):
        """The event with its channel's first linkedid (the event itself when unchanged)."""
        ch = getattr(item, "channel", None)
        if not isinstance(ch, Channel):
            return item
        if isinstance(item, Newchannel):
            self._first[ch.uniqueid] = ch.linkedid
            return item
        forget = isinstance(item, Hangup)
        first = (self._first.pop if forget else self._first.get)(ch.uniqueid, None)
        if first is None or first == ch.linkedid:
            return item
        return dataclasses.replace(item, channel=dataclasses.replace(ch, linkedid=first))

    def resync(self, live: Iterable[Channel]) -> list[Channel]:
        """The PBX's live channels after a (re)login, pinned. A channel not seen before (the
        engine restarted) that took an agent leg's linkedid is a customer delivered to that
        agent, and a customer's channel is the first of its call: its linkedid was its own."""
        live = list(live)
        legs = {ch.uniqueid for ch in live if ch.context == dp.CTX_SESSION}
        first = {}
        for ch in live:
            known = self._first.get(ch.uniqueid)
            if known is None:
                taken = ch.linkedid in legs and ch.uniqueid not in legs
                known = ch.uniqueid if taken else ch.linkedid
            first[ch.uniqueid] = known
        self._first = first
        return [ch if ch.linkedid == first[ch.uniqueid]
                else dataclasses.replace(ch, linkedid=first[ch.uniqueid]) for ch in live]


def linkedid_of(item: object) -> str | None:
    """The call an event is about (its channel's linkedid), if it is about a channel."""
    ch = getattr(item, "channel", None)
    return ch.linkedid if isinstance(ch, Channel) else None
