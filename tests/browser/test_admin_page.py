"""The administration page in Chromium, Chinese first: an administrator signs in, creates a
supervisor, is told in Chinese why a duplicate is refused, disables the user, and reads each
change in the audit log at Beijing time; then the same page in English after the switch."""
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from models import Agent, AuditEntry, Branch, Holiday, QueueSettings
from services.demo import DEMO_PASSWORD
from tests.browser.conftest import only_local_requests, sign_in_at

pytestmark = pytest.mark.browser


async def sign_in(page, base_url: str, username: str = "admin") -> None:
    await sign_in_at(page, f"{base_url}/admin", username)


async def choose(page, select_id: str, option: str) -> None:
    # Forced (the select's own label covers it), a click skips Playwright's wait for a still
    # element: a dialog still opening on a busy machine moved the select from under it.
    await page.wait_for_function(
        "() => document.getAnimations().every((a) => a.playState !== 'running')")
    await page.locator(f"#{select_id}").click(force=True)
    await page.locator(".el-select-dropdown__item:visible", has_text=option).click()
    await expect(page.locator(".el-select-dropdown:visible")).to_have_count(0)  # closed


async def new_user(page, username: str) -> None:
    await page.locator("#new-user").click()
    form = page.locator("#user-form")
    await form.locator("input[name=username]").fill(username)
    await form.locator("input[name=password]").fill("long-enough")
    await choose(page, "form-role", "班长")
    await choose(page, "form-branch", "北京分公司")
    await page.locator("#save-user").click()


async def test_an_administrator_manages_users_in_chinese_and_english(office, page, database):
    page = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    outside = await only_local_requests(page)
    await sign_in(page, office)
    await expect(page.locator("#who")).to_have_text("admin · 系统管理员")
    await new_user(page, "sup-bj")
    row = page.locator("#users tr.user-sup-bj")
    await expect(row).to_contain_text("班长")
    await expect(row).to_contain_text("北京分公司 Beijing")
    await expect(row.locator(".status")).to_have_text("启用")

    await new_user(page, "sup-bj")  # again: refused, said in Chinese, naming the field
    await expect(page.locator("#user-form .problem")).to_have_text("用户名: 用户名已被占用")
    await page.get_by_role("button", name="取消").click()

    await row.get_by_role("button", name="停用").click()
    await page.locator(".el-message-box").get_by_role("button", name="确定").click()
    await expect(row.locator(".status")).to_have_text("停用")

    await page.get_by_role("tab", name="审计日志").click()
    entries = page.locator("#audit .el-table__body tr")
    await expect(entries).to_have_count(2)
    await expect(entries.nth(0)).to_contain_text("修改")
    await expect(entries.nth(0)).to_contain_text("状态: 启用")  # before
    await expect(entries.nth(0)).to_contain_text("状态: 停用")  # after
    await expect(entries.nth(1)).to_contain_text("新建")
    async with database() as s:
        created = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).first()
    beijing = created.at.astimezone(ZoneInfo("Asia/Shanghai"))
    await expect(entries.nth(1)).to_contain_text(beijing.strftime("%Y-%m-%d %H:%M:%S"))

    await page.locator("#lang").click()
    await expect(page.get_by_role("tab", name="Audit log")).to_be_visible()
    await expect(entries.nth(1)).to_contain_text("created")
    await expect(entries.nth(0)).to_contain_text("Status: Disabled")
    await page.get_by_role("tab", name="Users").click()
    await expect(row).to_contain_text("Supervisor")
    await expect(row.locator(".status")).to_have_text("Disabled")
    await page.reload()  # the choice is kept
    await expect(page.locator("#who")).to_have_text("admin · Administrator")
    assert outside == []


async def test_a_user_who_is_no_administrator_is_told_so(office, page):
    await sign_in(page, office, "supervisor")
    await expect(page.get_by_role("alert")).to_have_text("无权访问此页面")
    # but changes their own password here
    await page.locator("#own-password").click()
    form = page.locator("#own-password-form")
    await form.locator("input[name=current]").fill("wrong-one")
    await form.locator("input[name=new]").fill("a new passphrase")
    await page.locator("#save-own-password").click()
    await expect(form.locator(".problem")).to_have_text("当前密码: 当前密码不正确")
    await form.locator("input[name=current]").fill(DEMO_PASSWORD)
    await page.locator("#save-own-password").click()
    await expect(form).to_be_hidden()
    await page.locator("#signout").click()
    await page.locator("#signin-form input[name=username]").fill("supervisor")
    await page.locator("#signin-form input[name=password]").fill("a new passphrase")
    await page.locator("#signin-form button[type=submit]").click()
    await expect(page.locator("#who")).to_contain_text("supervisor")
    await page.locator("#signout").click()
    await page.locator("#signin-form input[name=username]").fill("admin")
    await page.locator("#signin-form input[name=password]").fill("wrong")
    await page.locator("#signin-form button[type=submit]").click()
    refused = page.locator("#signin-form").get_by_role("alert")
    await expect(refused).to_have_text("用户名或密码不正确")


