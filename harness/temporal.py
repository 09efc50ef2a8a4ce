"""A time-skipping Temporal test server with the service's search attributes, and a migrated store:
what the tests and the benchmarks run workflows on."""

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


def migrated_store(url: str) -> Store:
    """A store at `url` with the schema at the latest migration."""
    upgrade(url)
    return Store(url)
