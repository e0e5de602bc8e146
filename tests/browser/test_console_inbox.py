"""The console's inbox in Chromium, without a PBX: a voicemail and a queue callback request of
Beijing, put in the database by the test, are listed for a Beijing agent in Chinese (caller,
retailer, queue in words, local time, duration, the number to dial), the voicemail is played,
both are marked handled from the page (the callback with its outcome) and checked in the
database as handled by the signed-in agent; the empty inbox is then said in English."""
import wave
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from models import Branch, BusinessType, CallbackRequest, Retailer, Voicemail, utcnow
from models.acd import CallbackStatus
from services.demo import DEMO_PASSWORD
from tests.browser.conftest import only_local_requests

pytestmark = pytest.mark.browser


def two_seconds_of_silence(path) -> int:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 16000)
    return path.stat().st_size


@pytest.fixture
async def left(database, settings) -> dict:
    """A voicemail from 朝阳便利店 to Beijing's order queue, and a callback request on it."""
    audio = settings.data_dir / "vm.wav"
    size = two_seconds_of_silence(audio)
    async with database() as s, s.begin():
        bj = await s.scalar(select(Branch).where(Branch.code == "BJ"))
        shop = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
        order = await s.scalar(select(BusinessType).where(BusinessType.code == "order"))
        for old in await s.scalars(select(Voicemail).where(Voicemail.handled_at.is_(None))):
            old.handled_at, old.handled_by = utcnow(), "earlier"  # only this test's are listed
        for old in await s.scalars(select(CallbackRequest)):
            old.status = CallbackStatus.CANCELLED
        vm = Voicemail(pbx_server="local", linkedid="vm.1", retailer_id=shop.id,
                       branch_id=bj.id, card_number=shop.card_number,
                       caller_number="13911112222", business_type="order",
                       recorded_at=utcnow() - timedelta(minutes=5), duration_ms=65000,
                       path=str(audio), size_bytes=size)
        cb = CallbackRequest(pbx_server="local", linkedid="cb.1", caller_number="13933334444",
                             retailer_id=shop.id, queue="BJ-order",
                             requested_at=utcnow() - timedelta(minutes=3))
        s.add_all([vm, cb])
    return {"voicemail": vm.id, "callback": cb.id, "branch": bj.name, "type": order.name_zh,
            "type_en": order.name_en}


async def test_an_agent_handles_the_inbox(office, page, database, left):
    outside = await only_local_requests(page)
    await page.goto(f"{office}/console")
    await page.fill("#signin-form input[name=username]", "8001")
    await page.fill("#signin-form input[name=password]", DEMO_PASSWORD)
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#who")).to_contain_text("8001")
    await expect(page.get_by_role("heading", name="留言与回拨")).to_be_visible()
    await expect(page.locator("#inbox-count")).to_have_text("2")

    queue = f"{left['branch']} · {left['type']}"
    vm = page.locator(f"li[data-voicemail='{left['voicemail']}']")
    await expect(vm).to_contain_text(f"13911112222 · 110100001 · {queue} · ")
    await expect(vm).to_contain_text("时长 01:05")
    await expect(vm.get_by_role("button", name="立即回拨")).to_be_visible()
    cb = page.locator(f"li[data-callback='{left['callback']}']")
    await expect(cb).to_contain_text(f"13933334444 · 朝阳便利店 (110100001) · {queue} · 请求于 ")
    await expect(cb).to_contain_text("已拨 0 次 · 下次 ")
    # Calling back needs the agent available on the phone: refused in the agent's words.
    await cb.get_by_role("button", name="立即回拨").click()
    await expect(page.locator("#inbox-errors")).to_contain_text("请先就绪再拨打")

    await vm.get_by_role("button", name="收听").click()
    await page.wait_for_function(
        "id => { const a = document.querySelector(`li[data-voicemail='${id}'] audio`);"
        " return a && a.src.startsWith('blob:') && a.duration > 1.9; }", arg=left["voicemail"])

    await vm.get_by_role("button", name="标为已处理").click()
    await expect(vm).to_have_count(0)
    await expect(page.locator("#inbox-voicemails")).to_contain_text("没有待处理的留言")
    await cb.get_by_label("回拨结果").select_option(label="无人接听")
    await cb.get_by_role("button", name="标为已处理").click()
    await expect(cb).to_have_count(0)
    await expect(page.locator("#inbox-count")).to_have_text("0")

    async with database() as s:
        voicemail = await s.get(Voicemail, left["voicemail"])
        request = await s.get(CallbackRequest, left["callback"])
    assert voicemail.handled_by == "8001" and voicemail.handled_at is not None
    assert (request.status, request.outcome, request.handled_by) == (
        CallbackStatus.DONE, "no_answer", "8001")
    assert request.handled_at is not None

    await page.locator("#lang").click()
    await expect(page.get_by_role("heading", name="Voicemail and callbacks")).to_be_visible()
    await expect(page.locator("#inbox-callbacks")).to_contain_text("No callback to make")
    assert outside == []