async def test_an_administrator_creates_an_agent_with_skills_and_reads_its_phone_account(
        office, page, database):
    await sign_in(page, office)
    await page.get_by_role("tab", name="座席").click()
    await page.locator("#new-agent").click()
    form = page.locator("#agent-form")
    await form.locator("input[name=number]").fill("8101")
    await form.locator("input[name=name]").fill("赵敏")
    await choose(page, "agent-branch", "北京分公司")
    await form.locator("input[name=pin]").fill("4321")
    await form.get_by_text("电话订货（普通话）").click()
    await page.locator("#save-agent").click()

    account = page.locator("#sip-account")
    await expect(account.locator(".sip-user")).to_have_text("agent-8101")
    async with database() as s:
        secret = await s.scalar(select(Agent.sip_secret).where(Agent.number == "8101"))
    await expect(account.locator(".sip-secret")).to_have_text(secret)
    await page.locator("#new-sip-secret").click()  # a new password, once confirmed
    await page.locator(".el-message-box").get_by_role("button", name="确定").click()
    await expect(account.locator(".sip-secret")).not_to_have_text(secret)
    async with database() as s:
        renewed = await s.scalar(select(Agent.sip_secret).where(Agent.number == "8101"))
    assert renewed != secret
    await expect(account.locator(".sip-secret")).to_have_text(renewed)
    await page.keyboard.press("Escape")
    row = page.locator("#agents tr.agent-8101")
    await expect(row).to_contain_text("电话订货（普通话） 5")

    await page.locator("#new-agent").click()  # the same number again: refused, in Chinese
    await form.locator("input[name=number]").fill("8101")
    await form.locator("input[name=name]").fill("重复")
    await form.locator("input[name=pin]").fill("4321")
    await page.locator("#save-agent").click()
    await expect(page.locator("#agent-form .problem")).to_have_text("工号: 工号已存在")


async def test_an_administrator_adds_a_holiday_and_a_queues_offer_at_the_longest_wait(
        office, page, database):
    await sign_in(page, office)
    await page.get_by_role("tab", name="分公司与营业时间").click()
    await page.locator("#new-holiday").click()
    form = page.locator("#holiday-form")
    await form.locator("input[name=day]").fill("2027-02-06")
    await page.keyboard.press("Enter")
    await form.locator("input[name=name]").fill("春节")
    await choose(page, "holiday-branch", "北京分公司")
    await page.locator("#save-holiday").click()
    await expect(page.locator("#holidays tr.holiday-2027-02-06")).to_contain_text("春节")
    await expect(page.locator("#holidays tr.holiday-2027-02-06")).to_contain_text("北京分公司")

    await page.get_by_role("tab", name="队列设置").click()
    row = page.locator("#queues tr.queue-BJ-order")
    await row.get_by_role("button", name="修改").click()
    await choose(page, "max-wait-offer", "仅回电")
    await page.locator("#queue-form").get_by_text("座席结束通话后请来电者按键评分").click()
    await page.locator("#queue-form #wait-amber").fill("45")
    await page.locator("#queue-form #wait-red").fill("120")
    await page.locator("#save-queue").click()
    await expect(row).to_contain_text("仅回电")
    await expect(row).to_contain_text("45 s / 120 s")  # the wallboard's amber and red waits

    await page.get_by_role("tab", name="审计日志").click()
    entries = page.locator("#audit .el-table__body tr")
    await expect(entries).to_have_count(2)
    await choose(page, "audit-entity", "节假日")
    await page.get_by_role("button", name="查询").click()
    await expect(entries).to_have_count(1)
    await expect(entries.nth(0)).to_contain_text("节假日")
    async with database() as s:
        offer, survey, amber, red = (await s.execute(select(
            QueueSettings.max_wait_offer, QueueSettings.survey, QueueSettings.wait_amber_seconds,
            QueueSettings.wait_red_seconds).join(Branch).where(
            Branch.code == "BJ"))).one()
        day = await s.scalar(select(Holiday.day).where(Holiday.name == "春节"))
    assert (offer, survey, str(day)) == ("callback", True, "2027-02-06")
    assert (amber, red) == (45, 120)
