"""What the browser tests of the web share: the office's site in Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser

from campaign.units import UnitDirectory
from harness.temporal import time_skipping_env
from tests.portal_env import Site, site


@pytest_asyncio.fixture
async def office_site(browser: Browser, directory: UnitDirectory, tmp_path) -> AsyncIterator[Site]:
    """The office's pages in Chromium over a running campaign, on a time-skipping server of its own (a
    campaign the test starts from the pages ends with it)."""
    env = await time_skipping_env()
    try:
        async with site(browser, env, directory, tmp_path) as opened:
            yield opened
    finally:
        await env.shutdown()
