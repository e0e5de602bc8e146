"""What the engine asks of the PBX, as values. The deciding code (the ACD, monitoring, the
dialer) builds these and hands them to a `Pbx`; `AmiPbx` alone turns them into AMI actions, so
no AMI field name is written anywhere else. It also reads back what a resync needs."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from asterisk.ami import AmiClient, AmiError, originate_fields
from asterisk.events import Channel, channel_from


@dataclass(frozen=True, slots=True)
class Redirect:
    """Send a channel to a place in the dialplan; with `also`, a second channel at the same
    moment (the agent's leg with its caller)."""

    channel: str
    context: str
    exten: str
    priority: str = "1"
    also: "Redirect | None" = None


@dataclass(frozen=True, slots=True)
class HangUp:
    channel: str


@dataclass(frozen=True, slots=True)
class Originate:
    """A new call to `dial` (e.g. PJSIP/agent-8001) that enters the dialplan at context/exten
    once answered. `channel_id` becomes the new channel's uniqueid."""

    dial: str
    context: str
    exten: str
    channel_id: str
    caller_id: str | None = None
    ring_ms: int = 30_000
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StartRecording:
    """MixMonitor of both parties from the bridge on."""

    channel: str
    file: str


@dataclass(frozen=True, slots=True)
class StopRecording:
    channel: str


@dataclass(frozen=True, slots=True)
class MuteRecording:
    """Pause (muted) or resume a running recording."""

    channel: str
    muted: bool


@dataclass(frozen=True, slots=True)
class MuteAudio:
    """Silence (or not) what a channel sends into the PBX: an agent's microphone, muted."""

    channel: str
    muted: bool


@dataclass(frozen=True, slots=True)
class SendDigits:
    """DTMF digits as if keyed on `channel`'s phone: the bridge carries them to the far end (an
    outside IVR the agent navigates)."""

    channel: str
    digits: str


@dataclass(frozen=True, slots=True)
class SetVariable:
    """A variable on a channel, for the dialplan it goes to next (not HOTLINE_*: those are the
    call's facts)."""

    channel: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ReloadModule:
    """Reread a module's configuration (res_pjsip.so: the phones' accounts); calls stay up."""

    module: str


PbxAction = (Redirect | HangUp | Originate | StartRecording | StopRecording | MuteRecording
             | MuteAudio | SendDigits | SetVariable | ReloadModule)


class Pbx(Protocol):
    @property
    def connected(self) -> bool:
        """Whether actions can be sent now."""

    async def perform(self, action: PbxAction) -> None:
        """Raises AmiError when the PBX refuses or cannot be reached."""


def ami_fields(action: PbxAction) -> tuple[str, dict[str, str | list[str]]]:
    """The AMI action's name and fields."""
    match action:
        case Redirect(channel, context, exten, priority, also):
            fields: dict[str, str | list[str]] = {
                "Channel": channel, "Context": context, "Exten": exten, "Priority": priority}
            if also is not None:
                fields |= {"ExtraChannel": also.channel, "ExtraContext": also.context,
                           "ExtraExten": also.exten, "ExtraPriority": also.priority}
            return "Redirect", fields
        case HangUp(channel):
            return "Hangup", {"Channel": channel}
        case Originate():
            return "Originate", originate_fields(
                action.dial, action.channel_id, context=action.context, exten=action.exten,
                caller_id=action.caller_id, timeout_ms=action.ring_ms,
                variables=action.variables)
        case StartRecording(channel, file):
            return "MixMonitor", {"Channel": channel, "Options": "b", "File": file}
        case StopRecording(channel):
            return "StopMixMonitor", {"Channel": channel}
        case MuteRecording(channel, muted):
            return "MixMonitorMute", {"Channel": channel, "Direction": "both",
                                      "State": "1" if muted else "0"}
        case MuteAudio(channel, muted):
            return "MuteAudio", {"Channel": channel, "Direction": "in",
                                 "State": "on" if muted else "off"}
        case SendDigits(channel, digits):  # one digit: PlayDTMF plays one
            return "PlayDTMF", {"Channel": channel, "Digit": digits, "Duration": "200",
                                "Receive": "true"}
        case SetVariable(channel, name, value):
            return "Setvar", {"Channel": channel, "Variable": name, "Value": value}
        case ReloadModule(module):
            return "Reload", {"Module": module}
    raise TypeError(f"not a PBX action: {action!r}")


@dataclass(frozen=True, slots=True)
class LiveChannel:
    channel: Channel
    seconds_up: int


@dataclass(frozen=True, slots=True)
class QueuedCaller:
    channel: Channel  # as QueueStatus gives it: no linkedid
    queue: str
    wait_seconds: float


def _seconds(duration: str) -> int:
    """'HH:MM:SS' as CoreShowChannel reports it."""
    try:
        h, m, s = (int(part) for part in duration.split(":"))
    except ValueError:
        return 0
    return h * 3600 + m * 60 + s


class AmiPbx:
    """Performs actions over one AMI link: always Async for an Originate (its reply then
    only says the call was queued; the OriginateResponse event says how it went)."""

    def __init__(self, ami: AmiClient) -> None:
        self.ami = ami

    @property
    def connected(self) -> bool:
        return self.ami.connected

    async def perform(self, action: PbxAction) -> None:
        if isinstance(action, SendDigits) and len(action.digits) > 1:
            for digit in action.digits:
                await self.ami.action(*ami_fields(SendDigits(action.channel, digit)))
            return
        await self.ami.action(*ami_fields(action))

    async def has_channel(self, name: str, uniqueid: str) -> bool:
        """Whether the PBX has channel `name` now, and it is the one of `uniqueid` (Getvar)."""
        if not name or not uniqueid:
            return False
        try:
            reply = await self.ami.action("Getvar", {"Channel": name, "Variable": "UNIQUEID"})
        except (AmiError, ValueError):  # no such channel, no link, a line break in the name
            return False
        return reply.fields.get("Value") == uniqueid

    async def live_channels(self) -> list[LiveChannel]:
        """Every channel on the PBX now (CoreShowChannels)."""
        reply = await self.ami.action_list("CoreShowChannels", timeout=10)
        return [LiveChannel(channel_from(m.fields), _seconds(m.fields.get("Duration", "")))
                for m in reply.events]

    async def queued_callers(self) -> list[QueuedCaller]:
        """Who waits in which queue now (QueueStatus)."""
        reply = await self.ami.action_list("QueueStatus", timeout=10)
        callers = []
        for m in reply.events:
            f = m.fields
            if f.get("Event") == "QueueEntry":
                wait = f.get("Wait", "0")
                callers.append(QueuedCaller(channel_from(f), f.get("Queue", ""),
                                            float(wait) if wait.isdigit() else 0.0))
        return callers
