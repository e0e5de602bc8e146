"""The administration page's retailers and catalogue in Chromium, Chinese first: an administrator
creates a retailer with its profile, is told why a taken card is refused and when someone else
saved first, suspends it and imports a file with a bad row; the catalogue's supply and limits
change; operations staff, who see only their own tabs, edit an article and keep the do-not-call
list; then the English switch."""
import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Branch, DoNotCall, Retailer, RetailerStatus
from models.catalogue import OrderLimit, Product, ProductSupply
from models.knowledge import KnowledgeArticle
from tests.browser.conftest import only_local_requests
from tests.browser.test_admin_page import choose, sign_in

pytestmark = pytest.mark.browser
CHECKED = re.compile(r"\bis-checked\b")

IMPORTED = ("卡号,名称,分公司,档位,电话,业态,商圈\n"
            "120100001,复兴门烟酒店,BJ,C,13800090002,烟酒店,复兴门\n"
            "12x,坏卡号,BJ,B,,,\n"
            "110100003,东城小卖部,BJ,C,13800010003,,\n"
            "110100002,,,,,,中关村\n")
RETURNS = "收到破损或错发的货物，三日内致电热线登记退换货。"
# Another administrator renames a retailer over the API (with the page's own token).
SOMEONE_ELSE_RENAMES = """async ([id, version]) => (await fetch(`/retailers/${id}`, {
    method: "PATCH", body: JSON.stringify({ version, name: "西单便利店（总店）" }),
    headers: { "Content-Type": "application/json",
               Authorization: `Bearer ${sessionStorage.getItem("hotline.token")}` } })).status"""


async def retailer(database, card: str) -> Retailer:
    async with database() as s:
        return await s.scalar(select(Retailer).options(selectinload(Retailer.phones))
                              .where(Retailer.card_number == card))


async def fill_retailer(page, card: str, name: str) -> None:
    await page.locator("#new-retailer").click()
    form = page.locator("#retailer-form")
    await form.locator("input[name=card_number]").fill(card)
    await form.locator("input[name=name]").fill(name)
    await choose(page, "retailer-branch", "北京分公司")
    await form.locator("#retailer-class").get_by_text("B", exact=True).click()


async def test_an_administrator_keeps_retailers_and_imports_a_file(office, page, database):
    page = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    outside = await only_local_requests(page)
    await sign_in(page, office)
    await page.get_by_role("tab", name="零售户").click()

    await fill_retailer(page, "110100009", "西单便利店")
    form = page.locator("#retailer-form")
    await form.locator("input[name=phones]").fill("13800090001，01066000009")
    await form.locator("input[name=address]").fill("西城区西单北大街 9 号")
    await form.locator("input[name=business_format]").fill("便利店")
    await form.locator("input[name=shop_area]").fill("45.5")
    await form.locator("input[name=trade_area]").fill("西单")
    await page.locator("#save-retailer").click()
    row = page.locator("#retailers tr.retailer-110100009")
    await expect(row).to_contain_text("西单便利店")
    await expect(row).to_contain_text("北京分公司")
    await expect(row).to_contain_text("01066000009, 13800090001")
    await expect(row.locator(".status")).to_have_text("正常")
    created = await retailer(database, "110100009")
    assert (created.retailer_class, created.business_format, created.shop_area,
            created.trade_area) == ("B", "便利店", 45.5, "西单")
    assert sorted(p.number for p in created.phones) == ["01066000009", "13800090001"]

    await fill_retailer(page, "110100001", "重复卡号")  # the demo's card: refused, in Chinese
    await page.locator("#save-retailer").click()
    await expect(form.locator(".problem")).to_have_text("卡号: 卡号已被其他零售户使用")
    await page.get_by_role("button", name="取消").click()
    assert await retailer(database, "110100001") is not None

    await row.get_by_role("button", name="修改").click()  # someone else saves first
    changed = await page.evaluate(SOMEONE_ELSE_RENAMES, [created.id, created.version])
    assert changed == 200
    await form.locator("input[name=trade_area]").fill("西单商圈")
    await page.locator("#save-retailer").click()
    await expect(form.locator(".problem")).to_have_text(
        "此记录已被他人修改：请点“重新载入”查看最新内容后再改")
    await page.locator("#reload-retailer").click()
    await expect(form.locator("input[name=name]")).to_have_value("西单便利店（总店）")
    await form.locator("input[name=trade_area]").fill("西单商圈")
    await page.locator("#save-retailer").click()
    await expect(row).to_contain_text("西单商圈")
    assert (await retailer(database, "110100009")).trade_area == "西单商圈"

    await row.locator(".status-change").click()
    await page.locator(".el-message-box").get_by_role("button", name="确定").click()
    await expect(row.locator(".status")).to_have_text("已暂停")
    assert (await retailer(database, "110100009")).status == RetailerStatus.SUSPENDED

    await page.locator("#import-retailers").click()
    await page.locator("#retailer-file").set_input_files(
        files=[{"name": "retailers.csv", "mimeType": "text/csv", "buffer": IMPORTED.encode()}])
    await page.locator("#send-import").click()
    report = page.locator("#import-report")
    for count, expected in (("rows", "4"), ("created", "1"), ("updated", "1"), ("unchanged", "1"),
                            ("rejected", "1")):
        await expect(report.locator(f".count-{count}")).to_have_text(expected)
    rejected = report.locator("#rejected-rows .el-table__body tr")
    await expect(rejected).to_have_count(1)
    await expect(rejected).to_contain_text("3卡号格式不正确（12x）")
    assert (await retailer(database, "120100001")).business_format == "烟酒店"
    assert (await retailer(database, "110100002")).trade_area == "中关村"
    await page.get_by_role("button", name="关闭", exact=True).click()

    await page.locator("#lang").click()  # the same page in English
    await expect(page.get_by_role("tab", name="Retailers")).to_be_visible()
    await expect(row.locator(".status")).to_have_text("Suspended")
    await expect(row.locator(".status-change")).to_have_text("Reactivate")
    await expect(page.locator("#retailers thead")).to_contain_text("Trade area")
    assert outside == []


