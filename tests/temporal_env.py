"""Real Temporal servers for tests: the time-skipping test server and the dev server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
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


@contextmanager
def dev_server(data: Path, env: dict[str, str], ui_port: int | None = None) -> Iterator[str]:
    """`starter.py dev-server` on free ports (the UI on `ui_port` when given) with its SQLite file under
    `data`; yields its address."""
    from tests.test_dev_server_e2e import free_port, wait_for_port

    port, ui_port = free_port(), ui_port or free_port()
    server = subprocess.Popen(
        [sys.executable, "starter.py", "dev-server", "--port", str(port), "--ui-port", str(ui_port),
         "--db", str(data / "temporal.db")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port)
        wait_until_serving(f"127.0.0.1:{port}")
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def wait_until_serving(address: str, seconds: float = 60) -> None:
    """Until the frontend says it is healthy: its port opens a moment before it serves
    ("Frontend is not healthy yet" to a client that connects in between)."""
    from cli.dev_server import temporal_cli

    deadline = time.monotonic() + seconds
    while True:
        check = subprocess.run([str(temporal_cli()), "operator", "cluster", "health", "--address", address],
                               capture_output=True, text=True, timeout=30)  # fmt: skip
        if check.returncode == 0 and "SERVING" in check.stdout.upper():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the dev server at {address} never said it was healthy: {check.stdout}{check.stderr}")
        time.sleep(0.2)


async def eventually(read, until, seconds: float = 30):
    """`read()` (sync or async) once `until(value)` holds: the store hears of messages in batches, a
    moment after the workflow accepted them."""
    import asyncio
    import inspect

    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if inspect.isawaitable(value):
            value = await value
        if until(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.1)
