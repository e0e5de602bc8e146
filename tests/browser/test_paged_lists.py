"""Lists read a page at a time in Chromium, without a PBX, the browser on Beijing's clock.
Operations' call log over one local day: its calls only (not the minute before midnight or the
midnight after), newest first, fifty and then the rest with "more", the total said, narrowed to
an agent, a range the wrong way round refused in the reader's words; the recordings of that day,
one played in the page; the same in English. The agent's console: its call history twenty at a
time with "more", and the voicemail inbox fifty at a time with the count of all that wait."""
import struct
from datetime import datetime, timedelta, timezone

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from models import Agent, Branch, Call, CallbackRequest, Recording, Voicemail, utcnow
from models.acd import CallbackStatus
from models.calls import CallDirection, CallOutcome
from tests.browser.conftest import only_local_requests, sign_in_at

pytestmark = pytest.mark.browser

BEIJING = timezone(timedelta(hours=8))
DAY = datetime(2026, 3, 1, tzinfo=BEIJING)


def wav(path, seconds: float) -> None:
    data = b"\x01\x00" * int(8000 * seconds)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1,
                         1, 8000, 16000, 2, 16, b"data", len(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + data)


async def on_beijing_clock(page) -> None:
    session = await page.context.new_cdp_session(page)
    await session.send("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Shanghai"})


sign_in = sign_in_at


@pytest.fixture
async def march_first(database, settings) -> dict:
    """55 Beijing calls on 1 March (Beijing time), every third taken by 8001, one just before
    and one just after that day; three recordings of that day, the last one's file on disk."""
    async with database() as s, s.begin():
        bj = await s.scalar(select(Branch.id).where(Branch.code == "BJ"))
        agent = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
        times = [DAY + timedelta(minutes=25 * n) for n in range(55)]
        edges = [DAY - timedelta(seconds=1), DAY + timedelta(days=1)]
        for n, at in enumerate(times + edges):
            s.add(Call(linkedid=f"m.{n}", uniqueid=f"m.{n}", direction=CallDirection.INBOUND,
                       caller_number=f"1380001{n:04d}", offered_at=at, branch_id=bj,
                       queue="BJ-order", agent_id=agent if n % 3 == 0 else None,
                       connected_at=at + timedelta(seconds=10),
                       ended_at=at + timedelta(seconds=75), outcome=CallOutcome.COMPLETED))
        for n in (0, 3, 6):
            s.add(Recording(pbx_server="local", linkedid=f"m.{n}", agent_id=agent,
                            queue="BJ-order", policy="always", status="complete",
                            file=f"m.{n}.wav", started_at=times[n] + timedelta(seconds=10),
                            duration_seconds=65.0))
    wav(settings.recordings_dir / "m.6.wav", 2.0)
    return {"taken": len([n for n in range(55) if n % 3 == 0])}


