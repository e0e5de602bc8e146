"""Call control in the console on the real PBX, in Chromium: the agent hangs up the caller with
the page's button and stays in the session (wrap-up, then available for the next call)."""
import asyncio

import pytest
from playwright.async_api import expect

from asterisk.sipp_phone import Keys, Pause
from tests.browser.test_agent_console import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.pbx]

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]


async def test_the_agent_hangs_up_from_the_console_and_stays_in_the_session(rig, sipp, page):
    r = await rig(("8001",), serve=True)
    await sign_in(page, r.base_url)
    state = page.locator("#state")
    await expect(page.locator("#btn-hangup")).to_be_disabled()
    await page.click("#btn-login")
    await expect(state).to_have_attribute("data-state", "available", timeout=30000)

    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=60000, timeout=90))
    await expect(state).to_have_attribute("data-state", "on_call", timeout=30000)
    await page.click("#btn-hangup")
    await expect(state).to_have_attribute("data-state", "wrap_up")
    await call  # ended by the agent, long before the caller's minute
    await expect(page.locator("#btn-hangup")).to_be_disabled()
    await r.wait_state("8001", "available", timeout=30)
    await expect(state).to_have_attribute("data-state", "available")
