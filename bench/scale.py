"""One activity of a whole city: `python -m bench.scale [N ...]` (default 200 1000 5000).

For each size: a generated directory of N units and a one-activity plan naming them all, run as a
campaign on the time-skipping server with one in-process worker (SQLite store, notices to the log
channel). Nobody confirms readiness or reports on time, so every readiness reminder, report
reminder and escalation level goes out for every unit; then every unit reports late, all but the
last revise their report, and the last report closes the activity. Prints per size: how long the
campaign took to start (until the activity answers its query and until every assignment notice is
sent), the reports' throughput, the notices sent by kind against the policy's count, the runs of
the activity workflow (continue-as-new) with the largest history in events and bytes, the largest
single history event (an upper bound for any payload), and the process's peak RSS.

`--quick` runs 30 units only (CI runs it so the benchmark cannot rot).
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from temporalio.client import Client, WorkflowHandle

from bench.city import ISSUED, city_directory, city_plan
from campaign.clock import VIETNAM, start_of_day
from campaign.messages import SubmitReport
from campaign.policy import PolicyFile
from harness.temporal import migrated_store, time_skipping_env
from harness.waiting import answered
from service.logs import configure_logging
from settings import Settings
from store.schema import Notification, UnitReport
from worker import build_worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignInput, CampaignWorkflow, activity_workflow_id, campaign_workflow_id

IN_FLIGHT = 10  # Temporal accepts at most 10 updates in flight per workflow


async def runs_of(client: Client, workflow_id: str) -> list[tuple[int, int, int]]:
    """(events, bytes, largest event in bytes) for every run of `workflow_id`, newest first."""
    found = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        sizes = [event.ByteSize() for event in history.events]
        found.append((len(sizes), sum(sizes), max(sizes)))
        previous = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        if not previous:
            return found
        run_id = previous


async def in_flight(handle: WorkflowHandle, messages: list[SubmitReport]) -> float:
    """Send `messages` as updates, IN_FLIGHT at a time; returns reports per second."""
    queue = list(reversed(messages))
    began = time.perf_counter()

    async def sender() -> None:
        while queue:
            await handle.execute_update(CampaignActivityWorkflow.submit_report, queue.pop())

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
    runs: list[tuple[int, int, int]]  # per run: events, bytes, largest event
    campaign_runs: list[tuple[int, int, int]]
    outcomes: dict[str, int]
    rss_mb: float
    reports_recorded: int  # report revisions in the store (every first report and revision: 2n - 1)


async def one_size(n: int) -> Figures:
    env = await time_skipping_env()
    directory = city_directory(n)
    plan = city_plan(directory)
    codes = plan.activities[0].unit_codes
    campaign_id = f"scale-{n}"
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
            wall_start = await env.get_current_time()
            campaign = await env.client.start_workflow(
                CampaignWorkflow.run,
                CampaignInput(
                    campaign_id=campaign_id,
                    plan=plan,
                    directory=directory,
                    policy=PolicyFile(),
                    plan_origin=start_of_day(ISSUED),
                ),
                id=campaign_workflow_id(campaign_id),
                task_queue="scale",
            )
            activity = env.client.get_workflow_handle(activity_workflow_id(campaign_id, 1))
            await answered(lambda: activity.query(CampaignActivityWorkflow.status), seconds=600, every=0.05)
            answering = time.perf_counter() - began
            while sent()["assignment"] < n:
                await asyncio.sleep(0.1)
            assigned = time.perf_counter() - began

            # Past the third escalation (due 29/3 + 1, 4, 7 days): every reminder and level is out.
            late = datetime(2024, 4, 6, 12, tzinfo=VIETNAM)
            plan_origin = start_of_day(ISSUED)
            while (ahead := late - plan_origin - (await env.get_current_time() - wall_start)) > timedelta(0):
                await env.sleep(min(ahead, timedelta(hours=6)))  # in steps: a long skip times out while notices go
            status = await activity.query(CampaignActivityWorkflow.status)
            levels = Counter(u.escalation_level for u in status.units)

            def report(code: str, revision: int) -> SubmitReport:
                return SubmitReport(
                    unit=code,
                    summary=f"Ra quân {revision}: thu gom rác, trồng cây",
                    participants=20 + revision,
                    request_id=f"{code}-{revision}",
                )

            first = await in_flight(activity, [report(c, 1) for c in codes[:-1]])
            revised = await in_flight(activity, [report(c, 2) for c in codes[:-1]])
            await activity.execute_update(CampaignActivityWorkflow.submit_report, report(codes[-1], 1))
            result = await campaign.result()
            finished = time.perf_counter() - began
            runs = await runs_of(env.client, activity.id)
            campaign_runs = await runs_of(env.client, campaign.id)
            notices = sent()
            with store.session() as session:
                recorded = session.scalar(select(func.count()).select_from(UnitReport)) or 0
    await env.shutdown()
    policy = PolicyFile()
    expected = Counter(
        assignment=n,
        ready_reminder=n * len(policy.reminders_before_event),
        report_reminder=n * len(policy.report_reminders),
        escalation=policy.max_escalation_level,  # one notice per level, naming every unit at it
        closing=1,
        not_ready=1,
    )
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
    )


def show(f: Figures) -> None:
    print(f"\n== {f.units} units ==")
    print(f"start: the activity answers after {f.answering_s:.2f} s, all {f.units} assigned after {f.assigned_s:.2f} s")
    print(f"escalation levels before the reports: {f.levels}")
    first, revised = f.reports_per_s
    print(f"reports: {first:.0f}/s first, {revised:.0f}/s revisions; whole run {f.total_s:.1f} s")
    for kind, (got, want) in f.notices.items():
        verdict = "ok" if got == want else "MISSING" if got < want else "EXTRA"
        print(f"  {kind:16} sent {got:6}  policy {want:6}  {verdict}")
    print(f"outcomes: {f.outcomes}; report revisions in the store: {f.reports_recorded} (expected {2 * f.units - 1})")
    print(
        f"activity workflow: {len(f.runs)} run(s); largest {max(r[0] for r in f.runs)} events, "
        f"{max(r[1] for r in f.runs) / 1e6:.2f} MB; largest event {max(r[2] for r in f.runs) / 1e3:.0f} KB"
    )
    events, size, largest = f.campaign_runs[0]
    print(f"campaign workflow: {events} events, {size / 1e6:.2f} MB, largest event {largest / 1e3:.0f} KB")
    print(f"peak RSS of the process (worker, client, bench): {f.rss_mb:.0f} MB")


def main(argv: list[str]) -> None:
    configure_logging("console", "WARNING")
    sizes = [30] if "--quick" in argv else [int(a) for a in argv if a.isdigit()] or [200, 1000, 5000]
    for n in sizes:
        show(asyncio.run(one_size(n)))


if __name__ == "__main__":
    main(sys.argv[1:])
    # Done: leave without finalising the interpreter, which the SDK's runtime threads may abort.
    sys.stdout.flush()
    os._exit(0)
