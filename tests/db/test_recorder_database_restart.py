"""A recording whose call ends while PostgreSQL restarts is finished once the server is back,
not left `recording` for ever."""
import asyncio

import pytest
from sqlalchemy import select

from acd.recorder import Recorder
from asterisk.events import BridgeEnter, Channel, Hangup
from migrations import runner
from models import Recording, RecordingPolicy, make_engine, make_sessionmaker

pytestmark = pytest.mark.db

CALLER = Channel(name="PJSIP/anonymous-00000001", uniqueid="7.1", linkedid="7.1", state=6,
                 caller_num="139", caller_name="", connected_num="", connected_name="",
                 context="hotline-connect", exten="3", language="zh")


def ev(cls, **kw):
    return cls(server="local", timestamp=None, channel=CALLER, **kw)


async def test_a_call_ending_while_postgresql_is_down_gets_its_recording_row(throwaway_cluster,
                                                                             tmp_path):
    await runner.upgrade(throwaway_cluster.url)
    db = make_engine(throwaway_cluster.url)
    recorder = Recorder(make_sessionmaker(db), tmp_path)
    save, refused = recorder._save, asyncio.Event()

    async def noting_refusals(*args, **kw):
        try:
            await save(*args, **kw)
        except Exception:
            refused.set()
            raise
    recorder._save = noting_refusals  # type: ignore[method-assign]
    running = asyncio.create_task(recorder.run())
    try:
        # Reached the agent and should have been recorded, but the PBX never said a file.
        recorder.expect("7.1", CALLER.name, None, "BJ-order", RecordingPolicy.ALWAYS)
        recorder.feed(ev(BridgeEnter, bridge_id="b-1", bridge_type="basic",
                         bridge_num_channels=2))
        await asyncio.to_thread(throwaway_cluster.stop, "immediate")
        recorder.feed(ev(Hangup, cause=16, cause_text=""))
        await refused.wait()
        await asyncio.to_thread(throwaway_cluster.start)
        await recorder.drain()
        async with make_sessionmaker(db)() as s:
            row = await s.scalar(select(Recording).where(Recording.linkedid == "7.1"))
        assert row is not None and row.status == "missing", row and vars(row)
    finally:
        running.cancel()
        await db.dispose()


