"""WORKER_ROLE: a city runs the workflows in one process and the activities (mail, the store, files) in
another; together they do what one worker does, and each takes only its own tasks."""

from __future__ import annotations

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from campaign.messages import SubmitReport
from harness.paths import ROOT
from harness.temporal import migrated_store, time_skipping_env
from settings import Settings, settings_problem
from store.schema import AuditEntry, UnitReport
from tests.helpers import advance_to, start, vn
from worker import build_worker
from workflows.activity import CampaignActivityWorkflow


def test_an_unknown_role_is_named_in_the_message() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(worker_role="everything")  # type: ignore[arg-type]
    assert settings_problem(refused.value) == (
        "cấu hình sai: WORKER_ROLE: phải là một trong 'all', 'workflows' hoặc 'activities' (viết đúng chữ thường) "
        "(đang đặt “everything”)"
    )  # Vietnamese, not pydantic's English


async def test_each_role_registers_only_its_own_side(tmp_path) -> None:
    env = await time_skipping_env()
    try:
        store = migrated_store(f"sqlite:///{tmp_path}/t.db")
        with ThreadPoolExecutor(2) as executor:
            built = {  # a queue each: the SDK refuses two workers of one client taking the same tasks of one queue
                role: build_worker(
                    env.client, Settings(worker_role=role, reports_dir=tmp_path), store, executor, f"q-{role}", 2
                )
                for role in ("all", "workflows", "activities")
            }
            sides = {
                role: (bool(w.config().get("workflows")), bool(w.config().get("activities")))
                for role, w in built.items()
            }
            assert sides == {"all": (True, True), "workflows": (True, False), "activities": (False, True)}
            only_workflows = build_worker(env.client, Settings(worker_role="workflows"), None, None, "q")
            assert only_workflows.config().get("activity_executor") is None
            with pytest.raises(ValueError, match="needs the store"):
                build_worker(env.client, Settings(worker_role="activities"), None, executor, "q-none")
    finally:
        await env.shutdown()


async def test_a_workflows_worker_and_an_activities_worker_together_run_an_activity(tmp_path) -> None:
    """The report is taken by the workflows' process and written to the store by the activities' one."""
    env = await time_skipping_env()
    queue = f"q-{uuid.uuid4()}"
    store = migrated_store(f"sqlite:///{tmp_path}/t.db")
    try:
        with ThreadPoolExecutor(8) as executor:
            workflows = build_worker(env.client, Settings(worker_role="workflows"), None, None, queue)
            activities = build_worker(
                env.client, Settings(worker_role="activities", reports_dir=tmp_path, notify_channels="log"), store,
                executor, queue, max_concurrent_activities=8,
            )  # fmt: skip
            async with workflows, activities:
                handle = await start(env, queue)
                await advance_to(env, handle, vn(12))
                receipt = await handle.execute_update(
                    CampaignActivityWorkflow.submit_report,
                    SubmitReport(unit="a", summary="Trao 120 phần quà\nThăm 3 gia đình", participants=45),
                )
                assert receipt.revision == 1
                await advance_to(env, handle, vn(16, 6, hour=1))
                result = await handle.result()
        assert result.phase.value == "CLOSED"
        with store.session() as session:
            reports = session.scalars(select(UnitReport)).all()
            kinds = set(session.scalars(select(AuditEntry.action)).all())
        assert [(r.unit_code, r.summary, r.participants) for r in reports] == [
            ("a", "Trao 120 phần quà\nThăm 3 gia đình", 45)
        ]
        assert {"report", "closed"} <= kinds
    finally:
        await env.shutdown()


def test_a_workflows_worker_never_opens_the_database(tmp_path) -> None:
    """Started with a database it cannot reach, a worker of workflows alone does not try: the database is
    the activities' (worker.run_worker up to building the worker, with Temporal left out)."""
    script = """
import asyncio, worker
from settings import get_settings
seen = []
worker.Store = lambda *a, **k: seen.append("store")
async def no_temporal(*a, **k):
    raise SystemExit(f"connect {seen}")
worker.connect = no_temporal
asyncio.run(worker.run_worker(get_settings(), asyncio.Event()))
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    for role, seen in (("workflows", "connect []"), ("activities", "connect ['store']")):
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env={**env, "WORKER_ROLE": role}, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
        assert done.stderr.strip().splitlines()[-1] == seen, done.stderr


async def test_the_operator_is_told_which_side_of_the_worker_is_missing(tmp_path) -> None:
    """`starter.py start` warns with missing_workers: no worker, or one running one role only (a campaign
    that takes reports but sends nothing would otherwise look healthy)."""
    from harness.temporal import local_env
    from harness.waiting import eventually
    from service.temporal import missing_workers

    env = await local_env()
    try:
        queues = {role: f"q-{role}-{uuid.uuid4().hex[:6]}" for role in ("workflows", "activities", "none")}
        said = {"none": await missing_workers(env.client, queues["none"])}
        with ThreadPoolExecutor(2) as executor:
            store = migrated_store(f"sqlite:///{tmp_path}/t.db")
            for role, other in (("workflows", "activities"), ("activities", "workflows")):
                queue, wanted = queues[role], f"WORKER_ROLE={other}"
                async with build_worker(env.client, Settings(worker_role=role), store, executor, queue, 2):
                    said[role] = await eventually(
                        partial(missing_workers, env.client, queue), partial(_names, wanted), seconds=30
                    )
    finally:
        await env.shutdown()
    assert said["none"] is not None and "chưa có worker nào nhận việc" in said["none"]
    assert "thông báo chưa gửi" in said["workflows"] and "chỉ có worker WORKER_ROLE=workflows" in said["workflows"]
    assert "chiến dịch chưa chạy" in said["activities"]


def _names(wanted: str, said: str | None) -> bool:
    return said is not None and wanted in said
