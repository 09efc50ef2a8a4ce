"""A unit's portal page with 12 activities on the dev server: `python -m bench.portal [N]`.

Starts a dev server, a worker and the portal (over HTTP, uvicorn), runs a 12-activity campaign in
which one unit leads every activity, then asks for that unit's page N times (default 200) and
prints p50 / p95 / p99 / max in milliseconds. The goal is p95 under 300 ms.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import uvicorn
from temporalio.client import Client

from access.links import expiry, mint
from access.payloads import data_converter
from campaign.clock import start_of_day
from campaign.importer import import_lines
from campaign.units import load_directory
from harness.corpus_inputs import plan_lines
from harness.dev_server import dev_server
from harness.net import free_port
from harness.paths import UNITS
from harness.temporal import migrated_store
from harness.waiting import answered, until_listening
from settings import Settings
from web.app import create_app
from worker import build_worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput

SECRET = "bench-Pw5Ke8Tz1Qa7Lm3Xv9Rc2Nd6Hj0Bf4Gy"
ROWS = [f"{n}\tHoạt động {n}\t{n + 5}/3/2024\tHội trường\tĐoàn Bảo hiểm xã hội phụ trách" for n in range(1, 13)]


async def measure(address: str, folder: Path, requests: int) -> list[float]:
    client = await Client.connect(address, data_converter=data_converter())
    store = migrated_store(f"sqlite:///{folder / 'bench.db'}")
    port = free_port()
    settings = Settings(reports_dir=folder / "reports", portal_secret=SECRET, portal_url=f"http://127.0.0.1:{port}")
    directory = load_directory(UNITS)
    plan = import_lines(plan_lines(ROWS), directory)
    cid = f"bench-{uuid.uuid4().hex[:6]}"
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    with ThreadPoolExecutor(8) as executor:
        async with build_worker(client, settings, store, executor, task_queue=queue, max_concurrent_activities=8):
            campaign = CampaignInput(campaign_id=cid, plan=plan, directory=directory,
                                     plan_origin=start_of_day(date(2024, 3, 1)))  # fmt: skip
            await client.start_workflow(CampaignWorkflow.run, campaign, id=campaign_workflow_id(cid), task_queue=queue)
            for no in range(1, 13):
                handle = client.get_workflow_handle(activity_workflow_id(cid, no))
                await answered(lambda h=handle: h.query(CampaignActivityWorkflow.status))

            async def connected() -> Client:
                return client

            app = create_app(settings, store, connected)
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
            serving = asyncio.create_task(server.serve())
            await until_listening(server, serving)
            token = mint(SECRET, cid, "bhxh", 1, expiry(datetime.now(UTC), 30))
            timings = []
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                first = await http.get(f"/u/{token}")
                assert first.status_code == 200 and first.text.count('class="card"') == 12, first.status_code
                for _ in range(requests):
                    started = time.perf_counter()
                    page = await http.get(f"/u/{token}")
                    timings.append((time.perf_counter() - started) * 1000)
                    assert page.status_code == 200
            server.should_exit = True
            await serving
            await client.get_workflow_handle(campaign_workflow_id(cid)).terminate("bench done")
    return timings


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as folder, dev_server(Path(folder), dict(os.environ)) as address:
        timings = asyncio.run(measure(address, Path(folder), requests))
    ordered = sorted(timings)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    print(f"unit page with 12 activities, {requests} requests over HTTP on the dev server:")
    print(f"  p50 {pct(0.5):.1f} ms   p95 {pct(0.95):.1f} ms   p99 {pct(0.99):.1f} ms   max {ordered[-1]:.1f} ms")
    print(f"  mean {statistics.mean(timings):.1f} ms; goal p95 < 300 ms: {'met' if pct(0.95) < 300 else 'NOT met'}")


if __name__ == "__main__":
    main()
