"""Real Temporal servers for tests: the time-skipping test server and the dev server."""

from __future__ import annotations

import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from temporalio.client import Client

from campaign.clock import start_of_day
from harness.temporal import migrated_store
from settings import Settings
from store.database import Store
from worker import build_worker

__all__ = ["origin", "worker"]


@asynccontextmanager
async def worker(
    client: Client, store: Store | None = None, settings: Settings | None = None, task_queue: str | None = None
):
    """A worker on a fresh task queue (or `task_queue`: another worker for the workflows on it); without
    `store`, a fresh SQLite database in a temporary folder."""
    queue = task_queue or f"q-{uuid.uuid4()}"
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(8) as executor:
        store = store or migrated_store(f"sqlite:///{folder}/t.db")
        settings = settings or Settings(reports_dir=Path(folder) / "reports", notify_channels="log")
        async with build_worker(client, settings, store, executor, task_queue=queue, max_concurrent_activities=8):
            yield queue


def origin(day: date):
    return start_of_day(day)
