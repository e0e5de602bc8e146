"""Campaigns on Chromium against the real PBX. Operations' page: a campaign created from the
form (machine detection with its parameters, a bad one refused naming it), a contact list
imported with its rejected row reported, started, watched live while sipp customers answer
and the agent talks, then paused; the estimate of the people AMD drops, amber near the target
and red over it, and with one agent at work too few for AMD (its drops could fill a half hour),
so the calls go without it. The agent's console: a preview call asked
for, its screen-pop with the campaign's script, and a callback booked at wrap-up."""
import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from asterisk.sipp_customers import Population
from asterisk.sipp_phone import voice_pcap
from dialer.schedule import WEEKDAYS
from models import Campaign, Contact, ContactAttempt, utcnow
from tests.browser.test_agent_console import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.pbx]


async def test_ops_create_import_start_watch_and_pause_a_campaign(rig, customers, page, tmp_path,
                                                                  settings):
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(6000, 6000),
                                         greeting=voice_pcap(tmp_path, (200, 800, 8000))))
    r = await rig(("8001",), serve=True, trunks={"customers": contact})
    await r.login("8001")
    await page.goto(f"{r.base_url}/ops")
    await page.fill("input[name=username]", "ops")
    await page.fill("input[name=password]", "hotline-demo")
    await page.click("#signin-form button[type=submit]")

    form = page.locator("#create-form")
    await form.locator("input[name=name]").fill("Arrival notice")
    await form.locator("select[name=purpose]").select_option("arrival_notice")
    await form.locator("input[name=agents]").fill("8001")
    for day in ("sat", "sun"):
        await form.locator(f"input[value={day}]").check()
    await form.locator("input[name=from]").fill("00:00")
    await form.locator("input[name=to]").fill("23:59")
    await form.locator("input[name=ring_seconds]").fill("15")
    await form.locator("textarea[name=script]").fill("Tell them the truck comes at 3 pm.")
    await form.locator("input[name=detect_machines]").check()
    await form.locator("input[name=amd_false_positive]").fill("2")
    await form.locator("#amd-settings summary").click()
    await form.locator("input[name='amd.greeting']").fill("100")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#ops-error")).to_have_text("答录机识别 · 问候语最长: 不能小于 500")
    await form.locator("input[name='amd.greeting']").fill("2000")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#ops-ok")).to_have_text("Arrival notice 已新建（草稿）")
    row = page.locator("#campaigns tr[data-campaign='Arrival notice']")
    await expect(row.locator(".state")).to_have_text("草稿")
    async with r.database() as s:
        made = await s.scalar(select(Campaign).where(Campaign.name == "Arrival notice"))
    assert (made.detect_machines, made.amd_false_positive, made.amd["greeting"],
            made.amd_check_share) == (True, 0.02, 2000, 0.02)
    # 2 % of the people dropped by AMD, as configured: near the 3 % target
    estimate = row.locator("td").nth(8)
    await expect(estimate).to_have_text("2.0% · 设定值接近放弃率目标")
    await expect(estimate).to_have_class("warn")

    listing = tmp_path / "arrivals.csv"
    listing.write_text("phone,name\n13300002001,Shop A\n13300002002,Shop B\nnope,Shop C\n"
                       "13300002003,Shop D\n")
    await row.locator("input[type=file]").set_input_files(listing)
    await expect(page.locator("#import-report")).to_contain_text("共 4 行：导入 3 行，拒绝 1 行")
    await expect(page.locator("#import-report")).to_contain_text(
        "第 4 行: 电话: “nope” 不是电话号码")
    await expect(row.locator("td").nth(3)).to_have_text("3")  # remaining

    await row.locator("button[data-command=start]").click()
    await expect(row.locator(".state")).to_have_attribute("data-state", "running")
    await expect(row.locator("td").nth(10)).to_have_text("1/1")  # agent busy
    await expect(row.locator("td").nth(5)).not_to_have_text("0")  # answered
    await expect(estimate).to_contain_text("坐席太少")  # 2 % of one agent's half hour
    await row.locator("button[data-command=pause]").click()
    await expect(row.locator(".state")).to_have_text("已暂停")
    await expect(row.locator("button[data-command=resume]")).to_have_text("继续")
    dialed = int(await row.locator("td").nth(4).inner_text())
    assert 1 <= dialed <= 3
    async with r.database() as s:
        said = set(await s.scalars(select(ContactAttempt.amd_result)))
    assert said == {None}  # dialed without AMD (tests/pbx/test_amd_on_pbx.py runs it)

    # Another campaign's dropped numbers answered by people later: 5 of 100 people, over 3 %
    async with r.database() as s, s.begin():
        over = Campaign(name="Promotion", purpose="promotion", windows={}, retries={},
                        starts_on=made.starts_on, caller_id="4008001234", detect_machines=True)
        s.add(over)
        await s.flush()
        listed = Contact(campaign_id=over.id, phone="13300009999", time_zone="Asia/Shanghai")
        s.add(listed)
        await s.flush()
        at = utcnow() - timedelta(hours=1)
        for n, (phone, outcome) in enumerate(
                [(f"1331000{i:04d}", "answered") for i in range(90)]
                + [(f"1332000{i:04d}", "machine") for i in range(10)]
                + [(f"1332000{i:04d}", "answered") for i in range(5)]):
            s.add(ContactAttempt(
                campaign_id=over.id, contact_id=listed.id, phone=phone, channel_id=f"p.{n}",
                started_at=at + timedelta(seconds=n), outcome=outcome, disposition=(
                    "order_taken" if outcome == "answered" else None),
                connected_at=at if outcome == "answered" else None))
    red = page.locator("#campaigns tr[data-campaign='Promotion']")
    await expect(red.locator("td").nth(8)).to_have_text(
        "5.0% · 实测 5 通已达放弃率目标：停用答录机识别")
    await expect(red.locator("td").nth(8)).to_have_class("overdue")
    await expect(red.locator("td").nth(7)).to_have_text("5.0% (5.0%)")  # with AMD counted
    await expect(red).to_have_class("overdue")
    await page.locator("#lang").click()
    await expect(red.locator("td").nth(8)).to_have_text(
        "5.0% · measured over 5 callsAt the abandon target: dialing without AMD")
    await expect(estimate).to_have_text("2.0% · configuredNear the abandon target")


