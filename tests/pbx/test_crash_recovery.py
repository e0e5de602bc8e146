"""The engine killed with SIGKILL in each phase of a call, then started again: rows and agents
are rebuilt from the PBX as they truly are, and nothing is left half-done."""
import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from asterisk.actions import HangUp
from asterisk.cdr import read_records
from asterisk.sipp_customers import Population
from asterisk.sipp_phone import Keys, Pause, Tone
from dialer.schedule import WEEKDAYS
from models import AgentTransition, Call, ContactAttempt, Recording
from tests.pbx.helpers import eventually

pytestmark = pytest.mark.pbx

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]  # to agent 8001
CALLER = "13300000001"


async def row(rig, model, until, what: str, timeout: float = 30.0, caller: str = CALLER,
              where=None):
    """The latest row of `model` (a call: the caller's) once `until(row)` holds."""
    query = select(model).order_by(model.id.desc())
    if model is Call:
        query = query.where(Call.caller_number == caller)
    if where is not None:
        query = query.where(where)

    async def found():
        async with rig.database() as s:
            latest = await s.scalar(query)
        return latest if latest is not None and until(latest) else None
    return await eventually(found, what, timeout)


async def test_killed_during_a_recorded_connected_call(rig, sipp):
    r = await rig(("8001",), tones={"8001": Tone(1000, 120_000)}, killable=True)
    await r.login("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ + [Tone(400, 3000)],
                                         caller=CALLER, hold_ms=120_000, timeout=150))
    await r.wait_state("8001", "on_call", timeout=40)
    before = await row(r, Call, lambda c: c.connected_at is not None, "never connected")
    await row(r, Recording, lambda rec: rec.status == "recording", "never recording")

    await r.kill_engine()
    await r.start_engine_process()

    agent = await r.wait_state("8001", "on_call")
    after = await row(r, Call, lambda c: c.linkedid == before.linkedid, "call row lost")
    for column in ("direction", "dialed_number", "caller_number", "offered_at", "answered_at",
                   "connected_at", "queue", "agent_id", "branch_id"):
        assert getattr(after, column) == getattr(before, column), column
    assert after.outcome == "in_progress"

    await r.post("/agents/8001/call/hangup")
    await r.wait_state("8001", "wrap_up")
    ended = await row(r, Call, lambda c: c.outcome != "in_progress", "call never ended")
    assert ended.outcome == "completed" and ended.direction == "inbound"
    assert ended.offered_at <= ended.answered_at <= ended.connected_at <= ended.ended_at
    rec = await row(r, Recording, lambda rec: rec.status != "recording", "recording stuck")
    assert rec.status == "complete", rec.problem
    assert rec.duration_seconds > 1.0
    assert agent["state"] == "on_call"
    await call


async def test_killed_with_callers_in_the_ivr_and_in_a_queue_and_calls_while_away(rig, sipp):
    queued, in_ivr, unseen = "13300000001", "13300000002", "13300000003"
    r = await rig(("8001", "8005"), killable=True)
    await r.login("8001", "8005")
    await r.post("/agents/8001/pause", json={"reason": "meal"})
    await r.post("/agents/8005/pause", json={"reason": "break"})
    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller=queued,
                                          hold_ms=90_000, timeout=120))
    await row(r, Call, lambda c: c.queued_at is not None, "never queued", caller=queued)
    second = asyncio.create_task(sipp.call("4000", caller=in_ivr, hold_ms=90_000, timeout=120))
    await row(r, Call, lambda c: c.last_step == "menu", "never in the menu", caller=in_ivr)

    await r.kill_engine()
    # The IVR's caller falls back to the PBX's own queue; a caller comes and goes unseen.
    await sipp.call("4000", caller=unseen, hold_ms=1000, timeout=30)
    await r.start_engine_process()

    await r.post("/agents/8001/unpause")
    await r.post("/agents/8005/unpause")
    await r.wait_state("8001", "on_call", timeout=30)
    await r.wait_state("8005", "on_call", timeout=30)
    await r.post("/agents/8001/call/hangup")
    await r.post("/agents/8005/call/hangup")
    await first
    await second
    for caller, agent in ((queued, "8001"), (in_ivr, "8005")):
        call = await row(r, Call, lambda c: c.outcome != "in_progress", "never ended",
                         caller=caller)
        assert call.outcome == "completed" and call.agent_id == await r.agent_id(agent)
        assert call.direction == "inbound" and call.dialed_number == "4000"
        assert call.offered_at <= call.answered_at <= call.connected_at <= call.ended_at
    away = await row(r, Call, lambda c: True, "no row for the call while away", caller=unseen)
    assert away.direction == "inbound" and away.dialed_number == "4000"
    assert away.queue == "hotline-fallback" and away.outcome == "abandoned"
    assert away.offered_at <= away.answered_at < away.ended_at


