"""The worker: runs every workflow and activity of the service.

TEMPORAL_ADDRESS=localhost:7233 python worker.py
"""

from __future__ import annotations

import asyncio
import signal
import sys

import structlog
from temporalio.worker import Worker

from activities.logs import configure_logging
from activities.notifications import send_notice
from cli.temporal_client import CommandError, connect, exit_now
from settings import Settings, get_settings
from workflows import ALL_WORKFLOWS

ACTIVITIES = [send_notice]


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    client = await connect(settings)
    log = structlog.get_logger("worker").bind(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        task_queue=settings.temporal_task_queue,
    )
    async with Worker(client, task_queue=settings.temporal_task_queue, workflows=ALL_WORKFLOWS, activities=ACTIVITIES):
        log.info("worker started")
        await stop.wait()
        log.info("worker stopping")
    log.info("worker stopped")


def main() -> int:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop)

    try:
        asyncio.run(run())
    except CommandError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    exit_now(main())
