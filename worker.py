"""The worker: runs every workflow and activity of the service, or one of the two (WORKER_ROLE).

TEMPORAL_ADDRESS=localhost:7233 DATABASE_URL=postgresql://… python worker.py
WORKER_ROLE=workflows python worker.py & WORKER_ROLE=activities python worker.py   # a city: two processes

At start a worker that runs activities brings the database schema to the latest migration (alembic
upgrade head), as soon as the database answers; it runs workflows meanwhile. One that runs only
workflows never touches the database.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import structlog
from pydantic import ValidationError
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from activities.service import service_activities
from service.collector import collect_less
from service.health import Health
from service.logs import configure_logging
from service.schema import upgrade_schema_until_done
from service.temporal import connect, exit_now
from service.updates import Refused
from settings import Settings, get_settings, settings_problem
from store.database import Store
from workflows.registry import ALL_WORKFLOWS

ACTIVITY_THREADS = 16
NONSTICKY_POLL_RATIO = 1.0

# What an exception raised by workflow code does. Only an ApplicationError ends a run: workflow code
# raises one on purpose, non-retryable, where the data it was given cannot run (an unsafe campaign ID,
# a plan that cannot run) and a message it refuses fails only that update. Any other exception
# (TypeError, KeyError, a NondeterminismError after an incompatible deploy) is a bug in the code: it
# fails only the workflow task, which Temporal retries, so the run pauses until a fix is deployed and
# then carries on from where it was, nothing lost. Tests use the same.
WORKFLOW_FAILURE_TYPES: list[type[BaseException]] = []


def build_worker(
    client: Client,
    settings: Settings,
    store: Store | None,
    executor: ThreadPoolExecutor | None,
    task_queue: str | None = None,
    max_concurrent_activities: int = ACTIVITY_THREADS,
) -> Worker:
    """The one way a worker is built, in production and in the tests: the workflows, the activities or
    both, as `settings.worker_role` says. `store` and `executor` are what the activities run with (None
    only for a worker of workflows alone). Raises ValueError when a role's activities lack them."""
    role = settings.worker_role
    runs_activities = role != "workflows"
    if runs_activities and (store is None or executor is None):
        raise ValueError(f"a worker of role {role!r} runs activities: it needs the store and a thread pool")
    return Worker(
        client,
        task_queue=task_queue or settings.temporal_task_queue,
        workflows=ALL_WORKFLOWS if role != "activities" else [],
        activities=service_activities(store, settings) if runs_activities and store is not None else [],
        activity_executor=executor if runs_activities else None,
        max_concurrent_activities=max_concurrent_activities,
        workflow_failure_exception_types=WORKFLOW_FAILURE_TYPES,
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=settings.worker_sticky_timeout),
        # As many pollers on the shared queue as on the worker's own (the SDK's default is one in five):
        # a run that continues as new starts there, and with one poller busy its first task waited up to
        # 0.8 s while every report sent to the activity waited with it (bench.portal_burst).
        nonsticky_to_sticky_poll_ratio=NONSTICKY_POLL_RATIO,
    )


def runtime_for(settings: Settings) -> Runtime | None:
    """The SDK's Prometheus endpoint when METRICS_BIND is set."""
    if not settings.metrics_bind:
        return None
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.metrics_bind)))


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    log = structlog.get_logger("worker").bind(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        task_queue=settings.temporal_task_queue,
        role=settings.worker_role,
    )
    health = Health()
    if settings.health_bind:
        await health.start(settings.health_bind)
    runs_activities = settings.worker_role != "workflows"
    store = Store(settings.database, ready=False) if runs_activities else None
    upgrading = asyncio.create_task(upgrade_schema_until_done(store, log)) if store is not None else None
    client = await connect(settings, runtime_for(settings))
    try:
        with ThreadPoolExecutor(ACTIVITY_THREADS) as executor:  # its threads start with the first activity
            async with build_worker(client, settings, store, executor if runs_activities else None):
                health.ready = True
                database = store.dialect if store is not None else None
                log.info("worker started", database=database, channels=settings.channels)
                await stop.wait()
                health.ready = False
                log.info("worker stopping")
    finally:
        if upgrading is not None:
            upgrading.cancel()
        await health.stop()
    log.info("worker stopped")


def main() -> int:
    try:
        settings = get_settings()
    except ValidationError as exc:
        print(f"Lỗi: {settings_problem(exc)}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format, settings.log_level)
    collect_less()
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop)

    try:
        asyncio.run(run())
    except Refused as exc:
        print(f"Lỗi: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    exit_now(main())
