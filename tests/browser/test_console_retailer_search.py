"""Finding a retailer in the console, in Chromium at Beijing time: an agent of Beijing finds its
branch's retailers by name and by phone (never Shanghai's), chooses one from the keyboard, takes an
order and records an opinion for it with no call (both stored with no call), and goes back to no
retailer; headquarters finds every branch's; the same page in English. On the real PBX, a caller
who pressed 0 and keyed no card has the retailer found by the agent, the order and the opinion
linked to that call."""
import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from asterisk.sipp_phone import Keys, Pause
from models import Call, Order, OrderStatus, Retailer, User
from models.catalogue import Product
from models.opinions import Opinion
from services.demo import DEMO_PASSWORD
from tests.browser.conftest import only_local_requests
from tests.browser.test_agent_console import sign_in

pytestmark = pytest.mark.browser

LATE_EVENING_UTC = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
NEXT_MORNING_BEIJING = "2026-03-02 07:30"


async def console_at_beijing_time(page, base_url: str, username: str):
    page = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    outside = await only_local_requests(page)
    await page.goto(f"{base_url}/console")
    await page.fill("#signin-form input[name=username]", username)
    await page.fill("#signin-form input[name=password]", DEMO_PASSWORD)
    await page.click("#signin-form button[type=submit]")
    await expect(page.locator("#who")).to_contain_text(username)
    return page, outside


async def find(page, q: str) -> None:
    await page.fill("#find-q", q)
    await page.press("#find-q", "Enter")


async def retailer(database, card: str) -> Retailer:
    async with database() as s:
        return await s.scalar(select(Retailer).where(Retailer.card_number == card))


async def product(database, name: str) -> int:
    async with database() as s:
        return await s.scalar(select(Product.id).where(Product.name == name))


async def test_a_beijing_agent_finds_its_retailers_and_takes_an_order_and_an_opinion_with_no_call(
        office, page, database):
    haidian = await retailer(database, "110100002")
    async with database() as s, s.begin():
        s.add(Order(retailer_id=haidian.id, created_at=LATE_EVENING_UTC, amount=Decimal("300.00"),
                    status=OrderStatus.DELIVERED))
    page, outside = await console_at_beijing_time(page, office, "8001")
    found = page.locator("#find-results li")

    await find(page, "便利")  # by name
    await expect(found).to_have_count(1)
    await expect(found).to_contain_text("朝阳便利店 · 110100001 · 北京分公司 Beijing · A 类 · 正常")
    for shanghai in ("浦东", "13900020001", "3101"):  # Shanghai's by name, phone or card
        await find(page, shanghai)
        await expect(found).to_have_text([f"没有与“{shanghai}”相符的零售店"])
    await find(page, "1")
    await expect(page.locator("#find-errors li")).to_have_text("查找内容: 至少 2 个字符")

    await find(page, "01062000002")  # by phone; chosen from the keyboard
    await expect(page.locator("#find-errors li")).to_have_count(0)
    await expect(found).to_have_count(1)
    await expect(found).to_contain_text("海淀烟酒行 · 110100002 · 北京分公司 Beijing · B 类 · 正常")
    await page.press("#find-q", "ArrowDown")
    await expect(found.first).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(found.first).to_have_attribute("aria-selected", "true")
    for shown in ("#order-retailer", "#opinion-retailer", "#form-retailer-name"):
        await expect(page.locator(shown)).to_have_text("海淀烟酒行 (110100002)")
    await expect(page.locator("#form-retailer-from")).to_have_text("· 查找选定")
    # Click-to-dial the retailer found: an agent not on the phone is told to be available first.
    await expect(page.locator("#call-phone option")).not_to_have_count(0)
    await page.get_by_role("button", name="拨打该零售店").click()
    await expect(page.locator("#call-errors")).to_contain_text("请先就绪再拨打")
    last_order = page.locator("#found-orders tr").first
    await expect(last_order).to_contain_text(NEXT_MORNING_BEIJING)  # at the reader's clock
    await expect(last_order).to_contain_text("已配送")

    # an order with no call: the products of the retailer's branch, then the order stored
    await expect(page.locator("#order-lines .line select option")).not_to_have_count(0)
    zhonghua = await product(database, "中华（硬）")
    await page.select_option("#order-lines .line select", str(zhonghua))
    await page.fill("#order-lines .line input", "2")
    await page.click("#order-form button[type=submit]")
    await expect(page.locator("#order-ok")).to_contain_text("订单 #")
    await page.fill("#opinion-form textarea[name=text]", "希望周六也能送货")
    await page.select_option("#opinion-form select[name=kind]", "suggestion")
    await page.click("#opinion-form button[type=submit]")
    await expect(page.locator("#opinion-ok")).to_contain_text("已记录")
    async with database() as s:
        agent = await s.scalar(select(User).where(User.username == "8001"))
        order = await s.scalar(select(Order).order_by(Order.id.desc()))
        assert (order.retailer_id, order.call_id, order.channel, order.created_by,
                order.amount) == (haidian.id, None, "phone", agent.id, Decimal("900.00"))
        opinion = await s.scalar(select(Opinion).order_by(Opinion.id.desc()))
        assert (opinion.retailer_id, opinion.call_id, opinion.kind, opinion.text,
                opinion.branch_id) == (haidian.id, None, "suggestion", "希望周六也能送货",
                                       haidian.branch_id)

    # no screen-pop to go back to: the choice is cleared, and an opinion needs a retailer again
    back = page.locator("#btn-pop-retailer")
    await expect(back).to_have_text("取消选定的零售店")
    await back.click()
    await expect(back).to_be_hidden()
    await expect(page.locator("#order-retailer")).to_have_text("—")
    await expect(page.locator("#opinion-retailer")).to_have_text("—")
    await expect(page.locator("#found-orders tr")).to_have_count(0)
    await page.fill("#opinion-form textarea[name=text]", "再试一次")
    await page.click("#opinion-form button[type=submit]")
    await expect(page.locator("#opinion-errors li")).to_have_text("零售店: 请先识别零售店")

    # the same in English
    await page.locator("#lang").click()
    await expect(page.get_by_role("heading", name="Find a retailer")).to_be_visible()
    await expect(page.locator("#find-q")).to_have_attribute("placeholder", "Card, phone or name")
    await expect(found).to_contain_text(
        "海淀烟酒行 · 110100002 · 北京分公司 Beijing · class B · active")
    await found.first.click()
    await expect(page.locator("#form-retailer-from")).to_have_text("· chosen from the search")
    await expect(back).to_have_text("Clear the chosen retailer")
    await expect(page.locator("#found-orders tr")).to_have_count(2)  # the one just taken first
    await expect(page.locator("#found-orders tr").first).to_contain_text("accepted")
    await expect(page.locator("#found-orders tr").last).to_contain_text(NEXT_MORNING_BEIJING)
    await expect(page.locator("#found-orders tr").last).to_contain_text("delivered")
    await find(page, "x")
    await expect(page.locator("#find-errors li")).to_have_text("Search: at least 2 characters")
    await find(page, "浦东")
    await expect(found).to_have_text(["No retailer matches '浦东'"])
    assert outside == []


