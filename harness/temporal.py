"""Temporal servers with the service's search attributes (the time-skipping test server, and the
dev server for what the test server does not do as the real one does), and a migrated store: what
the tests and the benchmarks run workflows on."""

from __future__ import annotations

import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from access.payloads import data_converter
from store.database import Store, upgrade
from workflows import search_attributes as sa

BIN = Path(sys.executable).parent


async def time_skipping_env(payload_keys: str | None = None) -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=data_converter(payload_keys)
    )
    await sa.register(env.client)
    return env


async def local_env(payload_keys: str | None = None) -> WorkflowEnvironment:
    """The real server (`temporal server start-dev`, in memory) on a free port. The time-skipping
    test server is not the real one where updates meet continue-as-new: an update sent while a run
    hands over may never be answered there (its continue-as-new is not atomic), and an update's
    wait does not skip time."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(BIN / "temporal"),
        data_converter=data_converter(payload_keys),
        search_attributes=sa.ALL,
        ui=False,
    )
    return env


def migrated_store(url: str) -> Store:
    """A store at `url` with the schema at the latest migration."""
    upgrade(url)
    return Store(url)
