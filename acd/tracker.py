"""Call records from the PBX's own AMI events, so a call is on record even when the engine never
touched it, and its times are the PBX's. Pure: events in, deltas out; acd.call_log persists them."""
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asterisk import dialplan as dp
from asterisk.ami import AmiItem
from asterisk.cdr import CdrRecord
from asterisk.events import (
    AmiEvent,
    BridgeEnter,
    BridgeLeave,
    Channel,
    DialBegin,
    DialEnd,
    Hangup,
    Newchannel,
    Newstate,
    QueueCallerAbandon,
    QueueCallerJoin,
    QueueCallerLeave,
    VarSet,
)
from telemetry.metrics import WAIT_BUCKETS, Counter, Histogram

log = logging.getLogger("hotline.tracker")

STATE_UP = 6
BUSY_CAUSES = {17}
NO_ANSWER_CAUSES = {18, 19, 21}
# Unallocated number, no route, congestion, out of order, bad format, network failures.
FAILED_CAUSES = {1, 2, 3, 27, 28, 34, 38, 41, 42, 44, 58, 88}
# Channel variables the engine sets on the customer's channel -> call column.
VARIABLE_COLUMNS = {
    dp.VAR_CARD: "card_number", dp.VAR_RETAILER: "retailer_id", dp.VAR_BRANCH: "branch_id",
    dp.VAR_BUSINESS_TYPE: "business_type", dp.VAR_QUEUE: "queue", dp.VAR_AGENT: "agent_id",
    dp.VAR_STEP: "last_step", dp.VAR_DIRECTION: "direction", dp.VAR_SURVEY: "survey_rating",
}
IVR_DONE = "done"
IVR_VOICEMAIL = "voicemail"
ANNOUNCER = "CBAnn/"  # the announcer ConfBridge adds to a conference: not a call
INT_COLUMNS = {"retailer_id", "branch_id", "agent_id", "survey_rating"}
DIRECTIONS = {"inbound", "outbound", "internal"}
AGENT_PHONE = "PJSIP/agent-"  # an agent's phone's channels
# A record's disposition as the Q.850 cause `outcome` reads.
DISPOSITION_CAUSES = {"BUSY": 17, "NO ANSWER": 19, "FAILED": 34, "CONGESTION": 34}


@dataclass(frozen=True, slots=True)
class CallEventRecord:
    at: float
    kind: str
    channel: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CallDelta:
    """Changes to one call row (by server and linkedid) and the event that caused them."""

    server: str
    linkedid: str
    fields: Mapping[str, Any]
    event: CallEventRecord | None = None
    closed: bool = False


@dataclass
class LiveCall:
    server: str
    linkedid: str
    primary: str
    direction: str
    offered_at: float
    channels: set[str] = field(default_factory=set)
    answered_at: float | None = None
    connected_at: float | None = None
    ended_at: float | None = None
    queue: str | None = None
    queued_at: float | None = None
    cause: int | None = None
    last_step: str | None = None
    voicemail: bool = False  # the IVR took the caller to leave a message


