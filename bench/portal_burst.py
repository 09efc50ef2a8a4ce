"""The evening before a deadline: `python -m bench.portal_burst [N]` (default 2000; 5000 the long mode).

On one dev server (SQLite), with the web app (uvicorn, over HTTP) and its clients in this process and
the workers in a process of their own as deployed (bench.burst_worker): a campaign whose one activity
names N units, its plan clock set to the evening before the report
deadline. Then every unit, through its own signed link, opens its page (`GET /u/<link>`) and then submits
its report (`POST /api/v1/activities/1/report`), CLIENTS at once, all within minutes of plan time.
Side by side, the same number of requests to a minimal endpoint served by the same server (outside
the portal's middleware: it has no link to check), which sends a trivial update to `AppendOnly` on
the same Temporal server, at most 8 at once as the portal sends to one activity. Prints per side:
requests/s, p50/p95/p99 and errors by HTTP status (a unit's page answered 200 without its report
form, because the activity's state did not come, counts as an error); the workflow tasks of its
workflows during its burst (from their histories: runs, time waiting for the worker, time taken,
failed or timed out); reports stored against reports sent (none lost, none doubled); and the ratio
of the portal's throughput to the minimal endpoint's.

Goals: p99 < 1 s, no error, none lost, throughput ≥ 0.7× the minimal endpoint.
Workers: one process for workflows and one for activities (`--one-worker`: one for both).
`--quick` runs 40 units with 20 clients (CI runs it so the benchmark cannot rot): more than the 10
updates Temporal takes in flight per workflow, which the portal queues.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.types import Receive, Scope, Send
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from access.links import expiry, mint
from access.payloads import data_converter
from bench.city import EVENT_DAY, city_directory, city_plan
from bench.scale import percentile, runs_of
from bench.trivial import AppendOnly
from campaign.clock import start_of_day
from campaign.policy import PolicyFile
from harness.dev_server import dev_server
from harness.net import free_port
from harness.temporal import migrated_store
from harness.waiting import answered, eventually, until, until_listening
from service.logs import configure_logging
from settings import Settings
from store.schema import Notification, UnitReport
from web.app import create_app
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput

SECRET = "burst-" + "s" * 40
CLIENTS = 50
PER_APPENDER = 1_500
# The workers' processes (WORKER_ROLE each): workflows apart from activities, as a city deploys them (a
# run's first task decodes a roll of thousands of reports; no activity thread takes its turn at the
# interpreter meanwhile); `--one-worker` runs both in one process, as a Đoàn Khối's single worker does.
SPLIT = ("workflows", "activities")
ONE_PROCESS = ("all",)


@dataclass
class Tasks:
    """The workflow side of one side of the burst, from the histories of its workflows (every run)."""

    runs: int = 0
    waited: list[float] = field(default_factory=list)  # workflow task scheduled → started (s): the worker busy
    took: list[float] = field(default_factory=list)  # workflow task started → completed (s)
    failed: int = 0  # failed or timed out

    def line(self) -> str:
        ms = [percentile(v, p) * 1000 if v else 0.0 for v in (self.waited, self.took) for p in (0.5, 0.99)]
        return (
            f"{self.runs} run(s), {len(self.took)} workflow tasks: waited for the worker p50 {ms[0]:.0f} ms, "
            f"p99 {ms[1]:.0f} ms; took p50 {ms[2]:.0f} ms, p99 {ms[3]:.0f} ms; {self.failed} failed or timed out"
        )


async def tasks_of(client: Client, workflow_ids: list[str], since: datetime, until: datetime) -> Tasks:
    """The workflow tasks of `workflow_ids` (every run) that started between `since` and `until` (UTC)."""
    tasks, ends = Tasks(), {EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED, EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT}
    for workflow_id in workflow_ids:
        for run in await runs_of(client, workflow_id):
            scheduled = started = None
            counted = False
            for event in run.history.events:
                at = event.event_time.ToDatetime(tzinfo=UTC)
                if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
                    scheduled = at
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                    started = at if since <= at <= until else None
                    if started is not None and scheduled is not None:
                        tasks.waited.append((at - scheduled).total_seconds())
                elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED or event.event_type in ends:
                    if started is not None:
                        tasks.took.append((at - started).total_seconds())
                        tasks.failed += event.event_type in ends
                        counted = True
                    started = None
            tasks.runs += counted
    return tasks


@dataclass
class Side:
    latencies: list[float] = field(default_factory=list)  # seconds
    by_place: dict[int, list[float]] = field(default_factory=dict)  # the same, by the request's place in its job
    statuses: Counter[str] = field(default_factory=Counter)  # HTTP status, or what was wrong with a 200
    seconds: float = 0.0
    window: tuple[datetime, datetime] = (datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    tasks: Tasks = field(default_factory=Tasks)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


Request = Callable[[httpx.AsyncClient], Awaitable[str]]  # one HTTP request, giving its status


async def burst(jobs: list[list[Request]], base: str, clients: int) -> Side:
    """Run `jobs` over `clients` connections at once: a job's requests one after the other (a unit
    opens its page, then reports), each request timed on its own.

    The clients are made before the clock starts, plain HTTP without a TLS context: making one loads
    the CA bundle (about 0.2 s of CPU on a busy host), which would stall the server sharing the loop."""
    side, queue = Side(), list(reversed(jobs))
    https = [httpx.AsyncClient(base_url=base, timeout=120, verify=False) for _ in range(clients)]

    async def client(http: httpx.AsyncClient) -> None:
        while queue:
            for place, request in enumerate(queue.pop()):
                began = time.perf_counter()
                try:
                    status = await request(http)
                except httpx.HTTPError:
                    status = "no answer"
                side.latencies.append(time.perf_counter() - began)
                side.by_place.setdefault(place, []).append(side.latencies[-1])
                side.statuses[status] += 1

    began, since = time.perf_counter(), datetime.now(UTC)
    await asyncio.gather(*(client(http) for http in https))
    side.seconds, side.window = time.perf_counter() - began, (since, datetime.now(UTC))
    for http in https:
        await http.aclose()
    return side


async def measure(
    address: str, folder: Path, n: int, clients: int, roles: tuple[str, ...] = SPLIT
) -> tuple[Side, Side, int, int]:
    client = await Client.connect(address, data_converter=data_converter())
    store_url = f"sqlite:///{folder / 'burst.db'}"
    store = migrated_store(store_url)
    port = free_port()
    settings = Settings(
        reports_dir=folder / "reports",
        portal_secret=SECRET,
        portal_url=f"http://127.0.0.1:{port}",
        notify_channels="log",
    )
    directory = city_directory(n)
    plan = city_plan(directory)
    codes = plan.activities[0].unit_codes
    cid, queue, trivial_queue = (f"burst-{uuid.uuid4().hex[:6]}" for _ in range(3))
    # The evening of the event, hours before the deadline: every report is on time.
    evening = start_of_day(EVENT_DAY) + timedelta(hours=20)
    fields = {"reports_dir": str(settings.reports_dir), "portal_secret": SECRET, "portal_url": settings.portal_url,
              "notify_channels": "log", "database_url": store_url}  # fmt: skip
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.burst_worker", role, address, queue, trivial_queue, json.dumps(fields)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for role in roles
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == b"ready", "a worker did not start"
        campaign = CampaignInput(campaign_id=cid, plan=plan, directory=directory, policy=PolicyFile(),
                                 plan_origin=evening)  # fmt: skip
        await client.start_workflow(CampaignWorkflow.run, campaign, id=campaign_workflow_id(cid), task_queue=queue)
        activity = client.get_workflow_handle(activity_workflow_id(cid, 1))
        await answered(lambda: activity.query(CampaignActivityWorkflow.status), seconds=600)

        def assigned() -> bool:  # the assignment notices go out before anything is measured
            with store.session() as session:
                sent = session.scalar(
                    select(func.count()).where(Notification.kind == "assignment", Notification.status == "sent")
                )
            return (sent or 0) >= n

        await until(assigned, seconds=1800, every=0.5)
        # A run takes 2,000 updates at most: one AppendOnly per PER_APPENDER requests.
        appenders = [
            await client.start_workflow(AppendOnly.run, id=f"{cid}-trivial-{i}", task_queue=trivial_queue)
            for i in range(2 * n // PER_APPENDER + 1)
        ]
        lane = asyncio.Semaphore(8)  # the same polite queue the portal keeps per workflow

        async def connected() -> Client:
            return client

        portal_app = create_app(settings, store, connected)
        minimal_app = FastAPI()

        @minimal_app.post("/bench/append/{k}")
        async def append(k: int, item: dict[str, object]) -> dict[str, int]:  # the minimal endpoint
            async with lane:
                return {"items": await appenders[k // PER_APPENDER].execute_update(AppendOnly.add, item)}

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            """One server: /bench/ to the minimal endpoint (no portal middleware: no link to check),
            everything else to the portal."""
            path = scope.get("path", "") if scope["type"] == "http" else ""
            await (minimal_app if path.startswith("/bench/") else portal_app)(scope, receive, send)

        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        serving = asyncio.create_task(server.serve())
        await until_listening(server, serving)
        links_until = expiry(datetime.now(UTC), 30)
        tokens = {code: mint(SECRET, cid, code, 1, links_until) for code in codes}
        reported: set[str] = set()  # units whose report was answered 200

        def page(code: str) -> Request:
            async def job(http: httpx.AsyncClient) -> str:
                answer = await http.get(f"/u/{tokens[code]}")
                if answer.status_code == 200 and f'action="/u/{tokens[code]}/report/1"' not in answer.text:
                    return "200 without the report form"  # the activity's state did not come
                return str(answer.status_code)

            return job

        def report(code: str) -> Request:
            body = {"summary": "Ra quân dọn vệ sinh khu phố", "participants": 25, "request_id": f"{code}-1"}

            async def job(http: httpx.AsyncClient) -> str:
                headers = {"Authorization": f"Bearer {tokens[code]}"}
                answer = await http.post("/api/v1/activities/1/report", json=body, headers=headers)
                if answer.status_code == 200:
                    reported.add(code)
                return str(answer.status_code)

            return job

        def trivial(k: int) -> Request:
            async def job(http: httpx.AsyncClient) -> str:
                return str((await http.post(f"/bench/append/{k}", json={"summary": "Ra quân"})).status_code)

            return job

        base = f"http://127.0.0.1:{port}"
        portal = await burst([[page(code), report(code)] for code in codes], base, clients)
        minimal = await burst([[trivial(k)] for k in range(2 * n)], base, clients)
        server.should_exit = True
        await serving
        accepted = len(reported)
        settle = time.monotonic() + 120  # the store hears of reports in batches, about a second apart

        def stored_now() -> int:
            with store.session() as session:
                return (
                    session.scalar(select(func.count()).select_from(UnitReport).where(UnitReport.campaign_id == cid))
                    or 0
                )

        await eventually(stored_now, lambda stored: stored >= accepted, seconds=max(0.0, settle - time.monotonic()))
        await asyncio.sleep(2)  # anything doubled would show by now
        stored = stored_now()
        await client.get_workflow_handle(campaign_workflow_id(cid)).terminate("bench done")
        for appender in appenders:
            await appender.signal(AppendOnly.finish)
        portal.tasks = await tasks_of(client, [activity_workflow_id(cid, 1)], *portal.window)
        minimal.tasks = await tasks_of(client, [appender.id for appender in appenders], *minimal.window)
    finally:
        for worker in workers:
            worker.stdin.close()  # type: ignore[union-attr]
        for worker in workers:
            worker.wait(timeout=60)
    return portal, minimal, n, stored


PLACES = ("pages", "reports")  # a unit's job: its page, then its report


def show(name: str, side: Side) -> None:
    errors = {status: count for status, count in side.statuses.items() if status != "200"}
    p50, p95, p99 = (percentile(side.latencies, p) * 1000 for p in (0.5, 0.95, 0.99))
    print(
        f"  {name:22} {len(side.latencies):6} requests, {side.rate:6.0f}/s; "
        f"p50 {p50:6.0f} ms, p95 {p95:6.0f} ms, p99 {p99:6.0f} ms; errors by status {errors or 'none'}"
    )
    if len(side.by_place) > 1:
        for place, latencies in sorted(side.by_place.items()):
            p50, p99 = (percentile(latencies, p) * 1000 for p in (0.5, 0.99))
            print(f"  {'':22} {PLACES[place]}: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"  {'':22} its workflow: {side.tasks.line()}")


def main(argv: list[str]) -> None:
    configure_logging("console", "WARNING")
    quick = "--quick" in argv
    n = 40 if quick else next((int(a) for a in argv if a.isdigit()), 2000)
    clients = 20 if quick else CLIENTS
    roles = ONE_PROCESS if "--one-worker" in argv else SPLIT
    with tempfile.TemporaryDirectory() as folder, dev_server(Path(folder), dict(os.environ)) as address:
        portal, minimal, sent, stored = asyncio.run(measure(address, Path(folder), n, clients, roles))
    print(f"deadline-evening burst: {n} units, each opens its page and submits its report; {clients} clients at once")
    print(f"  workers: {' and '.join(f'{role} (a process)' for role in roles)}")
    show("portal (page + report)", portal)
    show("minimal endpoint", minimal)
    verdict = "none lost, none doubled" if stored == sent else ("LOST" if stored < sent else "DOUBLED")
    print(f"  reports sent {sent}, stored {stored}: {verdict}")
    print(f"  throughput portal/minimal {portal.rate / minimal.rate:.2f} (goal ≥ 0.7); p99 goal < 1 s")


if __name__ == "__main__":
    main(sys.argv[1:])
    sys.stdout.flush()
    os._exit(0)  # without finalising the interpreter, which the SDK's runtime threads may abort
