"""Many campaigns at once: `python -m bench.campaigns [N] [--speeds 4000,8000,…] [--days D] [--quick]`.

N campaigns (default 100) of the seed plan run together on one dev server and a PostgreSQL store,
first on one worker process and then on two. For each clock speed in turn (plan seconds per wall
second), the campaigns run for D plan days (default 3: the assignments of 12 activities and the
first readiness reminders); then every notice the policy
calls for in that time (found by running the same pure rules, `campaign.due.decide`, alone) must
have been sent within one plan hour of its time (`notifications.due_at` against `sent_at`). A
speed passes when none is missing or later; the highest passing speed is printed per worker count,
with the ratio two workers / one worker (goal ≥ 1.7). Units never answer here, so every reminder is
due. Weekly digests are campaign notices and are not counted.

`--quick` runs 3 campaigns for 1 plan day at one speed (CI runs it so the benchmark cannot rot).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text
from temporalio.client import Client
from temporalio.service import RPCError

from access.payloads import data_converter
from campaign.clock import start_of_day
from campaign.due import unanswered
from campaign.importer import import_plan
from campaign.plan import Plan
from campaign.policy import PolicyFile
from campaign.tracker import new_activity_state
from campaign.units import UnitDirectory, load_directory
from campaign.workdays import vietnam_holidays
from harness.dev_server import dev_server
from harness.paths import ROOT, SEED, UNITS
from harness.postgres import private_postgres
from store.database import Store, upgrade
from store.schema import Notification
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput

ALLOWED_LAG = timedelta(hours=1)  # plan time


@dataclass
class Timeliness:
    speed: float
    workers: int
    expected: int
    missing: int
    late: int
    worst_lag: timedelta  # plan time
    wall_s: float
    examples: list[str]  # a few keys missing or late, to see why

    @property
    def passed(self) -> bool:
        return self.missing == 0 and self.late == 0


def expected_notices(
    campaign_id: str, plan: Plan, directory: UnitDirectory, holidays: list, until: datetime
) -> dict[str, datetime]:
    """Every activity notice the policy calls for before `until` (plan time) when nobody answers: key → due."""
    start = start_of_day(plan.starts_on)
    policy = PolicyFile()
    due: dict[str, datetime] = {}
    for activity in plan.activities:
        units = [directory.get(c) for c in activity.unit_codes if c in directory.by_code]
        state = new_activity_state(
            campaign_id, activity, units, policy.for_activity(activity.no), holidays, plan.window.end
        )
        for action in unanswered(state, start, until):
            if action.at <= until:
                due[f"{activity_workflow_id(campaign_id, activity.no)}/{action.key}"] = action.at
    return due


def fresh_database(server: str) -> str:
    name = f"b{uuid.uuid4().hex[:10]}"
    with create_engine(server, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url


async def one_run(address: str, server: str, campaigns: int, speed: float, workers: int, days: float) -> Timeliness:
    database = fresh_database(server)
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "TEMPORAL_ADDRESS": address, "TEMPORAL_TASK_QUEUE": queue, "DATABASE_URL": database,
           "NOTIFY_CHANNELS": "log", "LOG_LEVEL": "WARNING", "HEALTH_BIND": "", "METRICS_BIND": ""}  # fmt: skip
    processes = [
        subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    directory = load_directory(UNITS)
    plan = import_plan(SEED, directory)
    holidays = vietnam_holidays([plan.window.start.year])
    origin = start_of_day(plan.starts_on)
    until = origin + timedelta(days=days)
    ids = [f"c{uuid.uuid4().hex[:6]}-{i}" for i in range(campaigns)]
    client = await Client.connect(address, data_converter=data_converter())
    await asyncio.sleep(3)  # the workers connect
    began = time.perf_counter()
    for cid in ids:
        campaign = CampaignInput(campaign_id=cid, plan=plan, directory=directory, holidays=holidays, speed=speed,
                                 plan_origin=origin)  # fmt: skip
        await client.start_workflow(CampaignWorkflow.run, campaign, id=campaign_workflow_id(cid), task_queue=queue)
    # until the window's end plus the allowed lag, in plan time (the first start is the origin)
    await asyncio.sleep(((until - origin) + ALLOWED_LAG).total_seconds() / speed)
    wall = time.perf_counter() - began
    store = Store(database)
    with store.session() as session:
        rows = session.execute(select(Notification.key, Notification.due_at, Notification.sent_at)).all()
    sent = {key.rsplit("#", 1)[0]: (due_at, sent_at) for key, due_at, sent_at in rows if sent_at is not None}
    for process in processes:
        process.kill()
        process.wait()
    for cid in ids:
        with contextlib.suppress(RPCError):  # already closed
            await client.get_workflow_handle(campaign_workflow_id(cid)).terminate("bench done")
    missing = late = 0
    examples: list[str] = []
    worst = timedelta(0)
    expected = 0
    for cid in ids:
        for key in expected_notices(cid, plan, directory, holidays, until):
            expected += 1
            got = sent.get(key)
            if got is None or got[0] is None:
                missing += 1
                examples += [f"missing {key}"] if len(examples) < 3 else []
                continue
            lag = (got[1] - got[0]) * speed
            worst = max(worst, lag)
            if lag > ALLOWED_LAG:
                late += 1
                examples += [f"late {lag} {key}"] if len(examples) < 6 else []
    return Timeliness(speed, workers, expected, missing, late, worst, wall, examples)


async def ladder(address: str, server: str, campaigns: int, speeds: list[float], workers: int, days: float) -> float:
    best = 0.0
    for speed in speeds:
        outcome = await one_run(address, server, campaigns, speed, workers, days)
        print(
            f"  {workers} worker(s), speed {speed:>8.0f}: {outcome.expected} notices due, {outcome.missing} missing, "
            f"{outcome.late} later than an hour; worst lag {outcome.worst_lag.total_seconds() / 60:.0f} plan min "
            f"({outcome.wall_s:.0f} s) {'ok' if outcome.passed else 'FAILS'}",
            flush=True,
        )
        if not outcome.passed:
            for example in outcome.examples:
                print(f"    {example}")
            break
        best = speed
    return best


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    numbers = [int(a) for a in argv if a.isdigit()]
    campaigns = 3 if quick else (numbers[0] if numbers else 100)
    speeds = [8640.0] if quick else [4000.0, 8000.0, 16000.0, 32000.0, 64000.0]
    days = 1.0 if quick else 3.0
    for i, arg in enumerate(argv):
        if arg == "--speeds":
            speeds = [float(s) for s in argv[i + 1].split(",")]
        if arg == "--days":
            days = float(argv[i + 1])
    print(f"{campaigns} campaigns of the seed plan, {days:g} plan days, notices within one plan hour:")
    with (
        tempfile.TemporaryDirectory() as folder,
        private_postgres() as server,
        dev_server(Path(folder), dict(os.environ)) as address,
    ):
        one = asyncio.run(ladder(address, server, campaigns, speeds, 1, days))
        two = asyncio.run(ladder(address, server, campaigns, speeds, 2, days))
    ratio = f"{two / one:.2f}" if one else "—"
    print(f"highest speed: one worker {one:.0f}, two workers {two:.0f}; ratio {ratio} (goal ≥ 1.7)")


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # without finalising the interpreter, which the SDK's runtime threads may abort