class CallTracker:
    def __init__(self, clock=time.time, hotline_number: str = "") -> None:
        self.hotline_number = hotline_number  # what callers in the PBX's fallback dialed
        self.calls: dict[tuple[str, str], LiveCall] = {}
        self._clock = clock
        self._bridged: dict[str, set[tuple[str, str]]] = {}  # bridge -> calls with a channel in it
        self.ended = Counter(
            "hotline_calls_total", "Calls ended, by direction and how: answered (by an agent),"
            " voicemail, self_service (in the IVR), abandoned_ivr, abandoned_queue,"
            " abandoned_ringing, completed, busy, no_answer, failed", ("direction", "outcome"))
        self.queue_waits = Histogram(
            "hotline_queue_wait_seconds", "Time in a queue until an agent was connected"
            " (answered) or the caller hung up (abandoned), by queue", ("queue", "result"),
            WAIT_BUCKETS)

    def feed(self, item: AmiItem) -> list[CallDelta]:
        handler = _HANDLERS.get(type(item))
        if handler is None:
            return []
        return handler(self, item)

    # -- per event ----------------------------------------------------------------------------

    def _newchannel(self, ev: Newchannel) -> list[CallDelta]:
        ch = ev.channel
        if ch.name.startswith(ANNOUNCER):
            return []
        call = self.calls.get((ev.server, ch.linkedid))
        if call is not None:
            call.channels.add(ch.uniqueid)
            return [self._delta(call, {}, ev, "Newchannel", ch)]
        return [self._open(ev.server, ch, self._at(ev), "Newchannel")]

    def note(self, server: str, linkedid: str, kind: str, data: Mapping[str, Any]
             ) -> list[CallDelta]:
        """What the engine did to a call (an agent's hang-up, a transfer) among its events."""
        call = self.calls.get((server, linkedid))
        if call is None:
            return []
        return [CallDelta(server, linkedid, {}, CallEventRecord(self._clock(), kind, None,
                                                                dict(data)))]

    def _open(self, server: str, ch: Channel, at: float, kind: str) -> CallDelta:
        direction = "inbound" if ch.context == dp.CTX_INBOUND else "internal"
        call = LiveCall(server, ch.linkedid, ch.uniqueid, direction, at, {ch.uniqueid})
        self.calls[(server, ch.linkedid)] = call
        fields = {
            "uniqueid": ch.uniqueid, "direction": direction, "caller_number": ch.caller_num,
            "caller_name": ch.caller_name, "dialed_number": ch.exten, "offered_at": at,
            "outcome": "in_progress",
        }
        return CallDelta(server, ch.linkedid, fields,
                         CallEventRecord(at, kind, ch.name, _channel_data(ch)))

    def _newstate(self, ev: Newstate) -> list[CallDelta]:
        call = self._call_of(ev)
        if call is None or ev.channel.state != STATE_UP or call.answered_at is not None:
            return []
        if ev.channel.uniqueid != call.primary:
            return []
        call.answered_at = self._at(ev)
        return [self._delta(call, {"answered_at": call.answered_at}, ev, "Answered", ev.channel)]

    def _varset(self, ev: VarSet) -> list[CallDelta]:
        name = ev.variable.lstrip("_")
        call = self._call_of(ev) if name.startswith(dp.VAR_PREFIX) else None
        if call is None:
            return []
        fields: dict[str, Any] = {}
        column = VARIABLE_COLUMNS.get(name)
        value: Any = ev.value or None
        if column in INT_COLUMNS:
            value = int(value) if value and value.isdigit() else None
        elif column == "direction":
            if value not in DIRECTIONS:
                column = None
            else:
                call.direction = value
        elif column == "queue":
            call.queue = value
        elif column == "last_step":
            call.last_step = value
            call.voicemail = call.voicemail or value == IVR_VOICEMAIL
        if column:
            fields[column] = value
        return [self._delta(call, fields, ev, "VarSet", ev.channel,
                            {"variable": name, "value": ev.value})]

    def _bridge_enter(self, ev: BridgeEnter) -> list[CallDelta]:
        call = self._call_of(ev)
        if call is None:
            return []
        members = self._bridged.setdefault(ev.bridge_id, set())
        members.add((call.server, call.linkedid))
        data = {"bridge": ev.bridge_id, "members": ev.bridge_num_channels}
        if ev.bridge_num_channels < 2:
            return [self._delta(call, {}, ev, "BridgeEnter", ev.channel, data)]
        # The second party: every call in the bridge is connected now, whichever came first.
        deltas = []
        for other in filter(None, map(self.calls.get, members)):
            fields = {}
            if other.connected_at is None:
                other.connected_at = fields["connected_at"] = self._at(ev)
                self._left_queue(other, other.connected_at, "answered")
            if fields or other is call:
                deltas.append(self._delta(other, fields, ev, "BridgeEnter", ev.channel, data))
        return deltas

    def _bridge_leave(self, ev: BridgeLeave) -> list[CallDelta]:
        members = self._bridged.get(ev.bridge_id)
        if members is not None:
            members.discard((ev.server, ev.channel.linkedid))
            if not ev.bridge_num_channels:
                del self._bridged[ev.bridge_id]
        return []

    def _dial(self, ev: DialBegin | DialEnd) -> list[CallDelta]:
        call = self._call_of(ev)
        if call is None:
            return []
        data = {"dest": ev.dest.name}
        if isinstance(ev, DialEnd):
            data["status"] = ev.dial_status
        return [self._delta(call, {}, ev, type(ev).__name__, ev.channel, data)]

    def _queue(
        self, ev: QueueCallerJoin | QueueCallerLeave | QueueCallerAbandon,
    ) -> list[CallDelta]:
        call = self._call_of(ev)
        if call is None:
            return []
        fields: dict[str, Any] = {}
        if isinstance(ev, QueueCallerJoin) and call.queued_at is None:
            call.queued_at = fields["queued_at"] = self._at(ev)
            if call.queue is None:
                call.queue = fields["queue"] = ev.queue
        return [self._delta(call, fields, ev, type(ev).__name__, ev.channel, {"queue": ev.queue})]

    def _hangup(self, ev: Hangup) -> list[CallDelta]:
        call = self._call_of(ev)
        if call is None:
            return []
        ch = ev.channel
        at = self._at(ev)
        call.channels.discard(ch.uniqueid)
        fields: dict[str, Any] = {}
        if ch.uniqueid == call.primary:
            call.ended_at, call.cause = at, ev.cause
            fields.update(ended_at=at, hangup_cause=ev.cause, hangup_cause_text=ev.cause_text)
        closed = not call.channels
        if closed:
            if call.ended_at is None:
                fields["ended_at"] = call.ended_at = at
            fields["outcome"] = outcome(call)
            self._ended(call)
        delta = self._delta(call, fields, ev, "Hangup", ch, {"cause": ev.cause})
        return [CallDelta(delta.server, delta.linkedid, delta.fields, delta.event, closed)]

    # -- resync after a (re)login ----------------------------------------------------------------

    def resync(self, server: str, live: Iterable[tuple[Channel, float]],
               on_record: Iterable[LiveCall] = (), ended: Mapping[str, float] | None = None
               ) -> list[CallDelta]:
        """After every (re)login: bring the live calls in line with the PBX's channel list
        (channel, start time). `on_record`: the calls the call log holds as in progress, which
        a restarted engine takes up as they were written rather than as the PBX lists them now
        (a channel listed mid-call is in the agent's context, on the agent's extension).
        `ended`: when calls ended by the PBX's own records, for those that ended meanwhile."""
        now = self._clock()
        deltas: list[CallDelta] = []
        for taken_up in on_record:
            self.calls.setdefault((taken_up.server, taken_up.linkedid), taken_up)
        by_linkedid: dict[str, list[tuple[Channel, float]]] = {}
        for ch, started in live:
            by_linkedid.setdefault(ch.linkedid, []).append((ch, started))
        call: LiveCall | None
        for (srv, linkedid), call in list(self.calls.items()):
            if srv != server or linkedid in by_linkedid:
                continue
            # Ended while the link was down: at the PBX's recorded end, or the best we know.
            call.ended_at = call.ended_at or _recorded_end(call, ended or {}) or now
            fields = {"ended_at": call.ended_at, "outcome": outcome(call)}
            self._ended(call)
            event = CallEventRecord(now, "EndedWhileUnlinked", None, {})
            deltas.append(CallDelta(server, linkedid, fields, event, closed=True))
        for linkedid, channels in by_linkedid.items():
            call = self.calls.get((server, linkedid))
            if call is None:
                channels.sort(key=lambda item: item[1])
                first, started = next(((c, s) for c, s in channels if c.uniqueid == linkedid),
                                      channels[0])
                deltas.append(self._found(server, first, started))
                call = self.calls[(server, linkedid)]
            elif not call.channels:  # taken up from the call log
                deltas.append(CallDelta(server, linkedid, {},
                                        CallEventRecord(now, "ResumedOnResync", None, {})))
            call.channels = {c.uniqueid for c, _ in channels}
        return deltas

    def _found(self, server: str, first: Channel, started: float) -> CallDelta:
        """A call that began while the link was down. Only hotline callers are in the PBX's
        fallback (queued by the PBX itself while the engine was away) and in the IVR's keypad
        reads (the engine's AGI answered before its AMI link was back), on extension s."""
        opened = self._open(server, first, started, "FoundOnResync")
        call, fields = self.calls[(server, first.linkedid)], dict(opened.fields)
        if first.context in (dp.CTX_FALLBACK, dp.CTX_IVR_COLLECT):
            call.direction = fields["direction"] = "inbound"
            fields["dialed_number"] = self.hotline_number
        if first.context == dp.CTX_FALLBACK:
            call.queue = fields["queue"] = dp.FALLBACK_QUEUE
        if first.state == STATE_UP:
            call.answered_at = fields["answered_at"] = started
        return CallDelta(server, first.linkedid, fields, opened.event)

    # -- helpers ------------------------------------------------------------------------------

    def _ended(self, call: LiveCall) -> None:
        del self.calls[(call.server, call.linkedid)]
        self.ended.inc(direction=call.direction, outcome=figure(call))
        if call.connected_at is None and call.ended_at is not None:
            self._left_queue(call, call.ended_at, "abandoned")

    def _left_queue(self, call: LiveCall, at: float, result: str) -> None:
        if call.queue is not None and call.queued_at is not None:
            self.queue_waits.observe(max(0.0, at - call.queued_at), queue=call.queue,
                                     result=result)

    def _call_of(self, ev: AmiEvent) -> LiveCall | None:
        ch: Channel = ev.channel  # type: ignore[attr-defined]
        call = self.calls.get((ev.server, ch.linkedid))
        if call is not None:
            call.channels.add(ch.uniqueid)
        return call

    def _at(self, ev: AmiEvent) -> float:
        return ev.timestamp if ev.timestamp is not None else self._clock()

    def _delta(self, call: LiveCall, fields: Mapping[str, Any], ev: AmiEvent, kind: str,
               ch: Channel, data: Mapping[str, Any] | None = None) -> CallDelta:
        record = CallEventRecord(self._at(ev), kind, ch.name, data if data is not None else {})
        return CallDelta(call.server, call.linkedid, fields, record)


