"""The browser tier: Debian's Chromium (headless) driven by Playwright against the engine served
by uvicorn on a real PBX. A missing browser fails loudly, never skips."""
from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from agent_api.app import create_app
from services.demo import DEMO_PASSWORD
from tests.pbx.conftest import (  # noqa: F401  (the PBX tier's fixtures, reused here)
    customers,
    database,
    demo_database,
    prerequisites,
    prompts,
    pytest_asyncio_loop_factories,
    rig,
    settings,
    sipp,
    softphones,
)
from tests.pbx.helpers import served

CHROMIUM = Path("/usr/bin/chromium")
# Every wait is for an event on the page; the deadline is only how long a machine busy with
# other work (two cores, a CPU-burning process beside the suite) may take to show it.
WAIT_MS = 45_000
expect.set_options(timeout=WAIT_MS)


async def sign_in_at(page, url: str, username: str) -> None:
    """The page at `url`, signed in by its form as `username` (the demo's password)."""
    await page.goto(url)
    await page.fill("#signin-form input[name=username]", username)
    await page.fill("#signin-form input[name=password]", DEMO_PASSWORD)
    await page.click("#signin-form button[type=submit]")


@pytest.fixture
async def page():
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tier needs Debian's Chromium at {CHROMIUM} (bin/setup --test)",
                    pytrace=False)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            page.set_default_timeout(WAIT_MS)
            # shown with a failing test: what the page itself said went wrong
            page.on("pageerror", lambda error: print(f"page error: {error}"))
            page.on("console", lambda m: print(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            yield page
        finally:
            await browser.close()


@pytest.fixture
async def office(settings, database):  # noqa: F811  (the imported fixtures)
    """The pages and the API on a copy of the demo database, without telephony (administration
    and documents need no PBX): the base URL."""
    async with served(create_app(settings, telephony=False)) as base_url:
        yield base_url


async def only_local_requests(page) -> list[str]:
    """Refuses, and lists, every request the page makes beyond this machine."""
    outside: list[str] = []

    async def guard(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            await route.continue_()
        else:
            outside.append(url)
            await route.abort()
    await page.route("**/*", guard)
    return outside
