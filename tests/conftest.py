from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings
from playwright.async_api import Browser, async_playwright

from campaign.units import UnitDirectory, load_directory
from harness.inbox import Inbox, mail_server
from harness.paths import ROOT, UNITS
from harness.postgres import fresh_postgres_database, postgres_binaries, private_postgres
from store.database import Store, upgrade
from tests.helpers import CHROMIUM, CHROMIUM_FLAGS

__all__ = ["CORPUS"]

CORPUS = ROOT / "tests" / "corpus"

# Property tests check what holds, not how fast: no per-example deadline (on a loaded CI machine one
# example took 298 ms against Hypothesis's 200 ms and failed the run as "unreliable timings").
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("project")


@pytest.fixture(scope="session")
def directory() -> UnitDirectory:
    return load_directory(UNITS)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    if postgres_binaries() is None:
        pytest.skip("PostgreSQL is not installed here; .ci/run installs it")
    with private_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """An empty database of each kind the service supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'campaign.db'}"
    return fresh_postgres_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def store(tmp_path) -> Store:
    """A migrated SQLite store in the test's folder."""
    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(url)
    return Store(url)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A local SMTP server: its inbox and port."""
    with mail_server() as server:
        yield server.inbox, server.port


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (tests.portal_env.site serves the app to it); the test is skipped
    where it is not installed."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed; .ci/run installs it")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


def pytest_collection_modifyitems(items) -> None:
    """Tests on the time-skipping server fail fast when that server hangs (see pyproject's note)."""
    import pytest

    for item in items:
        on_test_server = {"env", "portal", "office"} & set(getattr(item, "fixturenames", ()))
        if on_test_server and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(120))
