"""The API's documents render in Chromium from local assets alone: Swagger UI lists and opens
the operations, ReDoc shows them, and neither asks anything of the internet."""
import pytest
from playwright.async_api import expect

from tests.browser.conftest import only_local_requests

pytestmark = pytest.mark.browser


async def test_swagger_ui_and_redoc_render_without_the_internet(office, page):
    outside = await only_local_requests(page)
    await page.goto(f"{office}/docs")
    tag = page.locator("#operations-tag-retailers")
    await expect(tag).to_be_visible()  # a large bundle
    await tag.click()  # the tags come folded
    operation = page.locator(".opblock-summary-path", has_text="/retailers/{retailer_id}")
    await expect(operation.first).to_be_visible()
    await operation.first.click()
    await expect(page.locator(".opblock-body").first).to_be_visible()

    await page.goto(f"{office}/redoc")
    await expect(page.get_by_text("/retailers/{retailer_id}").first).to_be_attached()
    assert outside == []
