"""The administration page's departments and work-order step templates in Chromium, Chinese
first: an administrator adds a department, gives complaints about logistics a template of two
steps, moves the second up, is told in Chinese why a step due in 0 hours is refused (nothing
written), saves it, cannot delete a department the template names, and reads the change in the
audit log; then a refusal in English. Operations staff do not see the tab."""
import pytest
from playwright.async_api import expect
from sqlalchemy import select

from models.opinions import Department, OpinionKind, OpinionSubject, StepTemplate
from tests.browser.conftest import only_local_requests
from tests.browser.test_admin_page import choose, sign_in

pytestmark = pytest.mark.browser


async def template_steps(database) -> list[tuple[int, str, float, str]]:
    async with database() as s:
        steps = await s.scalars(select(StepTemplate).where(
            StepTemplate.kind == OpinionKind.COMPLAINT,
            StepTemplate.subject == OpinionSubject.LOGISTICS).order_by(StepTemplate.step_no))
        return [(t.step_no, t.department.code, t.due_in_hours, t.instruction) for t in steps]


async def set_hours(page, step: int, hours: str) -> None:
    field = page.locator(f"#template-form .step-{step} .step-hours input")
    await field.fill(hours)
    await field.press("Tab")


async def test_an_administrator_keeps_departments_and_a_step_template(office, page, database):
    page = await page.context.browser.new_page(timezone_id="Asia/Shanghai")
    outside = await only_local_requests(page)
    await sign_in(page, office)
    await page.get_by_role("tab", name="部门与工单模板").click()

    await page.locator("#new-department").click()
    form = page.locator("#department-form")
    await form.locator("input[name=code]").fill("warehouse")
    await form.locator("input[name=name]").fill("仓储部")
    await page.locator("#save-department").click()
    await expect(page.locator("#departments tr.department-warehouse")).to_contain_text("仓储部")
    async with database() as s:
        name = await s.scalar(select(Department.name).where(Department.code == "warehouse"))
    assert name == "仓储部"

    row = page.locator("#step-templates tr.template-complaint-logistics")
    await expect(row).to_contain_text("投诉")
    await expect(row).to_contain_text("未设模板")
    await row.locator(".edit-template").click()
    steps = page.locator("#template-form .step")
    await expect(steps).to_have_count(1)  # a new template starts with one step
    await choose(page, "step-department-1", "物流部")
    await set_hours(page, 1, "48")
    await page.locator("#template-form input[name=instruction-1]").fill("上门核实破损情况")
    await page.locator("#add-step").click()
    await choose(page, "step-department-2", "仓储部")
    await set_hours(page, 2, "24")
    await page.locator("#template-form input[name=instruction-2]").fill("安排补发")
    await page.locator("#template-form .step-2 .move-up").click()  # the warehouse first
    instructions = page.locator("#template-form .step-instruction input")
    await expect(instructions.nth(0)).to_have_value("安排补发")
    await expect(instructions.nth(1)).to_have_value("上门核实破损情况")

    await set_hours(page, 2, "0")  # refused, said in Chinese by its step and field
    await page.locator("#save-template").click()
    await expect(page.locator("#template-form .problem")).to_have_text(
        "步骤 2 · 期限（小时）: 须大于 0，且不超过 8784（一年）")
    assert await template_steps(database) == []  # nothing written

    await set_hours(page, 2, "72")
    await page.locator("#save-template").click()
    await expect(row.locator("li")).to_have_text(["仓储部 · 24 小时 · 安排补发",
                                                  "物流部 · 72 小时 · 上门核实破损情况"])
    assert await template_steps(database) == [(1, "warehouse", 24, "安排补发"),
                                              (2, "logistics", 72, "上门核实破损情况")]

    # the template names the department: it stays, and the page says why
    await page.locator("#departments tr.department-warehouse .delete-department").click()
    await page.locator(".el-message-box").get_by_role("button", name="确定").click()
    await expect(page.locator(".el-message--error")).to_have_text(
        "部门代码: 工单模板中还有该部门，请先修改模板")
    await expect(page.locator("#departments tr.department-warehouse")).to_have_count(1)

    await page.get_by_role("tab", name="审计日志").click()
    entries = page.locator("#audit .el-table__body tr")
    await expect(entries.filter(has_text="工单模板 投诉 · 物流")).to_have_count(1)
    await expect(entries.filter(has_text="部门 warehouse")).to_contain_text("部门名称: 仓储部")

    await page.locator("#lang").click()  # English: the template, a refusal in the reader's words
    await page.get_by_role("tab", name="Departments and templates").click()
    await expect(row).to_contain_text("complaint")
    await expect(row.locator("li").first).to_have_text("仓储部 · 24 hours · 安排补发")
    await row.locator(".edit-template").click()
    await page.locator("#template-form input[name=instruction-1]").fill(" ")
    await page.locator("#save-template").click()
    await expect(page.locator("#template-form .problem")).to_have_text(
        "Step 1 · Instruction: Say what the department is to do")
    assert outside == []


async def test_operations_staff_do_not_see_the_departments(office, page):
    await sign_in(page, office, "ops")
    await expect(page.get_by_role("tab", name="商品与货源")).to_be_visible()
    await expect(page.get_by_role("tab", name="部门与工单模板")).to_have_count(0)
