"""The recorder's bookkeeping from the PBX's events (no database, no files): which calls end
with a finished recording to measure, pauses and their total, calls that never reached the
agent; and the signed links to recordings."""
import dataclasses
from pathlib import Path

import pytest

from acd.recorder import Recorder, Take, file_name
from acd.recording_control import RecordingControl
from agent_api import recording_links
from asterisk.actions import StartRecording
from asterisk.events import BridgeEnter, Channel, Hangup, MixMonitorMute, VarSet
from runtime.settings import Settings

CALLER = Channel(name="PJSIP/anonymous-00000001", uniqueid="7.1", linkedid="7.1", state=6,
                 caller_num="139", caller_name="", connected_num="", connected_name="",
                 context="hotline-connect", exten="3", language="zh")
AGENT_LEG = dataclasses.replace(CALLER, name="PJSIP/agent-8001-0000002", uniqueid="5.1",
                                linkedid="5.1")
FILE = "/pbx/recordings/2026/11/30/7.1.wav"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def recorder() -> tuple[Recorder, Clock]:
    clock = Clock()
    return Recorder(sessions=None, folder=Path("/nowhere"), clock=clock), clock


def jobs(r: Recorder) -> list[tuple[str, Take]]:
    out = []
    while not r._jobs.empty():
        out.append(r._jobs.get_nowait())
    return out


def ev(cls, ch=CALLER, **kw):
    return cls(server="local", timestamp=None, channel=ch, **kw)


def test_a_connected_call_is_opened_paused_and_finished():
    r, clock = recorder()
    r.expect("7.1", CALLER.name, 3, "BJ-order", "always")
    r.feed(ev(VarSet, variable="MIXMONITOR_FILENAME", value=FILE))
    r.feed(ev(BridgeEnter, bridge_id="b-1", bridge_type="basic", bridge_num_channels=2))
    r.feed(ev(BridgeEnter, ch=AGENT_LEG, bridge_id="b-1", bridge_type="basic",
              bridge_num_channels=2))  # someone else's channel
    clock.now += 5
    r.feed(ev(MixMonitorMute, direction="both", muted=True))
    r.feed(ev(MixMonitorMute, direction="both", muted=True))  # already paused: no new mark
    clock.now += 2.5
    r.feed(ev(MixMonitorMute, direction="both", muted=False))
    clock.now += 1
    r.feed(ev(Hangup, ch=AGENT_LEG, cause=16, cause_text=""))  # not the recorded channel
    assert "7.1" in r.takes
    r.feed(ev(Hangup, cause=16, cause_text=""))
    done = jobs(r)
    assert [j for j, _ in done] == ["open", "update", "update", "finish"]
    take = done[-1][1]
    assert take.file == "2026/11/30/7.1.wav" and take.connected and take.agent_id == 3
    assert take.paused_seconds == 2.5 and [p["muted"] for p in take.pauses] == [True, False]
    assert r.takes == {}


def test_a_hangup_while_paused_closes_the_pause():
    r, clock = recorder()
    r.expect("7.1", CALLER.name, 3, "BJ-order", "always")
    r.feed(ev(VarSet, variable="MIXMONITOR_FILENAME", value=FILE))
    r.feed(ev(BridgeEnter, bridge_id="b-1", bridge_type="basic", bridge_num_channels=2))
    r.feed(ev(MixMonitorMute, direction="both", muted=True))
    clock.now += 4
    r.feed(ev(Hangup, cause=16, cause_text=""))
    take = jobs(r)[-1][1]
    assert take.paused_seconds == 4 and not take.muted


def test_a_call_that_never_reached_the_agent_is_finished_unconnected():
    r, _ = recorder()
    r.expect("7.1", CALLER.name, 3, "BJ-order", "always")
    r.feed(ev(Hangup, cause=16, cause_text=""))
    (job, take), = jobs(r)
    assert job == "finish" and not take.connected and take.file is None


def test_file_names_follow_the_dialplan():
    assert file_name("1764500000.12", 0).endswith("/1764500000.12.wav")
    assert file_name("1.2", 0).count("/") == 3  # YYYY/MM/DD/linkedid.wav


def test_signed_links_expire_and_bind_the_recording():
    settings = Settings()
    url = recording_links.sign(settings, 7, now=1000.0)
    query = dict(p.split("=") for p in url.split("?")[1].split("&"))
    expires, signature = int(query["expires"]), query["signature"]
    assert recording_links.valid(settings, 7, expires, signature, now=1000.0)
    assert not recording_links.valid(settings, 7, expires, signature, now=expires + 1)
    assert not recording_links.valid(settings, 8, expires, signature, now=1000.0)
    assert not recording_links.valid(settings, 7, expires + 60, signature, now=1000.0)
    other_secret = Settings(auth={"link_secret": "another"})
    assert not recording_links.valid(other_secret, 7, expires, signature, now=1000.0)


class RecordingPbx:
    def __init__(self) -> None:
        self.done: list[object] = []

    async def perform(self, action: object) -> None:
        self.done.append(action)


class OnACall:
    def call_channel(self, agent_id: int) -> str:
        return CALLER.name


async def test_two_starts_before_the_pbx_answers_record_the_call_once():
    r, _ = recorder()
    r.expect("7.1", CALLER.name, 3, "BJ-order", "on_demand")
    pbx = RecordingPbx()
    control = RecordingControl(pbx, OnACall(), r)  # type: ignore[arg-type]
    await control.apply(3, "start")
    with pytest.raises(ValueError, match="already being recorded"):
        await control.apply(3, "start")  # the PBX has not said the file yet
    assert [type(a) for a in pbx.done] == [StartRecording]
    r.feed(ev(VarSet, variable="MIXMONITOR_FILENAME", value=FILE))
    with pytest.raises(ValueError, match="already being recorded"):
        await control.apply(3, "start")
