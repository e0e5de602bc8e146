"""Recording on the real PBX: a call through IVR and ACD is recorded from the moment it reaches
the agent; the file holds both parties (the caller's phone plays a 400 Hz tone, the agent's
1000 Hz); a pause leaves silence; a queue that records nothing leaves no file."""
import asyncio
import time

import pytest
from sqlalchemy import select

from asterisk.sipp_phone import Keys, Pause, Tone
from models import Recording
from tests.pbx.audio import band_db, longest_silence

pytestmark = pytest.mark.pbx

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]  # to agent 8001
CALLER_HZ, AGENT_HZ = 400, 1000
AUDIBLE_DB = -40.0  # the tones play at half scale (about -9 dBFS); silence is below -70


async def finished(rig, timeout: float = 20.0) -> Recording:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await rig.engine.recorder.drain()
        async with rig.database() as s:
            rec = await s.scalar(select(Recording))
        if rec is not None and rec.status != "recording":
            return rec
        await asyncio.sleep(0.1)
    raise AssertionError(f"no finished recording: {rec}")


async def test_a_call_is_recorded_with_both_parties_and_measured(rig, sipp):
    r = await rig(("8001",), tones={"8001": Tone(AGENT_HZ, 60_000)})
    await r.login("8001")
    await sipp.call("4000", script=ORDER_BJ + [Tone(CALLER_HZ, 7000)],
                    caller="13300000001", hold_ms=500, timeout=40)
    rec = await finished(r)
    assert rec.status == "complete", rec.problem
    assert rec.agent_id == await r.agent_id("8001") and rec.queue == "BJ-order"
    assert rec.policy == "always"
    path = r.settings.recordings_dir / rec.file
    assert rec.file.endswith(f"/{rec.linkedid}.wav") and path.is_file()
    assert rec.size_bytes == path.stat().st_size and len(rec.sha256) == 64
    # From the agent on: not the IVR's prompts (the caller keyed for 3 s before the tone).
    assert 2.0 <= rec.duration_seconds <= 7.5
    assert band_db(path, CALLER_HZ) > AUDIBLE_DB, "the caller is not in the recording"
    assert band_db(path, AGENT_HZ) > AUDIBLE_DB, "the agent is not in the recording"

    reply = await r.engine.http.get("/recordings", params={"agent": "8001"})
    assert [x["linkedid"] for x in reply.json()] == [rec.linkedid]
    assert reply.json()[0]["caller_number"] == "13300000001"
    audio = await r.engine.http.get(f"/recordings/{rec.id}/audio", headers={"Range": "bytes=0-43"})
    assert audio.status_code == 206 and audio.content[:4] == b"RIFF" and len(audio.content) == 44


async def test_a_pause_leaves_a_silent_gap_and_is_on_record(rig, sipp):
    r = await rig(("8001",), tones={"8001": Tone(AGENT_HZ, 60_000)})
    await r.login("8001")
    call = asyncio.create_task(sipp.call(
        "4000", script=ORDER_BJ + [Pause(1000), Tone(CALLER_HZ, 9000)], caller="13300000001",
        hold_ms=500, timeout=40))
    await r.wait_state("8001", "on_call", timeout=30)
    await asyncio.sleep(2.0)
    await r.post("/agents/8001/recording", json={"action": "pause"})
    await asyncio.sleep(3.0)
    await r.post("/agents/8001/recording", json={"action": "resume"})
    await call
    rec = await finished(r)
    path = r.settings.recordings_dir / rec.file
    start, gap = longest_silence(path)
    # Both tones are continuous, so a second of silence is the pause. A PBX short of CPU writes
    # fewer frames than the wall clock passes (1.2 s of silence for a 2.5 s pause was seen beside
    # a CPU-burning process): the file's gap is bounded by the pause, not equal to it.
    assert 1.0 <= gap <= rec.paused_seconds + 0.5, (start, gap, rec.paused_seconds)
    assert start >= 1.0 and start + gap < rec.duration_seconds - 0.5  # sound on both sides
    assert 3.0 <= rec.paused_seconds <= 8.0
    assert [p["muted"] for p in rec.pauses] == [True, False]
    # the agent may not stop a recording the queue requires
    reply = await r.engine.http.post("/agents/8001/recording", json={"action": "stop"})
    assert reply.status_code == 409


async def test_on_demand_records_from_the_agents_start_and_never_records_nothing(rig, sipp):
    r = await rig(("8001",), tones={"8001": Tone(AGENT_HZ, 60_000)},
                  queue_settings={"BJ-order": {"recording": "on_demand"}})
    await r.login("8001")
    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                          hold_ms=8000, timeout=40))
    await r.wait_state("8001", "on_call", timeout=30)
    await first
    await r.engine.recorder.drain()
    async with r.database() as s:
        assert (await s.scalars(select(Recording))).all() == []  # not asked for: none

    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ + [Tone(CALLER_HZ, 6000)],
                                         caller="13300000002", hold_ms=500, timeout=40))
    await r.wait_state("8001", "on_call", timeout=30)
    await r.post("/agents/8001/recording", json={"action": "start"})
    again = await r.engine.http.post("/agents/8001/recording", json={"action": "start"})
    assert again.status_code == 409
    await call
    rec = await finished(r)
    assert rec.status == "complete" and rec.policy == "on_demand"
    assert band_db(r.settings.recordings_dir / rec.file, AGENT_HZ) > AUDIBLE_DB


async def test_a_call_whose_file_cannot_be_written_is_flagged_missing(rig, sipp):
    r = await rig(("8001",))
    await r.login("8001")
    # Today's folder cannot be made: a file stands where it would go.
    blocker = r.settings.recordings_dir / time.strftime("%Y")
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=8000, timeout=40))
    await r.wait_state("8001", "on_call", timeout=30)
    await call
    rec = await finished(r)
    assert rec.status == "missing" and rec.problem
    flagged = (await r.engine.http.get("/recordings", params={"status": "missing"})).json()
    assert [x["linkedid"] for x in flagged] == [rec.linkedid]
