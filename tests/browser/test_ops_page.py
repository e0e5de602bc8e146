"""Operations' campaign page on Chromium against the real PBX: a campaign created from the form,
a contact list imported with its rejected row reported, started, watched live while sipp
customers answer and the agent talks, then paused."""
import pytest
from playwright.async_api import expect

from asterisk.sipp_customers import Population
from tests.pbx.test_dialer_on_pbx import customers  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.pbx]


async def test_ops_create_import_start_watch_and_pause_a_campaign(rig, customers, page, tmp_path,
                                                                  settings):
    settings.dialer.tick_seconds = 0.2
    contact = await customers(Population(busy=0, failed=0, unanswered=0, ring_ms=(200, 400),
                                         talk_ms=(2500, 2500)))
    r = await rig(("8001",), serve=True, trunks={"customers": contact})
    await r.login("8001")
    await page.goto(f"{r.base_url}/ops")
    await page.fill("input[name=username]", "ops")
    await page.fill("input[name=password]", "hotline-demo")
    await page.click("#signin-form button[type=submit]")

    form = page.locator("#create-form")
    await form.locator("input[name=name]").fill("Arrival notice")
    await form.locator("select[name=purpose]").select_option("arrival_notice")
    await form.locator("input[name=agents]").fill("8001")
    for day in ("sat", "sun"):
        await form.locator(f"input[value={day}]").check()
    await form.locator("input[name=from]").fill("00:00")
    await form.locator("input[name=to]").fill("23:59")
    await form.locator("input[name=ring_seconds]").fill("15")
    await form.locator("textarea[name=script]").fill("Tell them the truck comes at 3 pm.")
    await form.locator("button[type=submit]").click()
    await expect(page.locator("#ops-ok")).to_have_text("Arrival notice created (draft)")
    row = page.locator("#campaigns tr[data-campaign='Arrival notice']")
    await expect(row.locator(".state")).to_have_text("draft")

    listing = tmp_path / "arrivals.csv"
    listing.write_text("phone,name\n13300002001,Shop A\n13300002002,Shop B\nnope,Shop C\n"
                       "13300002003,Shop D\n")
    await row.locator("input[type=file]").set_input_files(listing)
    await expect(page.locator("#import-report")).to_contain_text("4 rows: 3 added, 1 rejected")
    await expect(page.locator("#import-report")).to_contain_text(
        "line 4: phone: 'nope' is not a phone number")
    await expect(row.locator("td").nth(3)).to_have_text("3")  # remaining

    await row.locator("button", has_text="start").click()
    await expect(row.locator(".state")).to_have_text("running")
    await expect(row.locator("td").nth(8)).to_have_text("1/1", timeout=15000)  # agent busy
    await expect(row.locator("td").nth(5)).not_to_have_text("0", timeout=15000)  # answered
    await row.locator("button", has_text="pause").click()
    await expect(row.locator(".state")).to_have_text("paused")
    await expect(row.locator("button", has_text="resume")).to_be_visible()
    dialed = int(await row.locator("td").nth(4).inner_text())
    assert 1 <= dialed <= 3
