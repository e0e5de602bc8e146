"""The wallboard on the wall, in Chromium against the real PBX: in TV mode (no controls, the
figures in large type) it shows the totals and the agents counted by state; a queue stays
uncoloured while its callers are answered at once, turns amber and then red as a caller waits past
the queue's own thresholds; each queue's service-level gauge and the trend of today's calls per 15
minutes are drawn from the same feed. Agents are refused the feed."""
import asyncio
import json

import pytest
import websockets
from playwright.async_api import expect

from asterisk.sipp_phone import Keys, Pause
from tests.pbx.test_live_events import token

pytestmark = [pytest.mark.browser, pytest.mark.pbx]

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]
THRESHOLDS = {"wait_amber_seconds": 3, "wait_red_seconds": 7}

TREND_TOTALS = """() => {
  const chart = window.echarts.getInstanceByDom(document.querySelector('#trend'));
  if (!chart) return null;
  const sum = (i) => chart.getOption().series[i].data.reduce((a, b) => a + b, 0);
  return [sum(0), sum(1), sum(2)].join('/');
}"""
GAUGE = """(queue) => {
  const box = document.querySelector(`.gauge[data-queue='${queue}'] .chart`);
  const chart = box && window.echarts.getInstanceByDom(box);
  return chart ? chart.getOption().series[0].data[0].value : null;
}"""


async def test_the_wallboard_on_the_wall_colours_a_waiting_queue_and_draws_gauge_and_trend(
        rig, sipp, page):
    r = await rig(("8001",), serve=True, queue_settings={"BJ-order": THRESHOLDS})
    await page.goto(f"{r.base_url}/wallboard?tv=1")
    await page.fill("input[name=username]", "supervisor")
    await page.fill("input[name=password]", "hotline-demo")
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#link")).to_have_attribute("data-up", "true")
    await expect(page.locator("body")).to_have_class("tv")
    for control in ("#btn-tv", "#btn-signout", "#lang", "#to-supervisor", "#agents"):
        await expect(page.locator(control)).to_be_hidden()
    states = page.locator("#states")
    await expect(states.locator("[data-state=available] .value")).to_have_text("0")
    await expect(states.locator("[data-state=available] .label")).to_have_text("就绪")

    await r.login("8001")
    await expect(states.locator("[data-state=available] .value")).to_have_text("1")
    first = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                          hold_ms=35000, timeout=80))
    await expect(states.locator("[data-state=on_call] .value")).to_have_text("1")
    queue = page.locator("#queues tr[data-queue='BJ-order']")
    await expect(queue).to_have_attribute("data-alert", "ok")  # a caller answered at once
    await expect(page.locator("#totals [data-total=offered] .value")).to_have_text("1")

    # the second caller waits behind (the agent talks on) and hangs up after 15 s
    second = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000002",
                                           hold_ms=15000, timeout=60))
    await expect(page.locator("#totals [data-total=waiting] .value")).to_have_text(
        "1")
    await expect(queue).to_have_attribute("data-alert", "amber")
    await expect(queue).to_have_attribute("data-alert", "red")
    await expect(page.locator("#totals [data-total=longest_wait]")).to_have_attribute(
        "data-alert", "red")
    await expect(queue.locator("td").nth(0)).to_have_text("北京分公司 Beijing · 电话订货")
    await expect(page.locator("#totals [data-total=offered] .value")).to_have_text("2")

    await second
    await expect(page.locator("#totals [data-total=abandoned] .value")).to_have_text("1")
    # nobody waits, and one caller who gave up within the service level's 20 s counts neither way
    await expect(queue).to_have_attribute("data-alert", "ok")
    await expect(page.locator("#totals [data-total=answered] .value")).to_have_text("1")
    # the trend: both calls offered today, one answered, one abandoned; the gauge: the level
    await page.wait_for_function(f"() => ({TREND_TOTALS})() === '2/1/1'")
    await expect(page.locator("#trend canvas")).to_have_count(1)
    gauge = page.locator(".gauge[data-queue='BJ-order']")
    await expect(gauge.locator("canvas")).to_have_count(1)
    level = await page.evaluate(GAUGE, "BJ-order")
    service = await page.locator("#totals [data-total=service_level] .value").inner_text()
    assert (level, service) == (100, "100%")  # one queue: its gauge is the total
    await first

    # an agent may not watch the wallboard
    async with websockets.connect(f"{r.ws_url}/ws/wallboard") as ws:
        await ws.send(json.dumps({"token": await token(r, "8001")}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4403
