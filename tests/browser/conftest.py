"""The browser tier: Debian's Chromium (headless) driven by Playwright against the engine served
by uvicorn on a real PBX. A missing browser fails loudly, never skips."""
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

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

CHROMIUM = Path("/usr/bin/chromium")


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
            page.set_default_timeout(15000)
            yield page
        finally:
            await browser.close()
