"""The console, the operations page and the wallboard in Chromium at Beijing time, without
telephony: each says its states, statuses and refusals in Chinese (no raw code such as on_call or
in_progress in what the reader sees), each says them in English after the switch (kept for the next
visit), times at the reader's clock (a call made at 23:30 UTC is 07:30 the next day in Beijing)
and durations as mm:ss."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from acd.figures import start_of_today
from agent_api.app import create_app
from models import Agent, Call, CallDirection, CallOutcome, Campaign, CampaignPurpose
from services.demo import DEMO_PASSWORD
from tests.browser.conftest import only_local_requests
from tests.pbx.helpers import served

pytestmark = pytest.mark.browser

LATE_EVENING_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
NEXT_MORNING_BEIJING = "2026-03-02 07:30"
RAW_CODES = re.compile(r"\b(logged_out|available|reserved|on_call|wrap_up|paused|session_lost|"
                       r"in_progress|completed|abandoned|draft|running|progressive|predictive|"
                       r"arrival_notice|delivery_survey|listen|whisper|barge|class [A-E])\b")


async def at_beijing_time(page, base_url: str, path: str, username: str):
    """A new page of the browser on Beijing's clock, signed in to `path`."""
    page = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    outside = await only_local_requests(page)
    await page.goto(f"{base_url}{path}")
    await page.locator("#signin-form input[name=username]").fill(username)
    await page.locator("#signin-form input[name=password]").fill(DEMO_PASSWORD)
    await page.locator("#signin-form button[type=submit]").click()
    return page, outside


def quarter_in_beijing() -> str:
    now = datetime.now(UTC) + timedelta(hours=8)
    return f"{now.hour:02d}:{now.minute // 15 * 15:02d}"


async def no_raw_codes(page) -> None:
    seen = await page.locator("body").inner_text()
    assert not RAW_CODES.search(seen), RAW_CODES.search(seen)


async def agent_8001(database) -> dict:
    """Agent 8001's and its branch's ids, for a call it took."""
    async with database() as s:
        agent = await s.scalar(select(Agent).where(Agent.number == "8001"))
        return {"agent_id": agent.id, "branch_id": agent.branch_id}


async def test_the_console_speaks_chinese_then_english_at_the_agents_clock(office, page, database):
    async with database() as s, s.begin():
        s.add(Call(linkedid="late-1", uniqueid="late-1", direction=CallDirection.INBOUND,
                   caller_number="13300000009", queue="BJ-order", offered_at=LATE_EVENING_UTC,
                   **await agent_8001(database), outcome=CallOutcome.COMPLETED))
    page, outside = await at_beijing_time(page, office, "/console", "8001")
    state = page.locator("#state")
    await expect(state).to_have_attribute("data-state", "logged_out")
    await expect(state).to_have_text("未上线")
    await expect(page.locator("#link")).to_have_text("在线")
    call = page.locator("#history-table tbody tr")
    await expect(call).to_contain_text(NEXT_MORNING_BEIJING)
    await expect(call).to_contain_text("已完成")
    await expect(page.locator("#state-time")).to_have_text(re.compile(r"^\d\d:\d\d$"))

    # an opinion before any caller is identified: the API's refusal, in Chinese
    await page.fill("#opinion-form textarea[name=text]", "送货太慢")
    await page.click("#opinion-form button[type=submit]")
    refused = page.locator("#opinion-errors li")
    await expect(refused).to_have_text("零售店: 请先识别零售店")
    await no_raw_codes(page)

    await page.locator("#lang").click()
    await expect(state).to_have_text("Logged out")
    await expect(page.locator("#link")).to_have_text("live")
    await expect(page.get_by_role("heading", name="Call history")).to_be_visible()
    await expect(call).to_contain_text("completed")
    await expect(call).to_contain_text(NEXT_MORNING_BEIJING)
    await expect(refused).to_have_text("Retailer: Identify the retailer first")
    await expect(page.locator("#pause-reason option[value=meal]")).to_have_text("Meal")
    await page.reload()  # the choice is kept
    await expect(state).to_have_text("Logged out")
    await page.locator("#lang").click()
    await expect(state).to_have_text("未上线")
    assert outside == []


