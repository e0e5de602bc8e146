"""Typed, frozen AMI events. Unknown event names become `OtherEvent`, never an error."""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from asterisk.ami_protocol import AmiMessage


@dataclass(frozen=True, slots=True)
class Channel:
    """The channel snapshot Asterisk attaches to most events (optionally with a prefix)."""

    name: str
    uniqueid: str
    linkedid: str
    state: int
    caller_num: str
    caller_name: str
    connected_num: str
    connected_name: str
    context: str
    exten: str
    language: str


def channel_from(f: Mapping[str, str], prefix: str = "") -> Channel:
    g = f.get
    state = g(prefix + "ChannelState", "")
    return Channel(
        name=g(prefix + "Channel", ""),
        uniqueid=g(prefix + "Uniqueid", ""),
        linkedid=g(prefix + "Linkedid", "") or g(prefix + "Uniqueid", ""),
        state=int(state) if state.isdigit() else -1,
        caller_num=_clean(g(prefix + "CallerIDNum", "")),
        caller_name=_clean(g(prefix + "CallerIDName", "")),
        connected_num=_clean(g(prefix + "ConnectedLineNum", "")),
        connected_name=_clean(g(prefix + "ConnectedLineName", "")),
        context=g(prefix + "Context", ""),
        exten=g(prefix + "Exten", ""),
        language=g(prefix + "Language", ""),
    )


def _clean(value: str) -> str:
    return "" if value == "<unknown>" else value


def _timestamp(f: Mapping[str, str]) -> float | None:
    try:
        return float(f["Timestamp"])
    except (KeyError, ValueError):
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AmiEvent:
    server: str
    timestamp: float | None  # the PBX's clock (manager.conf timestampevents)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEvent(AmiEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class Newchannel(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Newstate(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Newexten(ChannelEvent):
    application: str
    app_data: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup(ChannelEvent):
    cause: int
    cause_text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VarSet(ChannelEvent):
    variable: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialBegin(ChannelEvent):
    dest: Channel
    dial_string: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialEnd(ChannelEvent):
    dest: Channel
    dial_status: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeEnter(ChannelEvent):
    bridge_id: str
    bridge_type: str
    bridge_num_channels: int
    bridge_name: str = ""  # a named bridge's: an agent's holding bridge (agent-<id>)


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeLeave(ChannelEvent):
    bridge_id: str
    bridge_num_channels: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DTMFEnd(ChannelEvent):
    digit: str
    direction: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerJoin(ChannelEvent):
    queue: str
    position: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerLeave(ChannelEvent):
    queue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerAbandon(ChannelEvent):
    queue: str
    hold_time: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorStart(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorStop(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MixMonitorMute(ChannelEvent):
    direction: str  # read, write or both
    muted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ChanSpyStart(AmiEvent):
    spyer: Channel
    spyee: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChanSpyStop(AmiEvent):
    spyer: Channel
    spyee: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateResponse(AmiEvent):
    action_id: str
    response: str  # Success or Failure
    reason: int
    channel_name: str
    uniqueid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FullyBooted(AmiEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Shutdown(AmiEvent):
    restart: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherEvent(AmiEvent):
    """Any event this engine has no type for; kept whole so nothing is lost."""

    name: str
    fields: Mapping[str, str]


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value)
    except ValueError:
        return default


Builder = Callable[[Mapping[str, str], str, float | None], AmiEvent]


def _channel_event(cls: type, **extra: Callable[[Mapping[str, str]], object]) -> Builder:
    def build(f: Mapping[str, str], server: str, ts: float | None) -> AmiEvent:
        values = {name: fn(f) for name, fn in extra.items()}
        return cls(server=server, timestamp=ts, channel=channel_from(f), **values)

    return build


def _get(name: str) -> Callable[[Mapping[str, str]], str]:
    return lambda f: f.get(name, "")


def _get_int(name: str) -> Callable[[Mapping[str, str]], int]:
    return lambda f: _int(f.get(name, ""))


BUILDERS: dict[str, Builder] = {
    "Newchannel": _channel_event(Newchannel),
    "Newstate": _channel_event(Newstate),
    "Newexten": _channel_event(Newexten, application=_get("Application"), app_data=_get("AppData")),
    "Hangup": _channel_event(Hangup, cause=_get_int("Cause"), cause_text=_get("Cause-txt")),
    "VarSet": _channel_event(VarSet, variable=_get("Variable"), value=_get("Value")),
    "DialBegin": _channel_event(
        DialBegin, dest=lambda f: channel_from(f, "Dest"), dial_string=_get("DialString")
    ),
    "DialEnd": _channel_event(
        DialEnd, dest=lambda f: channel_from(f, "Dest"), dial_status=_get("DialStatus")
    ),
    "BridgeEnter": _channel_event(
        BridgeEnter, bridge_id=_get("BridgeUniqueid"), bridge_type=_get("BridgeType"),
        bridge_num_channels=_get_int("BridgeNumChannels"), bridge_name=_get("BridgeName"),
    ),
    "BridgeLeave": _channel_event(
        BridgeLeave, bridge_id=_get("BridgeUniqueid"),
        bridge_num_channels=_get_int("BridgeNumChannels"),
    ),
    "DTMFEnd": _channel_event(DTMFEnd, digit=_get("Digit"), direction=_get("Direction")),
    "QueueCallerJoin": _channel_event(
        QueueCallerJoin, queue=_get("Queue"), position=_get_int("Position")
    ),
    "QueueCallerLeave": _channel_event(QueueCallerLeave, queue=_get("Queue")),
    "QueueCallerAbandon": _channel_event(
        QueueCallerAbandon, queue=_get("Queue"), hold_time=_get_int("HoldTime")
    ),
    "MixMonitorStart": _channel_event(MixMonitorStart),
    "MixMonitorStop": _channel_event(MixMonitorStop),
    "MixMonitorMute": _channel_event(
        MixMonitorMute, direction=_get("Direction"), muted=lambda f: f.get("State") == "1"
    ),
    "ChanSpyStart": lambda f, server, ts: ChanSpyStart(
        server=server, timestamp=ts, spyer=channel_from(f, "Spyer"), spyee=channel_from(f, "Spyee")
    ),
    "ChanSpyStop": lambda f, server, ts: ChanSpyStop(
        server=server, timestamp=ts, spyer=channel_from(f, "Spyer"), spyee=channel_from(f, "Spyee")
    ),
    "OriginateResponse": lambda f, server, ts: OriginateResponse(
        server=server, timestamp=ts, action_id=f.get("ActionID", ""),
        response=f.get("Response", ""), reason=_int(f.get("Reason", "")),
        channel_name=f.get("Channel", ""), uniqueid=f.get("Uniqueid", ""),
    ),
    "FullyBooted": lambda f, server, ts: FullyBooted(server=server, timestamp=ts),
    "Shutdown": lambda f, server, ts: Shutdown(
        server=server, timestamp=ts, restart=f.get("Restart", "").lower() in ("true", "yes")
    ),
}


def to_event(message: AmiMessage, server: str) -> AmiEvent:
    """Type an event message. Raises ValueError only for a message that is not an event."""
    name = message.event
    if name is None:
        raise ValueError("not an event")
    fields = message.fields
    ts = _timestamp(fields)
    builder = BUILDERS.get(name)
    if builder is None:
        return OtherEvent(server=server, timestamp=ts, name=name,
                          fields=MappingProxyType(dict(fields)))
    return builder(fields, server, ts)