def _recorded_end(call: LiveCall, ended: Mapping[str, float]) -> float | None:
    """The call's end as the PBX recorded it, unless the record stops before what is known of
    the call: a customer connected to an agent's leg is the leg's record from the bridge on,
    and the PBX writes that record only when the leg itself ends (the agent logs out)."""
    end = ended.get(call.linkedid)
    known = max(t for t in (call.offered_at, call.answered_at, call.queued_at,
                            call.connected_at) if t is not None)
    return end if end is not None and end >= known else None


def records_by_call(records: Iterable[CdrRecord]) -> dict[str, list[CdrRecord]]:
    """The PBX's records grouped by the call they belong to, as the engine keys calls: a
    customer's channel is its own call (the PBX gives it the agent's leg's linkedid once
    bridged with it; the engine pins it to the customer's own)."""
    records = list(records)
    by_call: dict[str, list[CdrRecord]] = {}
    own: dict[str, list[CdrRecord]] = {}  # a customer's channel name -> its own records
    for r in records:
        key = r.linkedid if r.channel.startswith(AGENT_PHONE) else r.uniqueid
        by_call.setdefault(key, []).append(r)
        if key == r.uniqueid:
            own.setdefault(r.channel, []).append(r)
    # The agent's leg, up since the login, is the older party of the bridge: the customer's
    # own record ends as it enters, and the leg's record (the customer its dstchannel) goes
    # on to the customer's hangup. Names repeat after a PBX restart: the times tell.
    for r in records:
        if r.channel.startswith(AGENT_PHONE) and not r.dst_channel.startswith(AGENT_PHONE):
            customer = next((c for c in own.get(r.dst_channel, ()) if r.start <= c.end <= r.end),
                            None)
            if customer is not None:
                by_call[customer.uniqueid].append(r)
    return by_call


