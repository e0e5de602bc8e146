"""A supervisor's desk on Chromium against the real PBX: it shows, live, an agent on a call and a
caller waiting in the queue behind; the Listen button on the agent's row reaches the API, rings
the supervisor's phone into the call, and the row then shows the monitoring."""
import asyncio

import pytest
from playwright.async_api import expect

from asterisk.events import ChanSpyStart
from asterisk.sipp_phone import Keys, Pause, Tone
from tests.pbx.test_monitoring import spy_event

pytestmark = [pytest.mark.browser, pytest.mark.pbx]

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]


async def test_the_supervisor_desk_shows_calls_live_and_listens_from_an_agents_row(rig, sipp, page):
    r = await rig(("8001",), serve=True,
                  extra_phones={"supervisor-1": Tone(2500, 60_000)})
    await page.goto(f"{r.base_url}/supervisor")
    await page.fill("input[name=username]", "supervisor")
    await page.fill("input[name=password]", "hotline-demo")
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#link")).to_have_attribute("data-up", "true")
    agent_row = page.locator("#agents tr[data-agent='8001']")
    await expect(agent_row.locator(".state")).to_have_text("未上线")

    await r.login("8001")
    await expect(agent_row.locator(".state")).to_have_attribute("data-state", "available")
    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                          hold_ms=20000, timeout=60))
    await expect(agent_row.locator(".state")).to_have_attribute("data-state", "on_call")
    await expect(agent_row.locator(".state")).to_have_text("通话中")
    second = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000002",
                                           hold_ms=12000, timeout=60))
    queue_row = page.locator("#queues tr[data-queue='BJ-order']")
    await expect(queue_row.locator("td").nth(1)).to_have_text("1")

    started = asyncio.get_running_loop().time()
    await agent_row.locator("button[data-action='listen-8001']").click()
    await expect(page.locator("#board-ok")).to_contain_text("8001: 监听")
    await spy_event(r, ChanSpyStart, "listen", 0)
    await expect(agent_row.locator(".badge")).to_have_text("supervisor: 监听 ")
    assert asyncio.get_running_loop().time() - started < 10
    await agent_row.locator("button[data-action='stop-8001']").click()
    await expect(agent_row.locator(".badge")).to_have_count(0)
    await asyncio.gather(first, second)