async def test_headquarters_finds_every_branchs_retailers(office, page, database):
    page, _ = await console_at_beijing_time(page, office, "8005")
    found = page.locator("#find-results li")
    await find(page, "浦东")
    await expect(found).to_have_count(1)
    await expect(found).to_contain_text("浦东超市 · 310100001 · 上海分公司 Shanghai · A 类")
    await find(page, "13")  # every branch's phones, and a retailer of no branch
    await expect(found).to_contain_text(["朝阳便利店", "海淀烟酒行", "东城小卖部", "浦东超市",
                                         "徐汇烟杂店", "待分配零售户 · 990000001 · 总部"])


@pytest.mark.pbx
async def test_a_caller_without_a_card_has_the_retailer_found_and_the_order_on_the_call(
        rig, sipp, page, database):
    """The operator key (0) goes to headquarters with no retailer: the agent finds one, and the
    order and the opinion taken on the call are linked to it; back to the screen-pop's retailer
    is no retailer."""
    r = await rig(("8005",), serve=True)
    await sign_in(page, r.base_url, "8005")
    await page.click("#btn-login")
    await expect(page.locator("#state")).to_have_attribute("data-state", "available")
    call = asyncio.create_task(sipp.call("4000", script=[Pause(1000), Keys("0")],
                                         caller="13300000077", hold_ms=60000, timeout=90))
    await expect(page.locator("#state")).to_have_attribute("data-state", "on_call")
    await expect(page.locator("#pop-retailer")).to_have_text("未识别零售店")
    await expect(page.locator("#order-retailer")).to_have_text("—")

    await find(page, "徐汇")
    await page.locator("#find-results li").first.click()
    await expect(page.locator("#order-retailer")).to_have_text("徐汇烟杂店 (310100002)")
    await expect(page.locator("#order-lines .line select option")).not_to_have_count(0)
    await page.fill("#order-lines .line input", "3")
    await page.click("#order-form button[type=submit]")
    await expect(page.locator("#order-ok")).to_contain_text("订单 #")
    await page.fill("#opinion-form textarea[name=text]", "店里没接到配送电话")
    await page.click("#opinion-form button[type=submit]")
    await expect(page.locator("#opinion-ok")).to_contain_text("已记录")
    await page.click("#btn-hangup")
    await expect(page.locator("#state")).to_have_attribute("data-state", "wrap_up")
    await call

    xuhui = await retailer(database, "310100002")
    async with database() as s:
        order = await s.scalar(select(Order).order_by(Order.id.desc()))
        opinion = await s.scalar(select(Opinion).order_by(Opinion.id.desc()))
        taken_on = await s.get(Call, order.call_id)
        assert (order.retailer_id, opinion.retailer_id, opinion.call_id) == (
            xuhui.id, xuhui.id, order.call_id)
        assert order.call_id is not None
        assert (taken_on.caller_number, taken_on.retailer_id) == ("13300000077", None)
