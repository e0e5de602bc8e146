"""Administration end to end on the real PBX, in Chromium: an administrator creates a branch with
its hours, a menu key, an agent with the new skill and its phone account, and the agent's login;
a sipp phone registers with the generated secret, the agent starts its session in the console,
and a sipp caller choosing the new key reaches that agent with the screen-pop: all without
restarting the engine or the PBX. The audit page lists each change; then the page in English."""
import asyncio
import time

import pytest
from playwright.async_api import expect

from asterisk.sipp_phone import Keys, Pause
from tests.browser.conftest import only_local_requests
from tests.browser.test_admin_page import choose, sign_in
from tests.pbx.test_administration_on_pbx import register

pytestmark = [pytest.mark.browser, pytest.mark.pbx]

RECYCLING_BJ = [Pause(1500), Keys("6"), Pause(1500), Keys("110100001#")]  # 朝阳便利店
PASSWORD = "a long passphrase"


async def fill(form, **fields: str) -> None:
    for name, value in fields.items():
        await form.locator(f"input[name={name}]").fill(value)


async def test_an_administrator_sets_up_a_branch_an_agent_and_a_menu_key_live(
        rig, sipp, softphones, settings, page, tmp_path):
    r = await rig(serve=True)  # no agent yet: the administrator makes one
    admin = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    outside = await only_local_requests(admin)
    await sign_in(admin, r.base_url)

    await admin.get_by_role("tab", name="分公司与营业时间").click()
    await admin.locator("#new-branch").click()
    await fill(admin.locator("#branch-form"), code="TJ", name="天津分公司",
               **{"hours-mon": "08:00-12:00, 13:00-18:00", "hours-sat": "09:00-12:00"})
    await admin.locator("#save-branch").click()
    await expect(admin.locator("#branches tr.branch-TJ")).to_contain_text(
        "周一 08:00-12:00, 13:00-18:00；周六 09:00-12:00")

    await admin.get_by_role("tab", name="语音菜单").click()
    await admin.locator("#new-business-type").click()
    menu_changed = time.monotonic()
    await fill(admin.locator("#business-type-form"), code="recycling", name_zh="回收业务",
               name_en="recycling", menu_key="6")
    await admin.locator("#save-business-type").click()
    await expect(admin.locator("#business-types tr.bt-recycling")).to_contain_text("按名称合成")
    print(f"menu changed in the page -> offered: {time.monotonic() - menu_changed:.2f} s")

    await admin.get_by_role("tab", name="座席").click()
    await admin.locator("#new-agent").click()
    form = admin.locator("#agent-form")
    await fill(form, number="8101", name="赵敏", pin="4321")
    await choose(admin, "agent-branch", "北京分公司")
    await form.get_by_text("回收业务").click()
    await admin.locator("#save-agent").click()
    secret = admin.locator("#sip-account .sip-secret")
    await expect(secret).not_to_be_empty()
    sip_secret = (await secret.text_content() or "").strip()
    await admin.keyboard.press("Escape")

    await admin.get_by_role("tab", name="用户").click()
    await admin.locator("#new-user").click()
    await fill(admin.locator("#user-form"), username="8101", password=PASSWORD, agent="8101")
    await choose(admin, "form-branch", "北京分公司")  # the role is an agent's by default
    await admin.locator("#save-user").click()
    await expect(admin.locator("#users tr.user-8101")).to_contain_text("座席")

    phone = await softphones()
    assert await register(settings, tmp_path, "agent-8101", sip_secret, phone) == 0
    console = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    await console.goto(f"{r.base_url}/console")
    await console.fill("input[name=username]", "8101")
    await console.fill("input[name=password]", PASSWORD)
    await console.click("#signin-form button[type=submit]")
    await console.click("#btn-login")
    await r.wait_state("8101", "available", timeout=30)

    call = asyncio.create_task(sipp.call("4000", script=RECYCLING_BJ, caller="13300000003",
                                         hold_ms=8000, timeout=60))
    _, agent_id = await r.joined("13300000003")
    await expect(console.locator("#pop-retailer")).to_have_text("朝阳便利店 (110100001)")
    await call
    accounts = (await r.engine.http.get("/agent-accounts")).json()
    assert agent_id == next(a["id"] for a in accounts if a["number"] == "8101")

    await admin.get_by_role("tab", name="审计日志").click()
    entries = admin.locator("#audit .el-table__body tr")
    for said in ("分公司 TJ", "营业时间 TJ", "菜单项 recycling", "座席 8101", "用户名: 8101"):
        await expect(entries.filter(has_text=said)).not_to_have_count(0)
    await admin.locator("#lang").click()
    await expect(entries.filter(has_text="menu item recycling")).to_have_count(1)
    await admin.get_by_role("tab", name="Phone menu").click()
    await expect(admin.locator("#business-types tr.bt-recycling")).to_contain_text(
        "spoken from the name")
    await admin.get_by_role("tab", name="Branches and hours").click()
    await expect(admin.locator("#branches tr.branch-TJ")).to_contain_text(
        "Mon 08:00-12:00, 13:00-18:00")
    assert outside == []
