"""Every IVR path with a sipp caller keying DTMF on the real PBX: where the call went (the
PBX's own queue events) and what was stored."""
import asyncio
import wave
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from asterisk.sipp_phone import Keys, Pause, Speak
from models import (
    Branch,
    Holiday,
    Retailer,
    SelfServiceAttempt,
    SelfServiceLock,
    Voicemail,
    utcnow,
)
from tests.pbx.helpers import wait_for_calls

pytestmark = pytest.mark.pbx

UNKNOWN_CALLER = "13311112222"  # no retailer has this phone


async def call_and_wait(engine, sipp, script, *, caller=UNKNOWN_CALLER, hold_ms=4000):
    await sipp.call("4000", script=script, caller=caller, hold_ms=hold_ms, timeout=60)
    [call] = await wait_for_calls(engine, 1, timeout=10)
    for _ in range(50):  # the IVR path is written when the AGI session ends
        path = (await engine.http.get(f"/calls/{call.id}/ivr-path")).json()
        if path and path[-1]["state"] in ("done", "menu", "card", "pin", "voicemail") and (
                call.queue or path[-1]["result"] in ("hangup", "Recorded")):
            break
        await asyncio.sleep(0.1)
    return call, path


def joined_queue(call) -> str | None:
    return next((e.data["queue"] for e in call.events if e.kind == "QueueCallerJoin"), None)


async def branch_id(database, code: str) -> int:
    async with database() as s:
        return await s.scalar(select(Branch.id).where(Branch.code == code))


# The menu key by RFC 4733 too (sipp's pcap play). The card goes by SIP INFO in both: sipp's
# recorded digits share their RTP timestamps, so Asterisk drops a repeated digit as a resend.
@pytest.mark.parametrize("rfc4733", [False, True], ids=["sip-info", "rfc4733"])
async def test_order_with_a_valid_card_reaches_the_branch_order_queue(engine, sipp, database,
                                                                      prompts, rfc4733):
    call, path = await call_and_wait(engine, sipp, [
        Pause(1500), Keys("1", rfc4733=rfc4733), Pause(1500), Keys("110100001#")], hold_ms=5000)
    assert joined_queue(call) == "BJ-order" == call.queue
    # Once the IVR has decided, the dialplan plays "transferring you" before the queue.
    decided = (datetime.fromisoformat(path[-1]["entered_at"])
               + timedelta(milliseconds=path[-1]["duration_ms"]))
    with wave.open(str(prompts / "zh/transfer.wav")) as w:
        prompt_seconds = w.getnframes() / w.getframerate()
    assert prompt_seconds > 1 and (call.queued_at - decided).total_seconds() >= 0.9 * prompt_seconds
    assert call.card_number == "110100001" and call.business_type == "order"
    assert call.branch_id == await branch_id(database, "BJ") and call.retailer_id is not None
    assert [(p["state"], p["keys"]) for p in path[:2]] == [("menu", "1"), ("card", "110100001")]
    assert all(p["duration_ms"] >= 0 for p in path)
    assert call.outcome == "abandoned"  # nobody answered the queue before the caller left


async def test_unknown_card_then_a_valid_one(engine, sipp):
    call, path = await call_and_wait(engine, sipp, [
        Pause(1500), Keys("2"), Pause(1500), Keys("999#"), Pause(2500),
        Keys("310100002#")], hold_ms=5000)
    assert joined_queue(call) == "SH-complaint"
    assert call.card_number == "310100002"
    assert [p["keys"] for p in path if p["state"] == "card" and p["keys"]] == ["999", "310100002"]


async def test_three_bad_keys_go_to_headquarters_with_the_path_so_far(engine, sipp):
    call, path = await call_and_wait(engine, sipp, [
        Pause(1500), Keys("7"), Pause(1500), Keys("8"), Pause(1500), Keys("*")], hold_ms=5000)
    assert joined_queue(call) == "HQ-operator"
    assert [(p["keys"], p["result"]) for p in path[:3]] == [("7", "keys"), ("8", "keys"),
                                                            ("*", "keys")]
    trail = [e.data["value"] for e in call.events if e.data.get("variable") == "HOTLINE_IVR_PATH"]
    assert trail == ["menu:7>menu:8>menu:*"]


