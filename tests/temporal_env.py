"""Real Temporal servers for tests: the time-skipping test server and the dev server."""

from __future__ import annotations

import sys
import uuid
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.notifications import send_notice
from campaign.clock import start_of_day
from workflows import ALL_WORKFLOWS
from workflows import search_attributes as sa

BIN = Path(sys.executable).parent


async def time_skipping_env() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=pydantic_data_converter
    )
    await sa.register(env.client)
    return env


@asynccontextmanager
async def worker(client: Client, activities=(send_notice,)):
    queue = f"q-{uuid.uuid4()}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=ALL_WORKFLOWS,
        activities=list(activities),
        workflow_failure_exception_types=[Exception],
    ):
        yield queue


def origin(day: date):
    return start_of_day(day)
