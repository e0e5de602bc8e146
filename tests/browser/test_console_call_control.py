"""Call control in the console on the real PBX, in Chromium: the agent hangs up the caller with
the page's button and stays in the session (wrap-up, then available for the next call); holds,
mutes, keys digits, consults a supervisor and goes back to the caller, and transfers."""
import asyncio
import time

import pytest
from playwright.async_api import expect

from asterisk.sipp_phone import Keys, Pause
from tests.browser.test_agent_console import sign_in
from tests.pbx.test_call_control import bridged_with

pytestmark = [pytest.mark.browser, pytest.mark.pbx]

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]


async def test_the_agent_hangs_up_from_the_console_and_stays_in_the_session(rig, sipp, page):
    r = await rig(("8001",), serve=True)
    await sign_in(page, r.base_url)
    state = page.locator("#state")
    await expect(page.locator("#btn-hangup")).to_be_disabled()
    await page.click("#btn-login")
    await expect(state).to_have_attribute("data-state", "available")

    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=60000, timeout=90))
    await expect(state).to_have_attribute("data-state", "on_call")
    await page.click("#btn-hangup")
    await expect(state).to_have_attribute("data-state", "wrap_up")
    await call  # ended by the agent, long before the caller's minute
    await expect(page.locator("#btn-hangup")).to_be_disabled()
    await r.wait_state("8001", "available", timeout=30)
    await expect(state).to_have_attribute("data-state", "available")


async def test_the_agent_holds_resumes_and_transfers_from_the_console(rig, sipp, page):
    # 8002 takes complaints, not orders; the supervisor's phone answers one call
    r = await rig(("8001", "8002"), serve=True, extra_phones={"supervisor-1": None})
    await r.login("8002")
    phones_held = asyncio.Event()  # the supervisors' phones come after the branch's agents

    async def hold_phones(route):
        await phones_held.wait()
        await route.continue_()

    await page.route("**/call/consult/phones", hold_phones)
    await sign_in(page, r.base_url)
    state = page.locator("#state")
    await page.click("#btn-login")
    await expect(state).to_have_attribute("data-state", "available")
    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=120_000, timeout=180))  # 8002 ends it
    await expect(state).to_have_attribute("data-state", "on_call")

    hold = page.locator("#btn-hold")
    await expect(hold).to_have_text("保持")
    await hold.click()
    await expect(hold).to_have_text("恢复通话")
    await expect(state).to_have_attribute("data-state", "on_call")  # still the agent's call
    await hold.click()
    await expect(hold).to_have_text("保持")
    mute = page.locator("#btn-mute")
    await mute.click()
    await expect(mute).to_have_text("取消静音")
    await mute.click()
    await expect(mute).to_have_text("静音")
    await page.fill("#dtmf", "12#")
    await page.press("#dtmf", "Enter")
    await expect(page.locator("#dtmf")).to_have_value("")  # sent
    await expect(page.locator("#desk-error")).to_be_empty()

    # A consultation with the supervisor (first, though the agents were listed before), then
    # back to the caller.
    await expect(page.locator("#consult-to")).to_have_value("agent:8002")
    phones_held.set()
    await expect(page.locator("#consult-to")).to_have_value("supervisor:supervisor")
    await page.click("#btn-consult")
    await expect(page.locator("#btn-consult-return")).to_be_visible()
    await expect(hold).to_have_text("恢复通话")
    returning = time.monotonic()
    await page.click("#btn-consult-return")
    await expect(page.locator("#consult-steps")).to_be_hidden()
    await expect(hold).to_have_text("保持")
    await expect(page.locator("#desk-error")).to_be_empty()
    await bridged_with(r, "13300000001", await r.agent_id("8001"), returning)
    assert (await r.agent("8001"))["state"] == "on_call"
    await expect(state).to_have_attribute("data-state", "on_call")

    # The list names the queues and the branch's agents with their states.
    await expect(page.locator("#transfer-queue optgroup[label='座席'] option")).to_contain_text(
        ["8002 · 就绪"])
    await page.select_option("#transfer-queue", "queue:BJ-complaint")
    await expect(page.locator("#transfer-queue option:checked")).to_have_text(
        "北京分公司 Beijing · 投诉建议")
    await page.click("#btn-transfer")
    await expect(state).to_have_attribute("data-state", "wrap_up")
    _, taken_by = await r.joined("13300000001")  # the first bridge: this agent
    await r.wait_state("8002", "on_call", timeout=30)  # the complaint agent has the caller now
    await r.post("/agents/8002/call/hangup")
    await call
    assert taken_by == await r.agent_id("8001")
