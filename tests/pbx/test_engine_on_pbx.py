import asyncio
import time

import pytest

from asterisk.sipp_phone import Keys, Pause
from tests.pbx.helpers import wait_for_calls

pytestmark = pytest.mark.pbx


async def test_a_sip_call_reaches_the_engine_and_is_on_record_with_pbx_times(engine, sipp):
    before = time.time()
    await sipp.call("4000", script=[Pause(1000), Keys("0")], hold_ms=6000)  # the operator key
    after = time.time()
    [call] = await wait_for_calls(engine, 1)
    kinds = [e.kind for e in call.events]
    assert kinds[0] == "Newchannel" and "Answered" in kinds and kinds[-1] == "Hangup"
    # The FastAGI IVR ran: it set its steps on the channel and the PBX reported them back.
    steps = [e.data["value"] for e in call.events if e.data.get("variable") == "HOTLINE_STEP"]
    assert steps == ["menu", "done"]
    assert call.direction == "inbound" and call.dialed_number == "4000"
    assert call.caller_number == "13800010001" and call.queue == "HQ-operator"
    offered, answered, ended = (t.timestamp() for t in
                                (call.offered_at, call.answered_at, call.ended_at))
    assert before - 0.5 <= offered <= answered <= ended <= after + 0.5
    assert answered - offered < 0.5
    assert 6.5 <= ended - answered <= 8.5  # 1 s to the key, then 6 s
    health = (await engine.http.get("/health")).json()
    assert health["status"] == "ok" and health["pbx"]["connected"]


async def test_a_call_the_engine_never_touched_is_still_on_record(engine, sipp):
    with pytest.raises(AssertionError, match="sipp failed"):
        await sipp.call("5555", hold_ms=500, timeout=5)  # no such number: the PBX refuses
    [call] = await wait_for_calls(engine, 1)
    assert call.dialed_number == "5555" and call.answered_at is None
    assert call.outcome == "failed" and call.hangup_cause == 1
    assert not any(e.data.get("variable") == "HOTLINE_STEP" for e in call.events)


async def test_engine_unreachable_the_dialplan_falls_back_to_a_queue(engine, sipp):
    await engine.agi.close()  # FastAGI gone: the PBX must still take the call somewhere useful
    await sipp.call("4000", hold_ms=1500)
    [call] = await wait_for_calls(engine, 1)
    assert call.queue == "hotline-fallback" and call.answered_at is not None
    assert call.outcome == "abandoned"  # nobody was logged in to the fallback queue
    fallback = [e.data["value"] for e in call.events
                if e.data.get("variable") == "HOTLINE_FALLBACK"]
    assert fallback == ["FAILURE:"]


async def test_a_crashing_ivr_handler_falls_back_instead_of_hanging_up(engine, sipp):
    async def crash(session):
        await session.answer()
        await session.set_variable("HOTLINE_STEP", "menu")
        raise RuntimeError("bug in the IVR")

    engine.agi.routes["ivr"] = crash
    await sipp.call("4000", hold_ms=1500)
    [call] = await wait_for_calls(engine, 1)
    assert call.queue == "hotline-fallback" and call.last_step == "menu"
    fallback = [e.data["value"] for e in call.events
                if e.data.get("variable") == "HOTLINE_FALLBACK"]
    assert fallback == ["SUCCESS:menu"]


async def test_asterisk_crash_and_restart_relinks_and_resyncs_within_5_seconds(engine, pbx, sipp):
    assert engine.resynced_generation == 1
    call = sipp.start("4000", hold_ms=60_000)
    rows = await wait_for_calls(engine, 1, closed=False)
    assert rows[0].ended_at is None
    await pbx.down(crash=True)  # the call dies with the PBX; no Hangup event reaches the engine
    call.cancel()
    await pbx.up()
    booted = time.monotonic()
    while engine.resynced_generation < 2:
        assert time.monotonic() - booted < 5.0, "no reconnect and resync within 5 s"
        await asyncio.sleep(0.02)
    relinked_in = time.monotonic() - booted
    [lost] = await wait_for_calls(engine, 1)
    assert lost.ended_at is not None and lost.outcome != "in_progress"
    assert lost.events[-1].kind == "EndedWhileUnlinked"
    health = (await engine.http.get("/health")).json()
    assert health["pbx"]["generation"] == 2 and health["resynced_generation"] == 2
    print(f"relinked and resynced {relinked_in:.3f} s after Asterisk was fully booted")
    # The engine carries on: a new call after the restart is handled as before.
    await sipp.call("4000", script=[Pause(1000), Keys("0")], hold_ms=3000)
    rows = await wait_for_calls(engine, 2)
    assert rows[-1].queue == "HQ-operator" and rows[-1].ended_at is not None
