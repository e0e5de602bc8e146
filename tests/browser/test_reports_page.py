"""The reports page in Chromium as an operations manager uses it: signs in, picks the orders
report for a week of known orders, reads the figures in the table and the chart, is told in
Chinese why a range the wrong way round is refused, downloads the Excel file and finds the
same figures in its cells, then reads the headers in English after the switch. An
administrator schedules the report weekly for two addresses, told first why an address is
refused, sees it listed and deletes it."""
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from playwright.async_api import expect
from sqlalchemy import select

from models import Order, OrderStatus, Retailer
from models.catalogue import Product
from models.orders import OrderLine
from services.reports.rollup import roll
from tests.browser.conftest import only_local_requests, sign_in_at
from tests.browser.test_admin_page import choose

pytestmark = pytest.mark.browser


async def seed_orders(sessions) -> None:
    """Three orders of the week of 2025-03-03 in Beijing and Shanghai, one cancelled."""
    async with sessions() as s, s.begin():
        card = {r.card_number: r.id for r in await s.scalars(select(Retailer))}
        product = {p.name: p for p in await s.scalars(select(Product))}

        def order(retailer, at, channel, status, name, n):
            p = product[name]
            s.add(Order(retailer_id=card[retailer], created_at=at, channel=channel, status=status,
                        amount=p.unit_price * n, lines=[OrderLine(
                            product_id=p.id, quantity=n, unit_price=p.unit_price,
                            amount=p.unit_price * n)]))
        order("110100001", datetime(2025, 3, 3, 2, tzinfo=UTC), "phone", OrderStatus.ACCEPTED,
              "中华（硬）", 2)  # 900, Monday
        order("110100002", datetime(2025, 3, 4, 3, tzinfo=UTC), "ivr", OrderStatus.ACCEPTED,
              "玉溪（软）", 3)  # 690, Tuesday
        order("310100001", datetime(2025, 3, 4, 5, tzinfo=UTC), "phone", OrderStatus.DELIVERED,
              "云烟（紫）", 10)  # 1100, Tuesday
        order("110100001", datetime(2025, 3, 5, 5, tzinfo=UTC), "phone", OrderStatus.CANCELLED,
              "中华（硬）", 1)
    async with sessions() as s:  # into the facts the reports read, as the engine's roll-up would
        await roll(s, datetime.now(UTC))


async def pick_day(page, picker: str, day: str) -> None:
    field = page.locator(f"input#{picker}")
    await field.fill(day)
    await field.press("Enter")
    await expect(field).to_have_value(day)


async def test_an_ops_manager_reads_charts_and_downloads_the_orders_report(
        office, database, page, tmp_path):
    await seed_orders(database)
    outside = await only_local_requests(page)
    await sign_in_at(page, f"{office}/reports", "ops")
    await expect(page.locator("#who")).to_have_text("ops · 运营")

    await choose(page, "report", "订单（按分公司、渠道）")
    await pick_day(page, "since", "2025-03-05")
    await pick_day(page, "until", "2025-03-03")
    await page.locator("#show").click()
    await expect(page.locator("#report-error")).to_contain_text(
        "结束日期: 结束时间须晚于开始时间")

    await pick_day(page, "since", "2025-03-03")
    await pick_day(page, "until", "2025-03-09")
    await choose(page, "group", "按日")
    await page.locator("#show").click()
    table = page.locator("#report-table")
    await expect(page.locator("#report-error")).to_have_count(0)
    await expect(table.locator("thead").first).to_contain_text("订单数")
    body = table.locator(".el-table__body tbody tr")
    await expect(body).to_have_count(4)
    assert [await r.locator("td").all_inner_texts() for r in await body.all()][:3] == [
        ["2025-03-03", "BJ", "电话", "1", "2", "900.00", "900.00", "0", "0"],
        ["2025-03-04", "BJ", "语音自助", "1", "3", "690.00", "690.00", "0", "0"],
        ["2025-03-04", "SH", "电话", "1", "10", "1,100.00", "1,100.00", "0", "0"]]
    totals = table.locator(".el-table__footer td")
    await expect(totals.nth(0)).to_have_text("合计")
    await expect(totals.nth(3)).to_have_text("3")
    await expect(totals.nth(5)).to_have_text("2,690.00")

    series = await page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart'))
        .getOption().series.map((s) => [s.id, s.type, s.data])""")
    assert series == [["orders", "bar", [1, 2, 0]], ["quantity", "bar", [2, 13, 0]],
                      ["amount", "line", [900, 1790, 0]]]
    axis = await page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart'))
        .getOption().xAxis[0].data""")
    assert axis == ["2025-03-03", "2025-03-04", "2025-03-05"]

    async with page.expect_download() as downloading:
        await page.locator("#download-xlsx").click()
    download = await downloading.value
    assert download.suggested_filename == "orders_2025-03-03_2025-03-09_day.xlsx"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    sheet = load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("时段", "分公司", "渠道", "订单数", "数量（条）", "金额（元）",
                       "平均金额（元）", "已拒绝", "已取消")
    assert rows[1] == ("2025-03-03", "BJ", "电话", 1, 2, 900, 900, 0, 0)
    assert rows[-1] == ("合计", None, None, 3, 15, 2690, pytest.approx(896.67), 0, 1)
    assert sheet["F4"].number_format == "#,##0.00"

    await page.locator("#lang").click()
    await expect(table.locator("thead").first).to_contain_text("Orders")
    await expect(body.first.locator("td").nth(2)).to_have_text("Phone")
    legend = await page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart'))
        .getOption().series.map((s) => s.name)""")
    assert legend == ["Orders", "Quantity (cartons)", "Amount (yuan)"]
    assert outside == []


async def test_an_administrator_schedules_the_report_on_screen(office, page):
    await sign_in_at(page, f"{office}/reports", "admin")
    await expect(page.locator("#schedules")).to_contain_text("还没有定时报表")
    await choose(page, "report", "订单（按分公司、渠道）")
    await choose(page, "group", "按周")
    await choose(page, "branch", "北京分公司")

    await page.locator("#schedule").click()
    form = page.locator("#schedule-form")
    await form.locator("input[name=to]").fill("ops.example.com")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#schedule-error")).to_have_text("收件人 1: 不是邮件地址")
    await form.locator("input[name=to]").fill("ops@example.com, boss@example.com")
    await form.get_by_text("每周一（上一周）").click()
    await form.locator("button[type=submit]").click()

    row = page.locator("#schedules .el-table__body tr").first
    await expect(row).to_contain_text("订单（按分公司、渠道）")
    for said in ("每周一（上一周）", "按周", "分公司 BJ", "ops@example.com, boss@example.com",
                 "中文"):
        await expect(row).to_contain_text(said)
    await row.locator("button.delete").click()
    await expect(page.locator("#schedules")).to_contain_text("还没有定时报表")
