"""The worker's process: its garbage collector (what its start-up made is left out of later collections,
the youngest generation collected less often: service.collector) and its pollers."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.temporal import migrated_store, time_skipping_env
from service.collector import YOUNG_OBJECTS
from settings import Settings
from worker import NONSTICKY_POLL_RATIO, build_worker

ROOT = Path(__file__).resolve().parents[2]

# worker.main with the worker itself left out: what the process's collector looks like once it runs.
SCRIPT = """
import gc
import worker

async def no_worker(settings, stop):
    print(gc.get_threshold()[0], gc.get_freeze_count())

worker.run_worker = no_worker
raise SystemExit(worker.main())
"""


def test_the_worker_freezes_its_start_up_and_collects_young_objects_less_often(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    threshold, frozen = map(int, done.stdout.split())
    assert threshold == YOUNG_OBJECTS
    assert frozen > 10_000  # the modules, the SDK and the workflows' classes


async def test_the_worker_polls_the_shared_queue_as_often_as_its_own(tmp_path) -> None:
    """A run that continues as new starts on the shared queue: its first task must not wait for the one
    poller the SDK's default ratio leaves there."""
    env = await time_skipping_env()
    try:
        with ThreadPoolExecutor(2) as executor:
            store = migrated_store(f"sqlite:///{tmp_path}/t.db")
            built = build_worker(
                env.client, Settings(reports_dir=tmp_path), store, executor, "q", max_concurrent_activities=2
            )
            assert built.config()["nonsticky_to_sticky_poll_ratio"] == NONSTICKY_POLL_RATIO == 1.0
    finally:
        await env.shutdown()
