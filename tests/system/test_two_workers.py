"""Two worker processes against one dev server through a whole campaign: nothing is done twice."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections import Counter

from sqlalchemy import func, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from harness.dev_server import dev_server
from harness.paths import ROOT, SEED
from harness.waiting import poll
from store.database import Store
from store.schema import AuditEntry, Notification, UnitReport
from tests.helpers import starter


def notices_sent(log: str) -> list[str]:
    keys = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("event") == "notice":
            keys.append(entry["key"])
    return keys


def test_two_workers_share_a_campaign_without_doing_anything_twice(tmp_path) -> None:
    env = {
        **os.environ,
        "TEMPORAL_TASK_QUEUE": f"two-{uuid.uuid4().hex[:6]}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'campaign.db'}",
        "REPORTS_DIR": str(tmp_path / "reports"),
        "LOG_FORMAT": "json",
    }
    with dev_server(tmp_path, env) as address:
        env["TEMPORAL_ADDRESS"] = address
        logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
        workers = [
            subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=log.open("w"),
                             stderr=subprocess.STDOUT)
            for log in logs
        ]  # fmt: skip
        try:
            cid = f"two-{uuid.uuid4().hex[:6]}"
            started = starter(env, "start", str(SEED), "--campaign-id", cid, "--speed", "259200", "--rebase-now")
            assert started.returncode == 0, started.stderr

            async def seventh_started() -> bool:
                client = await Client.connect(address)
                try:
                    await client.get_workflow_handle(f"campaign/{cid}/activity/7").describe()
                except RPCError:
                    return False
                return True

            poll(lambda: asyncio.run(seventh_started()), timeout=60, every=0.2)  # the campaign starts its children
            for unit, people in (("bhxh", 40), ("ldld", 12)):
                sent = starter(env, "report", "--campaign", cid, "--activity", "7", "--unit", unit,
                               "--summary", "Đã thực hiện", "--participants", str(people),
                               "--before-event-reason", "gửi sớm")  # fmt: skip
                assert sent.returncode == 0, sent.stderr

            async def ended() -> bool:
                client = await Client.connect(address)
                description = await client.get_workflow_handle(f"campaign/{cid}").describe()
                return description.status == WorkflowExecutionStatus.COMPLETED

            poll(lambda: asyncio.run(ended()), timeout=240, every=1)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=30)

    texts = [log.read_text(encoding="utf-8") for log in logs]
    sent_by = [notices_sent(text) for text in texts]
    # Both polled the same task queue for the whole run; which one a task goes to is the server's choice,
    # so the test asks that nothing was done twice, not that the work was split.
    assert all('"worker started"' in text for text in texts)
    everything = Counter(sent_by[0] + sent_by[1])
    assert everything and max(everything.values()) == 1  # each notice went out once, from one worker
    store = Store(env["DATABASE_URL"])
    with store.session() as session:
        rows = session.execute(select(Notification.key, Notification.status, Notification.attempts)).all()
        assert {key.split("#")[0] for key, _, _ in rows} == set(everything)
        assert {(status, attempts) for _, status, attempts in rows} == {("sent", 1)}
        assert session.scalar(select(func.count()).select_from(UnitReport)) == 2
        audit_keys = session.scalars(select(AuditEntry.key)).all()
        assert len(audit_keys) == len(set(audit_keys)) > 0
    assert (tmp_path / "reports" / cid / "bao-cao.xlsx").exists()