async def test_caller_id_shortcut_skips_the_card(engine, sipp):
    call, path = await call_and_wait(engine, sipp, [Pause(1500), Keys("1"), Pause(2000),
                                                    Keys("1")], caller="13800010001")
    assert joined_queue(call) == "BJ-order" and call.card_number == "110100001"
    assert [p["state"] for p in path[:2]] == ["menu", "confirm_store"]


async def test_self_service_with_the_right_pin_reads_orders_then_an_agent(engine, sipp,
                                                                          database):
    call, path = await call_and_wait(engine, sipp, [
        Pause(1500), Keys("5"), Pause(2000), Keys("110100001#"), Pause(2000), Keys("1234#"),
        Pause(3000), Keys("0")], hold_ms=10_000)  # time to reach the queue on a busy machine
    assert joined_queue(call) == "BJ-consultation"
    assert [p["keys"] for p in path if p["state"] == "pin" and p["keys"]] == ["****"]
    assert any(p["state"] == "orders" and p["keys"] == "0" for p in path)
    async with database() as s:
        attempts = list(await s.scalars(select(SelfServiceAttempt)))
    assert [(a.success, a.reason) for a in attempts] == [(True, "ok")]
    assert "1234" not in repr([e.data for e in call.events])  # the PIN is stored nowhere


async def test_wrong_pin_three_times_locks_self_service_and_reaches_an_agent(engine, sipp,
                                                                             database):
    call, _ = await call_and_wait(engine, sipp, [
        Pause(1500), Keys("5"), Pause(2000), Keys("110100002#"), Pause(2000), Keys("1111#"),
        Pause(2500), Keys("2222#"), Pause(2500), Keys("3333#")], hold_ms=9000)
    assert joined_queue(call) == "BJ-consultation"
    async with database() as s:
        retailer = await s.scalar(select(Retailer).where(Retailer.card_number == "110100002"))
        lock = await s.get(SelfServiceLock, retailer.id)
        reasons = list(await s.scalars(select(SelfServiceAttempt.reason)
                                       .order_by(SelfServiceAttempt.id)))
    assert lock.locked_until > utcnow() + timedelta(minutes=20)
    assert reasons == ["wrong_pin", "wrong_pin", "wrong_pin"]


async def test_out_of_hours_the_caller_leaves_a_voicemail(engine, sipp, database):
    async with database() as s, s.begin():  # a holiday at the Beijing branch today
        s.add(Holiday(branch_id=await branch_id(database, "BJ"),
                      day=utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date(),
                      name="test holiday"))
    call, path = await call_and_wait(engine, sipp, [
        Pause(1500), Keys("2"), Pause(1500), Keys("110100001#"), Pause(9000), Speak(3000),
        Keys("#")], hold_ms=12000)
    assert joined_queue(call) is None and call.card_number == "110100001"
    assert path[-1]["state"] == "voicemail"
    voicemails = (await engine.http.get("/voicemails?handled=false")).json()
    assert len(voicemails) == 1
    vm = voicemails[0]
    assert vm["card_number"] == "110100001" and vm["business_type"] == "complaint"
    assert vm["branch_id"] == await branch_id(database, "BJ") and vm["duration_ms"] > 1000
    audio = await engine.http.get(f"/voicemails/{vm['id']}/audio")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    async with database() as s:
        path_on_disk = (await s.get(Voicemail, vm["id"])).path
    with wave.open(path_on_disk) as w:
        frames = w.readframes(w.getnframes())
    assert max(abs(int.from_bytes(frames[i:i + 2], "little", signed=True))
               for i in range(0, len(frames), 2)) > 1000  # the caller's voice, not silence
    done = await engine.http.post(f"/voicemails/{vm['id']}/handled",
                                  json={"handled_by": "8001", "note": "called back"})
    assert done.status_code == 200 and done.json()["handled_by"] == "admin"  # who signed in
    again = await engine.http.post(f"/voicemails/{vm['id']}/handled", json={"handled_by": "x"})
    assert again.status_code == 409
    assert (await engine.http.get("/voicemails?handled=false")).json() == []


async def test_hang_up_mid_menu_leaves_a_row_saying_where(engine, sipp):
    call, path = await call_and_wait(engine, sipp, [], hold_ms=2000)
    assert call.last_step == "menu" and call.outcome == "abandoned" and call.queue is None
    assert path[-1]["state"] == "menu" and path[-1]["result"] == "hangup"
