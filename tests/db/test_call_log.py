from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from acd.call_log import CallLog
from acd.tracker import CallTracker
from asterisk.ami_protocol import AmiParser
from asterisk.events import Channel, Hangup, Newchannel, VarSet, to_event
from models import Agent, Call, CallEvent, Retailer, RetailerHistory
from services.demo import seed
from tests.db.conftest import busy_once

pytestmark = pytest.mark.db

TRANSCRIPT = Path(__file__).parent.parent / "unit" / "transcripts" / "fallback_call.ami"


async def stored_calls(sessions):
    async with sessions() as session:
        return list(await session.scalars(select(Call).options(selectinload(Call.events))))


async def test_a_recorded_call_is_written_whole(sessions):
    log, tracker = CallLog(sessions), CallTracker()
    for message in AmiParser().feed(TRANSCRIPT.read_bytes()):
        if message.event:
            log.submit(tracker.feed(to_event(message, "local")))
    await log.flush()
    [call] = await stored_calls(sessions)
    assert call.outcome == "abandoned" and call.queue == "hotline-fallback"
    assert call.offered_at <= call.answered_at <= call.ended_at
    assert call.offered_at.tzinfo is not None
    assert [e.kind for e in call.events][0] == "Newchannel"


async def test_a_batch_the_busy_database_refuses_is_written_later_not_lost(sessions,
                                                                             monkeypatch):
    log, tracker, refusals = CallLog(sessions), CallTracker(), []
    monkeypatch.setattr(log.writer, "retry_seconds", 0.01)
    monkeypatch.setattr(log, "_write", busy_once(log._write, refusals))
    for message in AmiParser().feed(TRANSCRIPT.read_bytes()):
        if message.event:
            log.submit(tracker.feed(to_event(message, "local")))
    await log.flush()
    assert refusals and log.written == refusals[0]
    [call] = await stored_calls(sessions)
    assert call.outcome == "abandoned" and len(call.events) > 3


def channel(uid: str) -> Channel:
    return Channel(name=f"PJSIP/c-{uid}", uniqueid=uid, linkedid=uid, state=6, caller_num="139",
                   caller_name="", connected_num="", connected_name="",
                   context="hotline-inbound", exten="4000", language="zh")


async def test_updates_across_flushes_land_on_one_row(sessions):
    log, tracker = CallLog(sessions), CallTracker()
    log.submit(tracker.feed(Newchannel(server="s", timestamp=100.0, channel=channel("1"))))
    await log.flush()
    log.submit(tracker.feed(VarSet(server="s", timestamp=101.0, channel=channel("1"),
                                   variable="HOTLINE_CARD", value="110100001")))
    log.submit(tracker.feed(Hangup(server="s", timestamp=105.0, channel=channel("1"), cause=16,
                                   cause_text="Normal Clearing")))
    await log.flush()
    [call] = await stored_calls(sessions)
    assert call.card_number == "110100001" and call.ended_at.timestamp() == 105.0
    assert len(call.events) == 3


async def test_a_bad_reference_from_the_pbx_costs_the_field_not_the_call(sessions):
    log, tracker = CallLog(sessions), CallTracker()
    good, bad = channel("1"), channel("2")
    for ch in (good, bad):
        log.submit(tracker.feed(Newchannel(server="s", timestamp=100.0, channel=ch)))
    log.submit(tracker.feed(VarSet(server="s", timestamp=101.0, channel=bad,
                                   variable="HOTLINE_AGENT", value="424242")))
    log.submit(tracker.feed(VarSet(server="s", timestamp=101.0, channel=good,
                                   variable="HOTLINE_CARD", value="310100001")))
    await log.flush()
    calls = {c.linkedid: c for c in await stored_calls(sessions)}
    assert calls["2"].agent_id is None and len(calls["2"].events) == 2
    assert calls["1"].card_number == "310100001"


async def test_demo_data_is_seeded_once_with_history(sessions):
    assert await seed(sessions) is True
    assert await seed(sessions) is False
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Agent)) == 5
        retailers = await session.scalar(select(func.count()).select_from(Retailer))
        history = await session.scalar(select(func.count()).select_from(RetailerHistory))
        assert retailers == history == 6
        actors = set(await session.scalars(select(RetailerHistory.changed_by)))
        assert actors == {"demo-seed"}
        assert await session.scalar(select(func.count()).select_from(CallEvent)) == 0


async def test_a_linkedid_reused_by_a_restarted_pbx_starts_a_new_call(sessions):
    log = CallLog(sessions)
    for offered in (100.0, 200.0):  # the same linkedid from two boots of the PBX
        tracker = CallTracker()
        log.submit(tracker.feed(Newchannel(server="s", timestamp=offered, channel=channel("9.0"))))
        log.submit(tracker.feed(Hangup(server="s", timestamp=offered + 5, channel=channel("9.0"),
                                       cause=16, cause_text="")))
        await log.flush()
    calls = sorted(await stored_calls(sessions), key=lambda c: c.offered_at)
    assert [c.offered_at.timestamp() for c in calls] == [100.0, 200.0]
    assert calls[0].linkedid == f"9.0~{calls[0].id}" and calls[1].linkedid == "9.0"
    assert [len(c.events) for c in calls] == [2, 2]


async def test_a_linkedid_reused_within_one_batch_starts_a_new_call(sessions):
    log = CallLog(sessions)
    for offered, card in ((100.0, "110100001"), (200.0, "110100002")):
        tracker = CallTracker()  # both boots' calls reach the log in the same flush
        log.submit(tracker.feed(Newchannel(server="s", timestamp=offered, channel=channel("9.0"))))
        log.submit(tracker.feed(VarSet(server="s", timestamp=offered + 1, channel=channel("9.0"),
                                       variable="HOTLINE_CARD", value=card)))
        log.submit(tracker.feed(Hangup(server="s", timestamp=offered + 5, channel=channel("9.0"),
                                       cause=16, cause_text="")))
    await log.flush()
    calls = sorted(await stored_calls(sessions), key=lambda c: c.offered_at)
    assert [c.linkedid for c in calls] == [f"9.0~{calls[0].id}", "9.0"]
    assert [(c.card_number, c.ended_at.timestamp()) for c in calls] == [("110100001", 105.0),
                                                                       ("110100002", 205.0)]
    assert [len(c.events) for c in calls] == [3, 3]
