"""Real Temporal servers for tests: the time-skipping test server and the dev server."""

from __future__ import annotations

import sys
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from access.payloads import data_converter
from campaign.clock import start_of_day
from settings import Settings
from store.database import Store, upgrade
from worker import build_worker
from workflows import search_attributes as sa

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


async def time_skipping_env(payload_keys: str | None = None) -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=data_converter(payload_keys)
    )
    await sa.register(env.client)
    return env


def migrated_store(url: str) -> Store:
    upgrade(url)
    return Store(url)


@asynccontextmanager
async def worker(client: Client, store: Store | None = None, settings: Settings | None = None):
    """A worker on a fresh task queue; without `store`, a fresh SQLite database in a temporary folder."""
    queue = f"q-{uuid.uuid4()}"
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(8) as executor:
        store = store or migrated_store(f"sqlite:///{folder}/t.db")
        settings = settings or Settings(reports_dir=Path(folder) / "reports", notify_channels="log")
        async with build_worker(client, settings, store, executor, task_queue=queue, max_concurrent_activities=8):
            yield queue


def origin(day: date):
    return start_of_day(day)
