"""A consultation (业务咨询) recorded from the console in Chromium, with no call: for a retailer
found in the search, answered on the spot (resolved); then for no retailer and not answered
(open, for a department), in English. Each is checked in the database."""
import pytest
from playwright.async_api import expect
from sqlalchemy import select

from models import Retailer, User
from models.opinions import Opinion
from services.demo import DEMO_PASSWORD
from tests.browser.conftest import only_local_requests

pytestmark = pytest.mark.browser


async def latest(database) -> Opinion:
    async with database() as s:
        found = await s.scalar(select(Opinion).order_by(Opinion.id.desc()))
        assert found is not None
        return found


async def test_an_agent_records_consultations_from_the_console(office, page, database):
    outside = await only_local_requests(page)
    await page.goto(f"{office}/console")
    await page.fill("#signin-form input[name=username]", "8001")
    await page.fill("#signin-form input[name=password]", DEMO_PASSWORD)
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#who")).to_contain_text("8001")
    form = page.locator("#consultation-form")
    await expect(page.get_by_role("heading", name="业务咨询")).to_be_visible()

    await page.fill("#find-q", "110100001")
    await page.press("#find-q", "Enter")
    await page.locator("#find-results li").first.click()
    await expect(page.locator("#consultation-retailer")).to_have_text("朝阳便利店 (110100001)")
    await form.locator("select[name=topic]").select_option("promotion")
    await form.locator("textarea[name=question]").fill("本月有什么促销活动？")
    await form.locator("textarea[name=answer]").fill("新品买十送一，到月底")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#consultation-ok")).to_contain_text("已记录 · 已解决")
    await expect(form.locator("textarea[name=question]")).to_have_value("")  # ready for the next
    async with database() as s:
        agent = await s.scalar(select(User).where(User.username == "8001"))
        chaoyang = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
    made = await latest(database)
    await expect(page.locator("#consultation-ok")).to_have_text(f"咨询 #{made.id} 已记录 · 已解决")
    assert (made.kind, made.topic, made.text, made.answer, made.status, made.retailer_id,
            made.call_id, made.captured_by, made.branch_id) == (
        "consultation", "promotion", "本月有什么促销活动？", "新品买十送一，到月底", "resolved",
        chaoyang.id, None, agent.id, chaoyang.branch_id)

    # no retailer, no answer yet: open for a department, said in English
    await page.locator("#btn-pop-retailer").click()
    await expect(page.locator("#consultation-retailer")).to_have_text("—")
    await page.locator("#lang").click()
    await expect(page.get_by_role("heading", name="Consultation")).to_be_visible()
    await expect(form.locator("textarea[name=question]")).to_have_attribute(
        "placeholder", "What the caller asked")
    await form.locator("select[name=topic]").select_option("policy")
    await form.locator("textarea[name=question]").fill("诚信等级怎么评定？")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#consultation-ok")).to_contain_text("recorded · open")
    made = await latest(database)
    assert (made.topic, made.text, made.answer, made.status, made.retailer_id) == (
        "policy", "诚信等级怎么评定？", None, "open", None)
    assert outside == []