async def test_the_operations_page_speaks_chinese_then_english(office, page, database):
    async with database() as s, s.begin():
        s.add(Campaign(name="三月到货通知", purpose=CampaignPurpose.ARRIVAL_NOTICE, windows={},
                       retries={}, starts_on=LATE_EVENING_UTC.date(), caller_id="4008001234",
                       created_at=LATE_EVENING_UTC))
    page, outside = await at_beijing_time(page, office, "/ops", "ops")
    row = page.locator("#campaigns tr[data-campaign='三月到货通知']")
    await expect(row.locator(".state")).to_have_text("草稿")
    await expect(row.locator("td").nth(2)).to_have_text("渐进式")
    await expect(row.locator(".when")).to_contain_text(f"创建于 {NEXT_MORNING_BEIJING}")

    await row.locator("button[data-command=start]").click()
    await expect(row.locator(".state")).to_have_text("进行中")
    await expect(page.locator("#ops-ok")).to_have_text("三月到货通知: 进行中")
    form = page.locator("#create-form")  # the same name again: refused, naming the field
    await form.locator("input[name=name]").fill("三月到货通知")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#ops-error")).to_have_text("活动名称: 名称已被占用")
    await no_raw_codes(page)

    await page.locator("#lang").click()
    await expect(row.locator(".state")).to_have_text("Running")
    await expect(row.locator("td").nth(2)).to_have_text("Progressive")
    await expect(row.locator(".when")).to_contain_text(f"created {NEXT_MORNING_BEIJING}")
    await expect(page.locator("#ops-error")).to_have_text("Name: That name is taken")
    await expect(row.locator("button[data-command=pause]")).to_have_text("Pause")
    await expect(form.locator("select[name=purpose] option[value=arrival_notice]")).to_have_text(
        "Arrival-time notice")
    assert outside == []


@pytest.fixture
async def office_after_a_call(settings, database):
    """The office once a call of today is on record: the engine counts today's calls from the
    rows as it starts, and from what it writes itself from then on."""
    queued = start_of_today().astimezone(UTC) + timedelta(seconds=1)
    async with database() as s, s.begin():
        s.add(Call(linkedid="today-1", uniqueid="today-1", direction=CallDirection.INBOUND,
                   caller_number="13300000009", queue="BJ-order", offered_at=queued,
                   queued_at=queued, connected_at=queued + timedelta(seconds=20),
                   ended_at=queued + timedelta(seconds=145),
                   **await agent_8001(database), outcome=CallOutcome.COMPLETED))
    async with served(create_app(settings, telephony=False)) as base_url:
        yield base_url


async def test_the_wallboard_speaks_chinese_then_english_in_minutes_and_seconds(
        office_after_a_call, page):
    page, outside = await at_beijing_time(page, office_after_a_call, "/wallboard", "supervisor")
    agent = page.locator("#agents tr[data-agent='8001']")
    await expect(agent.locator(".state")).to_have_text("未上线")
    await expect(agent.locator("td").nth(1)).to_have_text("北京分公司 Beijing")
    await expect(agent.locator("td").nth(3)).to_have_text("00:00")
    queue = page.locator("#queues tr[data-queue='BJ-order']")
    await expect(queue.locator("td").nth(0)).to_have_text("北京分公司 Beijing · 电话订货")
    await expect(queue.locator("td").nth(6)).to_have_text("00:20")  # the speed of answer
    await expect(queue.locator("td").nth(7)).to_have_text("02:05")  # the handling time
    await expect(page.locator("#updated")).to_have_text(re.compile(r"^更新于 \d\d:\d\d:\d\d$"))
    await expect(page.locator("#states [data-state=logged_out] .label")).to_have_text("未上线")
    # the trend's quarter hours on the reader's clock (Beijing's), the last one now's
    quarters = {quarter_in_beijing()}
    last = await page.evaluate("() => echarts.getInstanceByDom(document.querySelector('#trend'))"
                               ".getOption().xAxis[0].data.at(-1)")
    assert last in quarters | {quarter_in_beijing()}, (last, quarters)
    await no_raw_codes(page)

    await page.locator("#lang").click()
    await expect(agent.locator(".state")).to_have_text("Logged out")
    await expect(queue.locator("td").nth(0)).to_have_text("北京分公司 Beijing · Order")
    await expect(page.get_by_role("columnheader", name="Avg. handle")).to_be_visible()
    await expect(page.locator("#states [data-state=available] .label")).to_have_text("Available")
    await expect(page.locator("#totals [data-total=answered] .label")).to_have_text("Answered")
    await expect(page.get_by_text("Service level by queue")).to_be_visible()
    await expect(page.locator("#updated")).to_have_text(re.compile(r"^updated \d\d:\d\d:\d\d$"))
    assert outside == []


async def test_an_agent_is_told_in_chinese_that_the_wallboard_is_not_theirs(office, page):
    page, _ = await at_beijing_time(page, office, "/wallboard", "8001")
    await expect(page.locator("#signin-error")).to_have_text("监控墙仅供班长、运营和管理员使用")
    await expect(page.locator("#board")).to_be_hidden()