async def test_operations_read_a_day_of_calls_and_play_its_recordings(office, page, march_first):
    outside = await only_local_requests(page)
    await on_beijing_clock(page)
    await sign_in(page, f"{office}/ops", "ops")
    calls = page.locator("#calls")
    await expect(calls.get_by_role("heading", name="通话记录")).to_be_visible()
    await calls.locator("input[name=since]").fill("2026-03-01")
    await calls.locator("input[name=until]").fill("2026-03-01")
    await calls.get_by_role("button", name="查询").click()
    await expect(page.locator("#calls-total")).to_have_text("共 55 条")
    rows = calls.locator("tbody tr")
    await expect(rows).to_have_count(50)
    await expect(rows.first).to_contain_text("2026-03-01 22:30:00")  # the 55th, 54 × 25 min
    await expect(rows.first).to_contain_text("呼入")
    await expect(rows.first).to_contain_text("01:05")  # talk time, mm:ss
    await calls.get_by_role("button", name="更多").click()
    await expect(rows).to_have_count(55)
    await expect(rows.last).to_contain_text("2026-03-01 00:00:00")
    await expect(calls.get_by_role("button", name="更多")).to_be_hidden()
    await expect(calls.locator("tbody")).not_to_contain_text("2026-02-28")
    await expect(calls.locator("tbody")).not_to_contain_text("2026-03-02")

    await calls.locator("select[name=agent_id]").select_option(label="8001")
    await calls.get_by_role("button", name="查询").click()
    await expect(page.locator("#calls-total")).to_have_text(f"共 {march_first['taken']} 条")
    await expect(rows).to_have_count(march_first["taken"])

    await calls.locator("input[name=since]").fill("2026-03-02")
    await calls.get_by_role("button", name="查询").click()
    await expect(page.locator("#calls-error")).to_have_text("结束日期: 结束时间须晚于开始时间")

    recordings = page.locator("#recordings")
    await recordings.locator("input[name=since]").fill("2026-03-01")
    await recordings.locator("input[name=until]").fill("2026-03-01")
    await recordings.get_by_role("button", name="查询").click()
    await expect(page.locator("#recordings-total")).to_have_text("共 3 条")
    played = recordings.locator("tbody tr").first
    await expect(played).to_contain_text("2026-03-01 02:30:10")
    await expect(played).to_contain_text("01:05")
    await played.get_by_role("button", name="播放").click()
    await page.wait_for_function(
        "() => { const a = document.querySelector('#recordings tbody tr audio');"
        " return a && a.duration > 1.9; }")

    await page.locator("#lang").click()
    await expect(calls.get_by_role("heading", name="Call log")).to_be_visible()
    await expect(page.locator("#recordings-total")).to_have_text("3 in all")
    await expect(page.locator("#calls-error")).to_have_text(
        "To: The end must come after the start")
    assert outside == []


async def test_the_console_pages_its_history_and_its_voicemails(office, page, database, tmp_path):
    async with database() as s, s.begin():
        bj = await s.scalar(select(Branch.id).where(Branch.code == "BJ"))
        agent = await s.scalar(select(Agent.id).where(Agent.number == "8001"))
        for old in await s.scalars(select(Voicemail).where(Voicemail.handled_at.is_(None))):
            old.handled_at, old.handled_by = utcnow(), "earlier"
        for request in await s.scalars(select(CallbackRequest)):
            request.status = CallbackStatus.CANCELLED
        for old in await s.scalars(select(Call).where(Call.agent_id == agent)):
            old.agent_id = None
        now = utcnow()
        for n in range(25):
            s.add(Call(linkedid=f"h.{n}", uniqueid=f"h.{n}", direction=CallDirection.INBOUND,
                       caller_number=f"1390002{n:04d}", offered_at=now - timedelta(hours=n),
                       branch_id=bj, queue="BJ-order", agent_id=agent,
                       outcome=CallOutcome.COMPLETED))
        for n in range(53):
            s.add(Voicemail(pbx_server="local", linkedid=f"v.{n}", caller_number="139",
                            branch_id=bj, recorded_at=now - timedelta(minutes=n),
                            duration_ms=5000, path=str(tmp_path / "none.wav"), size_bytes=100))
    await sign_in(page, f"{office}/console", "8001")
    await expect(page.locator("#who")).to_contain_text("8001")

    history = page.locator("#history-table tbody tr")
    await expect(history).to_have_count(20)
    await expect(history.first).to_contain_text("13900020000")
    await page.locator("#history-more").click()
    await expect(history).to_have_count(25)
    await expect(history.last).to_contain_text("13900020024")
    await expect(page.locator("#history-more")).to_be_hidden()

    await expect(page.locator("#inbox-count")).to_have_text("53")  # no callback waits
    voicemails = page.locator("#inbox-voicemails li")
    await expect(voicemails).to_have_count(50)
    await page.locator("#inbox-voicemails-more").click()
    await expect(voicemails).to_have_count(53)
    await expect(page.locator("#inbox-voicemails-more")).to_be_hidden()
