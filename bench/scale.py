"""One activity of a whole city: `python -m bench.scale [N ...]` (default 200 1000 5000).

For each size: a generated directory of N units and a one-activity plan naming them all, run as a
campaign on the real server (`temporal server start-dev`, in memory) on a compressed clock (SPEED plan
seconds per wall second, slower for a larger roll so that each wave of notices is out before the next
is due), with one in-process worker (SQLite store, notices to the log channel). The time-skipping test
server is not used: where updates meet continue-as-new it fails inside ("invalid history builder
state", "Already accepted update") and then answers nothing more. The campaign starts four plan days
before the event and escalates every plan day, so the waiting part is short; its close is far away,
so that the reports sent afterwards never meet it. Nobody confirms readiness or reports on time, so
every readiness reminder, report reminder and escalation level goes out for every unit; then every
unit reports late (through the doors' sender, service.updates), all but the last revise their report,
and the last report closes the activity. Prints per size: how long the
campaign took to start (until the activity answers its query and until every assignment notice is
sent), the reports' throughput, the notices sent by kind against the policy's count, the runs of
the activity workflow (continue-as-new) with the largest history in events and bytes, the largest
single history event (an upper bound for any payload), the process's peak RSS; and what a busy host
needs: the longest and the p99 workflow task (from each history's task started → completed events,
the campaign's and every run of the activity), the WorkflowTaskTimedOut and failed tasks in every
run, and the time a fresh worker takes to replay the largest run (`Replayer`, the worker's own
converter). Every size runs twice: alone, then with a CPU hog beside the worker (another process
that keeps one core busy, for at most HOG_LIMIT).

Goals at 5,000 units with the hog: 0 task time-outs, longest task < 3 s, p99 < 1 s, replay < 3 s.

`--quick` runs 30 units only (CI runs it so the benchmark cannot rot); `--no-hog` skips the second
pass, `--hog-only` the first; `--keep DIR` writes every run's history there as JSON (to replay or profile).
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer

from access.payloads import data_converter
from bench.city import EVENT_DAY, city_directory, city_plan
from campaign.clock import start_of_day
from campaign.messages import SubmitReport
from campaign.policy import PolicyFile
from harness.temporal import local_env, migrated_store
from harness.waiting import answered, until
from service.collector import collect_less
from service.logs import configure_logging
from service.status import ask_current_run
from service.updates import send_to_activity
from settings import Settings
from store.schema import Notification, UnitReport
from worker import build_worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput
from workflows.registry import ALL_WORKFLOWS

IN_FLIGHT = 10  # Temporal accepts at most 10 updates in flight per workflow (the doors' sender keeps 8 and queues)
# Plan seconds per wall second at ROLL_FOR_SPEED units (a plan day in 43 s: a wave of notices to every
# unit is out before the next is due on a busy host); other rolls in proportion (at most QUICK_SPEED).
SPEED = 2_000.0
ROLL_FOR_SPEED = 5_000
QUICK_SPEED = 100_000.0
# The bench's policy: escalations a plan day apart (the default is three), the close a year away.
POLICY = PolicyFile(escalation_repeat=timedelta(days=1), close_after=timedelta(days=365))


HOG_LIMIT = 3600  # seconds: the hog stops by itself even if the benchmark is killed


@dataclass
class Run:
    """One run of a workflow (a continue-as-new starts the next), from its history."""

    history: WorkflowHistory
    events: int
    bytes: int
    largest_event: int
    task_seconds: list[float]  # each workflow task, started → completed (or timed out, failed)
    timed_out: int  # WorkflowTaskTimedOut events
    failed: int  # WorkflowTaskFailed events (e.g. new messages came while the run tried to continue as new)


def read_run(history: WorkflowHistory) -> Run:
    ends = {
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    }
    sizes, tasks, started = [], [], None
    for event in history.events:
        sizes.append(event.ByteSize())
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            started = event.event_time.ToDatetime()
        elif event.event_type in ends and started is not None:
            tasks.append((event.event_time.ToDatetime() - started).total_seconds())
            started = None
    kinds = Counter(event.event_type for event in history.events)
    return Run(
        history=history,
        events=len(sizes),
        bytes=sum(sizes),
        largest_event=max(sizes),
        task_seconds=tasks,
        timed_out=kinds[EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT],
        failed=kinds[EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED],
    )


async def runs_of(client: Client, workflow_id: str) -> list[Run]:
    """Every run of `workflow_id`, newest first."""
    found = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        found.append(read_run(history))
        previous = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        if not previous:
            return found
        run_id = previous


async def replay_seconds(run: Run) -> float:
    """How long a fresh worker takes to replay `run` from its first event."""
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=data_converter())
    began = time.perf_counter()
    await replayer.replay_workflow(run.history)
    return time.perf_counter() - began


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def cpu_hog(seconds: float = HOG_LIMIT) -> subprocess.Popen[bytes]:
    """Another process keeping one core busy, for at most `seconds`."""
    spin = f"import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"
    return subprocess.Popen([sys.executable, "-c", spin])


async def in_flight(client: Client, campaign_id: str, messages: list[SubmitReport]) -> float:
    """Send `messages` as the doors do (service.updates), IN_FLIGHT at a time; returns reports per second."""
    queue = list(reversed(messages))
    began = time.perf_counter()

    async def sender() -> None:
        while queue:
            message = queue.pop().model_dump(mode="json", exclude_none=True)
            await send_to_activity(client, campaign_id, 1, CampaignActivityWorkflow.submit_report, message)

    await asyncio.gather(*(sender() for _ in range(IN_FLIGHT)))
    return len(messages) / (time.perf_counter() - began)


@dataclass
class Figures:
    units: int
    answering_s: float
    assigned_s: float
    levels: dict[int, int]
    reports_per_s: tuple[float, float]
    total_s: float
    notices: dict[str, tuple[int, int]]  # kind → (sent, what the policy calls for)
    runs: list[Run]
    campaign_runs: list[Run]
    outcomes: dict[str, int]
    rss_mb: float
    reports_recorded: int  # report revisions in the store (every first report and revision: 2n - 1)
    reports_held: int = 0  # the same, as the workflow's result counts them (tells a lost update from a lost write)
    hog: bool = False
    replay_s: float = 0.0  # the largest activity run, replayed afresh

    @property
    def tasks(self) -> list[float]:
        return [t for run in [*self.runs, *self.campaign_runs] for t in run.task_seconds]

    @property
    def timed_out(self) -> int:
        return sum(run.timed_out for run in [*self.runs, *self.campaign_runs])

    @property
    def failed(self) -> int:
        return sum(run.failed for run in [*self.runs, *self.campaign_runs])

    @property
    def largest(self) -> Run:
        return max(self.runs, key=lambda run: (run.events, run.bytes))


def settled(read: Callable[[], Counter[str]], quiet: float = 3.0) -> Callable[[], bool]:
    """True once what `read` counts has not changed for `quiet` seconds."""
    last: list[Any] = [None, 0.0]

    def check() -> bool:
        now, counts = time.monotonic(), read()
        if counts != last[0]:
            last[:] = [counts, now]
        return now - last[1] >= quiet

    return check


def speed_for(n: int, quick: bool = False) -> float:
    """A plan day takes about as long as a wave of notices to the roll: SPEED at ROLL_FOR_SPEED units."""
    return QUICK_SPEED if quick else min(QUICK_SPEED, SPEED * ROLL_FOR_SPEED / n)


async def one_size(n: int, hog: bool = False, speed: float | None = None) -> Figures:
    hogging = cpu_hog() if hog else None
    try:
        figures = await _one_size(n, speed or speed_for(n))
        figures.replay_s = await replay_seconds(figures.largest)  # with the hog still beside it
    finally:
        if hogging is not None:
            hogging.kill()
            hogging.wait()
    figures.hog = hog
    return figures


async def _one_size(n: int, speed: float) -> Figures:
    env = await local_env()
    directory = city_directory(n)
    plan = city_plan(directory)
    codes = plan.activities[0].unit_codes
    campaign_id = f"scale-{n}"
    policy = POLICY
    expected = Counter(
        assignment=n,
        ready_reminder=n * len(policy.reminders_before_event),
        report_reminder=n * len(policy.report_reminders),
        escalation=policy.max_escalation_level,  # one notice per level, naming every unit at it
        closing=1,
        not_ready=1,
    )
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(16) as executor:
        store = migrated_store(f"sqlite:///{folder}/scale.db")
        settings = Settings(reports_dir=Path(folder) / "reports", notify_channels="log")

        def sent() -> Counter[str]:
            with store.session() as session:
                rows = session.execute(
                    select(Notification.kind, func.count())
                    .where(Notification.status == "sent")
                    .group_by(Notification.kind)
                ).all()
            return Counter({kind: count for kind, count in rows})

        async with build_worker(env.client, settings, store, executor, task_queue="scale"):
            began = time.perf_counter()
            campaign = await env.client.start_workflow(
                CampaignWorkflow.run,
                CampaignInput(
                    campaign_id=campaign_id,
                    plan=plan,
                    directory=directory,
                    policy=policy,
                    plan_origin=start_of_day(EVENT_DAY - timedelta(days=4)),  # both readiness reminders ahead
                    speed=speed,
                ),
                id=campaign_workflow_id(campaign_id),
                task_queue="scale",
            )
            activity = env.client.get_workflow_handle(activity_workflow_id(campaign_id, 1))
            one = codes[0]
            await answered(
                lambda: ask_current_run(activity, CampaignActivityWorkflow.unit_status, one), seconds=600, every=0.05
            )
            answering = time.perf_counter() - began
            await until(lambda: sent()["assignment"] >= n, seconds=3600, every=0.1)
            assigned = time.perf_counter() - began

            async def escalated() -> bool:  # the last level reached (a unit's row: the whole roll is read once)
                mine = await ask_current_run(activity, CampaignActivityWorkflow.unit_status, one)
                return mine.escalation_level >= policy.max_escalation_level

            await until(escalated, seconds=3600, every=1.0)
            await until(settled(sent), seconds=600, every=1.0)  # its notices out (a wave missed shows MISSING)
            status = await activity.query(CampaignActivityWorkflow.status)  # the whole roll, read once
            levels = Counter(u.escalation_level for u in status.units)

            def report(code: str, revision: int) -> SubmitReport:
                return SubmitReport(
                    unit=code,
                    summary=f"Ra quân {revision}: thu gom rác, trồng cây",
                    participants=20 + revision,
                    request_id=f"{code}-{revision}",
                )

            first = await in_flight(env.client, campaign_id, [report(c, 1) for c in codes[:-1]])
            revised = await in_flight(env.client, campaign_id, [report(c, 2) for c in codes[:-1]])
            await in_flight(env.client, campaign_id, [report(codes[-1], 1)])
            result = await campaign.result()
            finished = time.perf_counter() - began
            runs = await runs_of(env.client, activity.id)
            campaign_runs = await runs_of(env.client, campaign.id)
            notices = sent()
            with store.session() as session:
                recorded = session.scalar(select(func.count()).select_from(UnitReport)) or 0
    await env.shutdown()
    outcome = Counter(u.outcome for u in result.activities[0].units)
    return Figures(
        units=n,
        answering_s=answering,
        assigned_s=assigned,
        levels=dict(levels),
        reports_per_s=(first, revised),
        total_s=finished,
        notices={k: (notices[k], expected[k]) for k in expected},
        runs=runs,
        campaign_runs=campaign_runs,
        outcomes={str(k): v for k, v in outcome.items()},
        rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        reports_recorded=recorded,
        reports_held=sum(u.revision or 0 for u in result.activities[0].units),
    )


def show(f: Figures) -> None:
    beside = "with a CPU hog on one core beside the worker" if f.hog else "alone"
    print(f"\n== {f.units} units, {beside} ==")
    print(f"start: the activity answers after {f.answering_s:.2f} s, all {f.units} assigned after {f.assigned_s:.2f} s")
    print(f"escalation levels before the reports: {f.levels}")
    first, revised = f.reports_per_s
    print(f"reports: {first:.0f}/s first, {revised:.0f}/s revisions; whole run {f.total_s:.1f} s")
    for kind, (got, want) in f.notices.items():
        verdict = "ok" if got == want else "MISSING" if got < want else "EXTRA"
        print(f"  {kind:16} sent {got:6}  policy {want:6}  {verdict}")
    print(
        f"outcomes: {f.outcomes}; report revisions in the store: {f.reports_recorded},"
        f" in the result: {f.reports_held} (expected {2 * f.units - 1})"
    )
    largest = f.largest
    print(
        f"activity workflow: {len(f.runs)} run(s); largest {largest.events} events, "
        f"{largest.bytes / 1e6:.2f} MB; largest event {max(r.largest_event for r in f.runs) / 1e3:.0f} KB"
    )
    campaign = f.campaign_runs[0]
    print(
        f"campaign workflow: {campaign.events} events, {campaign.bytes / 1e6:.2f} MB, "
        f"largest event {campaign.largest_event / 1e3:.0f} KB"
    )
    tasks = f.tasks
    print(
        f"workflow tasks: {len(tasks)}; longest {max(tasks):.2f} s, p99 {percentile(tasks, 0.99):.2f} s, "
        f"p50 {percentile(tasks, 0.5):.3f} s; timed out {f.timed_out}, failed {f.failed}"
    )
    print(f"replay of the largest activity run ({largest.events} events) by a fresh worker: {f.replay_s:.2f} s")
    print(f"peak RSS of the process (worker, client, bench): {f.rss_mb:.0f} MB")


def main(argv: list[str]) -> None:
    configure_logging("console", "WARNING")
    collect_less()  # the worker runs in this process: as worker.py does
    numbers = [int(a) for i, a in enumerate(argv) if a.isdigit() and (i == 0 or argv[i - 1] != "--keep")]
    sizes = [30] if "--quick" in argv else numbers or [200, 1000, 5000]
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    for hog in (False,) if "--no-hog" in argv else (True,) if "--hog-only" in argv else (False, True):
        for n in sizes:
            figures = asyncio.run(one_size(n, hog, speed_for(n, "--quick" in argv)))
            show(figures)
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                for kind, runs in (("activity", figures.runs), ("campaign", figures.campaign_runs)):
                    for i, run in enumerate(reversed(runs)):
                        name = f"{n}-{'hog' if hog else 'alone'}-{kind}-run{i + 1}.json"
                        (keep / name).write_text(run.history.to_json(), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
    # Done: leave without finalising the interpreter, which the SDK's runtime threads may abort.
    sys.stdout.flush()
    os._exit(0)
