"""The console's order form in Chromium, without telephony: for the caller's retailer (a screen-pop
put into the agent's live feed, as the engine sends one) each line says, before the order is
submitted, what the retailer's ordering cycle holds of its product with the line, what it may
still order and whether the product is on supply; after an order of 50 against a limit of 50 the
line says nothing is left, and a second order is refused naming the rule with what was ordered
and what is left, in Chinese and then in English; the next caller, not identified, takes the cycle
off the form."""
import json
import re

import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from models import Order, Retailer
from models.catalogue import Product
from services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


async def retailer_and_products(database) -> tuple[dict, dict]:
    async with database() as s:
        r = await s.scalar(select(Retailer).where(Retailer.card_number == "110100001"))
        products = {p.name: str(p.id) for p in await s.scalars(select(Product))}
        pop = {"id": r.id, "name": r.name, "card_number": r.card_number,
               "branch_id": r.branch_id, "branch": "BJ", "branch_name": "北京分公司",
               "retailer_class": r.retailer_class, "status": "active",
               "phones": [p.number for p in r.phones]}
    return pop, products


def screen_pop(last: dict, call: str, retailer: dict | None) -> str:
    """The frame the engine sends when a call (of this retailer, or of none the IVR knew)
    reaches the agent."""
    return json.dumps({"epoch": last["epoch"], "seq": last["seq"] + 1, "kind": "screen_pop",
                       "at": 0, "data": {
                           "call_id": call, "direction": "inbound",
                           "caller_number": "13800010001", "queue": "BJ-order",
                           "branch": "BJ", "waited_seconds": 3,
                           "retailer_id": retailer and retailer["id"],
                           "business_type": {"code": "order", "name_zh": "电话订货",
                                             "name_en": "Order"},
                           "ivr_path": [], "retailer": retailer, "recent_orders": [],
                           "open_cases": []}})


async def test_the_order_form_says_the_cycles_allowance_before_submitting(office, page,
                                                                          database):
    retailer, products = await retailer_and_products(database)
    frames: list[dict] = []
    feeds = []

    def relay(ws):  # the page's live feed, passed through, and one frame more when asked
        server = ws.connect_to_server()

        def from_server(message):
            frames.append(json.loads(message))
            ws.send(message)
        server.on_message(from_server)
        feeds.append(ws)
    await page.route_web_socket(re.compile(r".*/ws/agent$"), relay)
    await page.goto(f"{office}/console")
    await page.locator("#signin-form input[name=username]").fill("8001")
    await page.locator("#signin-form input[name=password]").fill(DEMO_PASSWORD)
    await page.locator("#signin-form button[type=submit]").click()
    await expect(page.locator("#link")).to_have_attribute("data-up", "true")
    feeds[-1].send(screen_pop(frames[-1], "cycle-1", retailer))
    await expect(page.locator("#order-retailer")).to_have_text("朝阳便利店 (110100001)")
    await expect(page.locator("#order-cycle")).to_have_text(
        re.compile(r"^订货周期 \d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d$"))

    line = page.locator("#order-lines .line").first
    said = line.locator(".allowance")
    await line.locator("select").select_option(products["玉溪（软）"])
    await line.locator("input").fill("50")
    await expect(said).to_have_text("本周期已订 0，含本行 50 · 还可订 50 · 有货")
    await expect(said).not_to_have_class(re.compile("error"))
    await page.click("#order-form button[type=submit]")
    await expect(page.locator("#order-ok")).to_contain_text("订单 #")
    await expect(said).to_have_text("本周期已订 50，含本行 100 · 还可订 0 · 有货")
    await expect(said).to_have_class(re.compile("error"))

    await page.click("#order-form button[type=submit]")
    refused = page.locator("#order-errors li")
    await expect(refused).to_have_text(
        "订货行 1 · 数量: 超过该零售店本订货周期的上限 50（本周期已订 50，还可订 0）")
    async with database() as s:
        assert await s.scalar(select(func.count()).select_from(Order).where(
            Order.retailer_id == retailer["id"], Order.amount == 50 * 230)) == 1

    await page.locator("#lang").click()
    await expect(said).to_have_text("50 ordered this cycle, 100 with this line · 0 left · "
                                    "on supply")
    await expect(refused).to_have_text(
        "Line 1 · Quantity: Above the retailer's upper limit of 50 in the ordering cycle "
        "(50 ordered, 0 left)")
    await expect(page.locator("#order-cycle")).to_contain_text("Ordering cycle ")
    await line.locator("select").select_option(products["利群（新版）"])  # not on supply in BJ
    await expect(said).to_have_text("0 ordered this cycle, 50 with this line · 50 left · "
                                    "off supply")

    # the next call's caller is not known: the form has no retailer, nor its cycle
    feeds[-1].send(screen_pop(frames[-1], "cycle-2", None))
    await expect(page.locator("#order-retailer")).to_have_text("—")
    await expect(page.locator("#order-cycle")).to_have_text("")
    await expect(said).to_have_text("")
