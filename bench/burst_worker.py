"""A worker of `bench.portal_burst` in a process of its own, as deployed (the worker and the portal are
separate services): the campaign's workflows, its activities or both on one task queue (ROLE, as
WORKER_ROLE says), and AppendOnly on another beside the workflows. Runs until its standard input closes
(the benchmark ends or dies).

    python -m bench.burst_worker ROLE ADDRESS QUEUE TRIVIAL_QUEUE SETTINGS_JSON
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker

from access.payloads import data_converter
from bench.trivial import AppendOnly
from service.collector import collect_less
from service.logs import configure_logging
from settings import Settings
from store.database import Store
from worker import build_worker


async def serve(address: str, queue: str, trivial_queue: str, settings: Settings) -> None:
    client = await Client.connect(address, data_converter=data_converter())
    activities = settings.worker_role != "workflows"
    with ThreadPoolExecutor(16) as executor:
        store = Store(settings.database) if activities else None
        async with contextlib.AsyncExitStack() as workers:
            await workers.enter_async_context(
                build_worker(client, settings, store, executor if activities else None, task_queue=queue)
            )
            if settings.worker_role != "activities":
                await workers.enter_async_context(Worker(client, task_queue=trivial_queue, workflows=[AppendOnly]))
            print("ready", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the benchmark goes


def main(argv: list[str]) -> None:
    configure_logging("console", "WARNING")
    collect_less()  # as worker.py does
    role, address, queue, trivial_queue, fields = argv
    asyncio.run(serve(address, queue, trivial_queue, Settings(**{**json.loads(fields), "worker_role": role})))


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # without finalising the interpreter, which the SDK's runtime threads may abort
