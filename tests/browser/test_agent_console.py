"""An agent works a real call in the console page on Chromium: signs in, starts the session, a
sipp caller goes through IVR and ACD to this agent, the screen-pop shows the caller's retailer,
the agent captures an order and an opinion from the page (they land in the database), searches
the knowledge base, and sets the disposition at the wrap-up."""
import asyncio

import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from asterisk.sipp_phone import Keys, Pause
from models import Order
from models.opinions import Opinion

pytestmark = [pytest.mark.browser, pytest.mark.pbx]

ORDER_BJ = [Pause(1500), Keys("1"), Pause(1500), Keys("110100001#")]  # 朝阳便利店, class A


async def sign_in(page, base_url: str, user: str = "8001") -> None:
    await page.goto(f"{base_url}/console")
    await page.fill("input[name=username]", user)
    await page.fill("input[name=password]", "hotline-demo")
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#who")).to_contain_text(user)
    await expect(page.locator("#link")).to_have_attribute("data-up", "true")


async def test_an_agent_takes_a_call_and_captures_an_order_and_an_opinion(rig, sipp, page,
                                                                           database):
    r = await rig(("8001",), serve=True)
    await sign_in(page, r.base_url)
    await page.click("#btn-login")
    # 30 s: as the first test of a fresh clone in CI, the phone's login once took over 15 s.
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    await expect(page.locator("#state")).to_have_text("就绪")

    call = asyncio.create_task(sipp.call("4000", script=ORDER_BJ, caller="13300000001",
                                         hold_ms=15000, timeout=60))
    await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")
    await expect(page.locator("#state")).to_have_text("通话中")
    await expect(page.locator("#pop-retailer")).to_have_text("朝阳便利店 (110100001)")
    await expect(page.locator("#pop-retailer-facts")).to_contain_text("A 类")
    await expect(page.locator("#pop-orders tr")).not_to_have_count(0)
    await expect(page.locator("#order-retailer")).to_contain_text("朝阳便利店")

    # a line the review refuses (above the retailer's upper limit): the rule is named, no order
    await page.fill("#order-lines .line input", "999")
    await page.click("#order-form button[type=submit]")
    await expect(page.locator("#order-errors li")).not_to_have_count(0)
    async with database() as s:
        assert await s.scalar(select(func.count()).select_from(Order)
                              .where(Order.channel == "phone", Order.amount > 5000)) == 0
    await page.fill("#order-lines .line input", "2")
    await page.click("#order-form button[type=submit]")
    await expect(page.locator("#order-ok")).to_contain_text("订单 #")

    await page.select_option("#opinion-form select[name=kind]", "complaint")
    await page.select_option("#opinion-form select[name=subject]", "logistics")
    await page.fill("#opinion-form textarea[name=text]", "上周的货晚到了两天")
    await page.click("#opinion-form button[type=submit]")
    await expect(page.locator("#opinion-ok")).to_contain_text("已记录")

    await page.fill("#kb-form input[name=q]", "退货")
    await page.click("#kb-form button[type=submit]")
    await expect(page.locator("#kb-results li strong")).to_have_text(["退货流程"])

    async with database() as s:
        opinion = await s.scalar(select(Opinion).order_by(Opinion.id.desc()))
        assert opinion.text == "上周的货晚到了两天" and opinion.subject == "logistics"
        order = await s.scalar(select(Order).order_by(Order.id.desc()))
        assert order.channel == "phone" and order.amount > 0

    await expect(page.locator("#disposition-form")).to_be_visible()  # call ended
    await expect(page.locator("#state")).to_have_text("话后整理")
    await page.click("#disposition-form button[type=submit]")
    await expect(page.locator("#disposition-ok")).to_have_text("已保存")
    await call


async def test_a_wrong_password_is_told_and_keeps_the_sign_in_form(rig, page):
    r = await rig(serve=True)
    await page.goto(f"{r.base_url}/console")
    await page.fill("input[name=username]", "8001")
    await page.fill("input[name=password]", "wrong")
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#signin-error")).to_have_text("用户名或密码不正确")
    await expect(page.locator("#desk")).to_be_hidden()


async def test_a_login_reply_slower_than_the_live_feed_does_not_undo_available(rig, page):
    """A login's reply made before the phone answered ("paused", for the login) reaches the page
    after the feed's "available" (a busy machine): the page keeps the later state."""
    r = await rig(("8001",), serve=True)
    await sign_in(page, r.base_url)
    sent = asyncio.Event()

    async def late_reply(route):
        reply = await route.fetch()
        made_before_the_answer = {**await reply.json(), "state": "paused",
                                  "pause_reason": "login"}
        await expect(page.locator("#state")).to_have_attribute(  # fed
            "data-state", "available")
        await page.evaluate("document.querySelector('#desk-error').textContent = 'waiting'")
        await route.fulfill(response=reply, json=made_before_the_answer)
        sent.set()
    await page.route("**/agents/8001/login", late_reply)
    await page.click("#btn-login")
    await sent.wait()
    await expect(page.locator("#desk-error")).to_have_text("")  # the reply was handled
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    assert (await r.agent("8001"))["state"] == "available"