def calls_from_records(server: str, by_call: Mapping[str, list[CdrRecord]]) -> list[CallDelta]:
    """Rows for calls the engine never saw (they came and went while it was away), from the
    PBX's own records of them: one delta per call, closed."""
    deltas = []
    for linkedid, parts in by_call.items():
        parts = sorted(parts, key=lambda r: (r.uniqueid != linkedid, r.start))
        first = parts[0]
        direction = "inbound" if first.dialed else "internal"
        call = LiveCall(server, linkedid, first.uniqueid, direction, first.start,
                        answered_at=first.answer, ended_at=max(r.end for r in parts))
        agents = [r.answer for r in parts if r.answer and r.dst_channel.startswith(AGENT_PHONE)]
        call.connected_at = min(agents, default=None)
        if any(r.last_app == "Queue" for r in parts):
            call.queue = dp.FALLBACK_QUEUE
        call.cause = DISPOSITION_CAUSES.get(first.disposition)
        fields = {"uniqueid": first.uniqueid, "direction": direction,
                  "caller_number": first.caller, "dialed_number": first.dialed,
                  "offered_at": call.offered_at, "answered_at": call.answered_at,
                  "connected_at": call.connected_at, "queue": call.queue,
                  "ended_at": call.ended_at, "outcome": outcome(call)}
        event = CallEventRecord(first.start, "FromPbxRecords", first.channel,
                                {"records": len(parts), "disposition": first.disposition})
        deltas.append(CallDelta(server, linkedid, fields, event, closed=True))
    return deltas


