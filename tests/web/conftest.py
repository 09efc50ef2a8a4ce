"""What the web's tests share: argon2 at its lightest, the app over a fresh store (`doors`), a running
campaign with the portal over it (`portal`), and the office's site in Chromium (`office_site`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser

from campaign.units import UnitDirectory
from harness.temporal import time_skipping_env
from tests.doors_env import Doors
from tests.portal_env import PortalSetup, Site, running_campaign, site


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch) -> None:
    """argon2 at its lightest: these tests sign in dozens of times; the hashing itself is argon2-cffi's."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("store.users.HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def doors(tmp_path) -> Doors:
    return Doors(tmp_path)


@pytest_asyncio.fixture
async def portal(directory: UnitDirectory, tmp_path) -> AsyncIterator[PortalSetup]:
    """A campaign on a time-skipping server of its own (a terminated run can hold a shared server's time)."""
    env = await time_skipping_env()
    try:
        async with running_campaign(env, directory, tmp_path, f"portal-{uuid.uuid4().hex[:8]}") as setup:
            yield setup
    finally:
        await env.shutdown()


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
