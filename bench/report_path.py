"""The report path against the platform: `python -m bench.report_path [ROUNDS] [REPORTS]`.

On one dev server (SQLite) with one worker process: the project's `submit_report` update on
running activity workflows (1,000 units each, in their event, notices to the log channel, facts to
a SQLite store) against `AppendOnly`, a workflow whose update only appends to a list, given the
same report as its argument. Alternated side by side for ROUNDS rounds (default 5) of REPORTS
updates (default 400) each, at 10 in flight on one workflow and at 50 in flight over five. Prints,
per side and concurrency, the min and median of the rounds' throughput and p99 latency, and the
ratios project/trivial (goal: throughput ≥ 0.8, p99 ≤ 1.5×).

`--quick` runs 1 round of 40 updates (CI runs it so the benchmark cannot rot).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.worker import Worker

from access.payloads import data_converter
from bench.city import city_directory, city_plan
from bench.trivial import AppendOnly
from campaign.clock import PlanClock, start_of_day
from campaign.policy import Policy
from harness.dev_server import dev_server
from harness.temporal import migrated_store
from harness.waiting import until
from service.logs import configure_logging
from settings import Settings
from store.schema import Notification
from worker import build_worker
from workflows.activity import CampaignActivityWorkflow
from workflows.inputs import ActivityInput

UNITS = 1000
Send = Callable[[int], Awaitable[object]]


def report(unit: str, n: int) -> dict[str, object]:
    return {"unit": unit, "summary": f"Ra quân lần {n}: thu gom rác", "participants": 20, "request_id": f"r{n}"}


async def round_of(senders: list[Send], total: int, per_target: int) -> tuple[float, float]:
    """`total` updates, `per_target` in flight on each target; (updates/s, p99 ms)."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def lane(send: Send) -> None:
        for n in counter:
            began = time.perf_counter()
            await send(n)
            latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(lane(send) for send in senders for _ in range(per_target)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return total / elapsed, ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def measure(
    address: str, folder: Path, rounds: int, reports: int
) -> dict[tuple[str, int], list[tuple[float, float]]]:
    client = await Client.connect(address, data_converter=data_converter())
    store = migrated_store(f"sqlite:///{folder / 'bench.db'}")
    settings = Settings(reports_dir=folder / "reports", notify_channels="log")
    directory = city_directory(UNITS)
    plan = city_plan(directory)
    activity = plan.activities[0]
    units = [directory.get(code) for code in activity.unit_codes]
    event_start = start_of_day(activity.start)
    queue, trivial_queue = f"bench-{uuid.uuid4().hex[:6]}", f"trivial-{uuid.uuid4().hex[:6]}"
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    with ThreadPoolExecutor(16) as executor:
        project_worker = build_worker(client, settings, store, executor, task_queue=queue)
        trivial_worker = Worker(client, task_queue=trivial_queue, workflows=[AppendOnly])
        async with project_worker, trivial_worker:
            now = datetime.now(UTC)
            clock = PlanClock(plan_origin=event_start + timedelta(hours=2), wall_origin=now)  # in the event
            activities, trivials = [], []
            for i in range(5):
                wid = f"bench-activity-{uuid.uuid4().hex[:6]}-{i}"
                activities.append(
                    await client.start_workflow(
                        CampaignActivityWorkflow.run,
                        ActivityInput(
                            campaign_id="bench", activity=activity, units=units, office=directory.office,
                            committee=directory.standing_committee, policy=Policy(),
                            window_end=plan.window.end, clock=clock,
                        ),
                        id=wid, task_queue=queue,
                    )
                )  # fmt: skip
                trivials.append(
                    await client.start_workflow(AppendOnly.run, id=f"{wid}-trivial", task_queue=trivial_queue)
                )
            codes = activity.unit_codes

            def assigned() -> bool:  # the assignment notices (5 × 1,000) go out before anything is measured
                with store.session() as session:
                    sent = session.scalar(
                        select(func.count()).where(Notification.kind == "assignment", Notification.status == "sent")
                    )
                return (sent or 0) >= len(activities) * len(codes)

            await until(assigned, seconds=3600, every=0.2)
            sent = 0

            def project(handle) -> Send:  # type: ignore[no-untyped-def]
                async def send(n: int) -> object:
                    nonlocal sent
                    sent += 1
                    return await handle.execute_update(
                        CampaignActivityWorkflow.submit_report, report(codes[sent % len(codes)], sent)
                    )

                return send

            def trivial(handle) -> Send:  # type: ignore[no-untyped-def]
                async def send(n: int) -> object:
                    return await handle.execute_update(AppendOnly.add, report(codes[n % len(codes)], n))

                return send

            for _ in range(rounds):
                for in_flight, targets in ((10, 1), (50, 5)):
                    per_target = in_flight // targets
                    for side, handles, wrap in (("project", activities, project), ("trivial", trivials, trivial)):
                        figures = await round_of([wrap(h) for h in handles[:targets]], reports, per_target)
                        results.setdefault((side, in_flight), []).append(figures)
            for handle in activities:
                await handle.terminate("bench done")
            for handle in trivials:
                await handle.signal(AppendOnly.finish)
    return results


def main(argv: list[str]) -> None:
    configure_logging("console", "WARNING")
    numbers = [int(a) for a in argv if a.isdigit()]
    rounds, reports = [*numbers, 5, 400][:2] if "--quick" not in argv else [1, 40]
    if len(numbers) == 1:
        reports = 400
    with tempfile.TemporaryDirectory() as folder, dev_server(Path(folder), dict(os.environ)) as address:
        results = asyncio.run(measure(address, Path(folder), rounds, reports))
    print(f"report path on one dev server: {rounds} round(s) of {reports} updates per side, alternated")
    for in_flight in (10, 50):
        line = {}
        for side in ("project", "trivial"):
            rates = [r for r, _ in results[(side, in_flight)]]
            p99s = [p for _, p in results[(side, in_flight)]]
            line[side] = (statistics.median(rates), statistics.median(p99s))
            print(
                f"  {in_flight:2} in flight, {side:7}: {min(rates):6.0f} / {statistics.median(rates):6.0f} updates/s "
                f"(min/median); p99 {min(p99s):6.1f} / {statistics.median(p99s):6.1f} ms"
            )
        throughput = line["project"][0] / line["trivial"][0]
        latency = line["project"][1] / line["trivial"][1]
        print(
            f"  {in_flight:2} in flight: throughput project/trivial {throughput:.2f} (goal ≥ 0.8), "
            f"p99 project/trivial {latency:.2f} (goal ≤ 1.5)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # without finalising the interpreter, which the SDK's runtime threads may abort