def outcome(call: LiveCall) -> str:
    if call.connected_at is not None:
        return "completed"
    if call.answered_at is not None:
        # Waiting in a queue, or still in the IVR, when the caller hung up: abandoned.
        left_early = call.queue or call.last_step not in (None, IVR_DONE)
        return "abandoned" if left_early else "completed"
    if call.cause in BUSY_CAUSES:
        return "busy"
    if call.cause in NO_ANSWER_CAUSES:
        return "no_answer"
    if call.cause in FAILED_CAUSES:
        return "failed"
    if call.direction == "inbound":
        return "abandoned"  # the caller hung up before the PBX answered
    if call.direction == "outbound" and call.cause in (16, None):
        return "no_answer"
    return "failed"


def figure(call: LiveCall) -> str:
    """How an ended call counts in the figures: finer than its outcome on record, which
    says `abandoned` of a caller gone in the IVR, in a queue or before the PBX answered, and
    `completed` of a call the IVR served alone."""
    if call.connected_at is not None:
        return "answered"
    if call.voicemail:
        return "voicemail"
    said = outcome(call)
    if said == "abandoned":
        if call.answered_at is None:
            return "abandoned_ringing"
        return "abandoned_queue" if call.queue else "abandoned_ivr"
    if said == "completed" and call.last_step == IVR_DONE:
        return "self_service"
    return said


def _channel_data(ch: Channel) -> dict[str, Any]:
    return {"uniqueid": ch.uniqueid, "caller": ch.caller_num, "exten": ch.exten,
            "context": ch.context}


# each handler takes its own event type; feed() picks it by type(item)
_HANDLERS: dict[type, Callable[[CallTracker, Any], list[CallDelta]]] = {
    Newchannel: CallTracker._newchannel, Newstate: CallTracker._newstate,
    VarSet: CallTracker._varset, BridgeEnter: CallTracker._bridge_enter,
    BridgeLeave: CallTracker._bridge_leave,
    DialBegin: CallTracker._dial, DialEnd: CallTracker._dial, Hangup: CallTracker._hangup,
    QueueCallerJoin: CallTracker._queue, QueueCallerLeave: CallTracker._queue,
    QueueCallerAbandon: CallTracker._queue,
}