async def test_killed_during_wrap_up_the_agent_wraps_up_on_until_its_queue_says(rig, sipp):
    r = await rig(("8001",), queue_settings={"BJ-order": {"wrap_up_seconds": 300}},
                  killable=True)
    await r.login("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller=CALLER,
                                         hold_ms=60_000, timeout=90))
    await r.wait_state("8001", "on_call", timeout=40)
    await r.post("/agents/8001/call/hangup")
    await r.wait_state("8001", "wrap_up")
    await call
    # Killed once the wrap-up is stored (the last 50 ms of writes die with the process: an
    # agent whose call's end was not stored yet wraps up from the restart, unit-tested).
    await row(r, AgentTransition, lambda t: t.to_state == "wrap_up", "wrap-up never stored")

    await r.kill_engine()
    await r.start_engine_process()

    agent = await r.wait_state("8001", ("wrap_up", "available"))
    assert agent["state"] == "wrap_up" and agent["current_call"] is not None
    assert agent["time_in_state_seconds"] < 300
    await r.post("/agents/8001/wrap-up/end")
    await r.wait_state("8001", "available")


async def test_killed_while_an_outbound_call_rings_its_answer_is_counted_abandoned(
        rig, customers, settings):
    everyone_answers = Population(busy=0, failed=0, unanswered=0, ring_ms=(3000, 3000),
                                  talk_ms=(30_000, 30_000))
    r = await rig(("8001",), trunks={"customers": await customers(everyone_answers)},
                  killable=True)
    await r.login("8001")
    campaign = await r.post("/campaigns", json={
        "name": "Survey", "purpose": "delivery_survey", "agents": ["8001"],
        "script": "Ask.", "caller_id": "4008001234", "mode": "progressive",
        "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=2)), "ring_seconds": 15})
    upload = await r.http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("list.csv", b"phone,name\n13300009999,Shop\n", "text/csv")})
    assert upload.status_code == 200, upload.text
    await r.post(f"/campaigns/{campaign['id']}/start")
    attempt = await row(r, ContactAttempt, lambda a: True, "never dialed")

    await r.kill_engine()  # while the customer's phone rings
    # Answered meanwhile, nobody to take it: the PBX plays the message and hangs up.
    async def recorded():
        return any(c.uniqueid == attempt.channel_id
                   for c in read_records(settings.cdr_file, 0.0))
    await eventually(recorded, "the PBX's record of the call", timeout=60)
    await r.start_engine_process()

    ended = await row(r, ContactAttempt, lambda a: a.ended_at is not None, "never closed",
                      where=ContactAttempt.id == attempt.id)
    assert ended.outcome == "answered" and ended.abandoned and ended.answered_at is not None
    assert ended.pbx_reason == "ended while the engine was away"


async def test_after_an_asterisk_restart_each_phone_is_called_back_and_its_agent_resumes(rig,
                                                                                         sipp):
    r = await rig(("8001", "8002"), phone_calls=2)
    await r.login("8001", "8002")
    await r.post("/agents/8002/pause", json={"reason": "meal"})

    await r.pbx.down(crash=True)  # the agents' legs die with it
    await r.pbx.up()

    await r.wait_state("8001", "available", timeout=30)
    paused = await r.wait_state("8002", "paused", timeout=30)
    assert paused["pause_reason"] == "meal"
    await sipp.call("4000", script=ORDER_BJ + [Tone(400, 6000)], caller=CALLER, hold_ms=500,
                    timeout=40)
    call = await row(r, Call, lambda c: c.outcome != "in_progress", "the call never ended")
    assert call.connected_at is not None, (call.queue, call.last_step, call.outcome, call.agent_id)
    assert call.agent_id == await r.agent_id("8001")


async def test_an_agent_whose_session_was_lost_logs_in_again(rig):
    r = await rig(("8001",), phone_calls=2)
    await r.login("8001")
    leg = r.engine.desk.sessions.leg_of(await r.agent_id("8001"))
    await r.engine.pbx.perform(HangUp(leg))  # the phone's call dropped
    await r.wait_state("8001", "session_lost")
    await r.login("8001")  # the phone is called anew


async def test_a_recorded_call_that_dies_with_asterisk_ends_with_its_recording_finished(rig,
                                                                                      sipp):
    r = await rig(("8001",), tones={"8001": Tone(1000, 120_000)}, phone_calls=2)
    await r.login("8001")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ + [Tone(400, 3000)],
                                         caller=CALLER, hold_ms=120_000, timeout=150))
    await r.wait_state("8001", "on_call", timeout=40)
    await row(r, Recording, lambda rec: rec.status == "recording", "never recording")

    await r.pbx.down(crash=True)  # no Hangup ever comes for the call
    await r.pbx.up()

    ended = await row(r, Call, lambda c: c.outcome != "in_progress", "call never ended")
    rec = await row(r, Recording, lambda rec: rec.status != "recording", "recording stuck")
    assert ended.connected_at is not None and ended.ended_at is not None
    # MixMonitor died before it wrote the WAV's sizes: flagged, not left open.
    assert rec.status == "missing" and rec.ended_at is not None, vars(rec)
    call.cancel()  # the caller's phone never heard the PBX again