async def test_an_agent_previews_a_contact_calls_it_reads_the_script_and_books_a_callback(
        rig, customers, page, settings):
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(20000, 20000)))
    r = await rig(("8001",), serve=True, trunks={"customers": contact})
    campaign = (await r.engine.http.post("/campaigns", json={
        "name": "New brand", "purpose": "new_product", "agents": ["8001"], "mode": "preview",
        "script": "Introduce the new brand 新品介绍.", "caller_id": "4008001234",
        "windows": {day: [["00:00", "24:00"]] for day in WEEKDAYS},
        "starts_on": str(datetime.now(UTC).date() - timedelta(days=1))})).json()
    await r.engine.http.post(f"/campaigns/{campaign['id']}/contacts", files={
        "file": ("l.csv", b"phone,name,card,order\n13300004001,Shop A,110100001,A-9\n")})
    await r.engine.http.post(f"/campaigns/{campaign['id']}/start")
    while campaign["id"] not in r.engine.dialer.plans:  # read again every second
        await asyncio.sleep(0.1)
    await sign_in(page, r.base_url)
    await page.click("#btn-login")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    await expect(page.locator("#preview")).to_be_visible()

    await page.click("#btn-preview")
    await expect(page.locator("#preview-contact")).to_contain_text("Shop A 13300004001")
    await page.click("#btn-preview-dial")
    await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")
    await expect(page.locator("#pop-campaign-name")).to_have_text("New brand")
    await expect(page.locator("#pop-script")).to_have_text("Introduce the new brand 新品介绍.")
    await expect(page.locator("#pop-contact-fields")).to_contain_text("A-9")
    await expect(page.locator("#pop-retailer")).to_have_text("朝阳便利店 (110100001)")

    form = page.locator("#disposition-form")
    await page.evaluate("document.querySelector('#disposition-form').hidden = false")
    await form.locator("select[name=disposition]").select_option("callback_needed")
    await form.locator("input[name=callback_at]").fill("2099-01-01T10:00")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#desk-error")).to_have_text("回拨时间: 须在现在到 60 天之内")
    later = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    await form.locator("input[name=callback_at]").fill(later)
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#disposition-ok")).to_have_text("已保存")
    async with r.database() as s:
        booked = await s.scalar(select(Contact))
    assert booked.callback_agent_id == await r.agent_id("8001")
    assert booked.next_attempt_at.astimezone().strftime("%Y-%m-%dT%H:%M") == later