async def test_an_administrator_changes_supply_and_a_retailers_limit(office, page, database):
    await sign_in(page, office)
    await page.get_by_role("tab", name="商品与货源").click()
    row = page.locator("#products tr.product-6901028412")  # 利群（新版）: not on supply in Beijing
    switch = row.locator(".supply-BJ")
    await expect(switch).not_to_have_class(CHECKED)
    await switch.click()
    await expect(switch).to_have_class(CHECKED)
    async with database() as s:
        bj = await s.scalar(select(Branch.id).where(Branch.code == "BJ"))
        product = await s.scalar(select(Product).where(Product.code == "6901028412"))
        supply = await s.get(ProductSupply, (product.id, bj))
    assert supply.on_supply

    await page.get_by_role("tab", name="订货限量").click()
    await page.locator("#limit-q").fill("110100001")
    await page.locator("#find-limit-retailers").click()
    await page.locator("#limit-retailers tr.retailer-110100001 .choose").click()
    limit = page.locator("#limits tr", has_text="中华（硬）")
    await expect(limit).to_contain_text("50")
    await limit.get_by_role("button", name="修改").click()
    await page.locator("#limit-form .max-quantity input").fill("60")
    await page.locator("#limit-form .max-quantity input").press("Tab")
    await page.locator("#save-limit").click()
    await expect(limit).to_contain_text("60")
    async with database() as s:
        r = await s.scalar(select(Retailer.id).where(Retailer.card_number == "110100001"))
        chunghwa = await s.scalar(select(Product.id).where(Product.code == "6901028001"))
        kept = await s.get(OrderLimit, (r, chunghwa))
    assert (kept.min_quantity, kept.max_quantity) == (1, 60)

    await limit.get_by_role("button", name="修改").click()  # upper below lower: refused
    await page.locator("#limit-form .min-quantity input").fill("70")
    await page.locator("#limit-form .min-quantity input").press("Tab")
    await page.locator("#save-limit").click()
    await expect(page.locator("#limit-form .problem")).to_have_text("每周期上限: 上限不能低于下限")


async def test_operations_edit_an_article_and_keep_the_do_not_call_list(office, page, database):
    await sign_in(page, office, "ops")
    await expect(page.get_by_role("tab", name="商品与货源")).to_be_visible()
    await expect(page.get_by_role("tab", name="用户")).to_have_count(0)  # administrators' tabs
    await expect(page.get_by_role("tab", name="零售户")).to_have_count(0)

    await page.get_by_role("tab", name="知识库").click()
    await page.locator("#kb-q").fill("退货")
    await page.locator("#kb-q").press("Enter")
    row = page.locator("#articles tr", has_text="退货流程")
    await row.get_by_role("button", name="修改").click()
    form = page.locator("#article-form")
    await form.locator("input[name=title]").fill("退货与换货流程")
    await form.locator("textarea[name=body]").fill(RETURNS)
    await page.locator("#save-article").click()
    await expect(page.locator("#articles tr", has_text="退货与换货流程")).to_be_visible()
    async with database() as s:
        article = await s.scalar(select(KnowledgeArticle)
                                 .where(KnowledgeArticle.title == "退货与换货流程"))
    assert (article.body, article.updated_by) == (RETURNS, "ops")

    await page.get_by_role("tab", name="勿扰名单").click()
    dnc = page.locator("#dnc-form")
    await dnc.locator("input[name=phone]").fill("138 0009 9999")
    await dnc.locator("input[name=reason]").fill("客户要求不再来电")
    await page.locator("#add-dnc").click()
    row = page.locator("#do-not-call tr.dnc-13800099999")
    await expect(row).to_contain_text("客户要求不再来电")
    async with database() as s:
        reason = await s.scalar(select(DoNotCall.reason).where(DoNotCall.phone == "13800099999"))
    assert reason == "客户要求不再来电"

    await dnc.locator("input[name=phone]").fill("不是号码")
    await page.locator("#add-dnc").click()
    await expect(dnc.locator(".problem")).to_contain_text("电话号码: ")

    await row.locator(".remove").click()
    await page.locator(".el-message-box").get_by_role("button", name="确定").click()
    await expect(row).to_have_count(0)
    async with database() as s:
        assert await s.scalar(select(DoNotCall).where(DoNotCall.phone == "13800099999")) is None
