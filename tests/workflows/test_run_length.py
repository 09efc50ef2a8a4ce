"""A run of an activity ends by what replaying it would cost: after so many actions carried out, not
only so many events (workflows.activity.RUN_ACTIONS: a wave of a city's notices is cheap in events
and dear to replay). New runs do so behind the `run-ends-by-actions` patch, and hand over before they
publish (`hand-over-before-publish`: the next run publishes at once); each notice still goes out once
across the hand-over."""

from __future__ import annotations

import json
from collections import Counter

import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from campaign.units import Unit
from harness.temporal import migrated_store, time_skipping_env
from harness.waiting import eventually
from tests.helpers import rows, start, vn
from tests.temporal_env import worker

UNITS = [Unit(code=f"cs-{i:03d}", name=f"Đoàn cơ sở {i}") for i in range(60)]


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_a_run_that_carried_out_its_share_of_actions_hands_over(env, tmp_path) -> None:
    store = migrated_store(f"sqlite:///{tmp_path}/t.db")
    async with worker(env.client, store=store) as queue:
        handle = await start(env, queue, units=UNITS, run_actions=50, origin=vn(2, hour=9))
        sent = await eventually(lambda: Counter(r.kind for r in rows(store)), lambda c: c["assignment"] == 60)
        first_run = env.client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
        # The store hears of a notice as it is sent; the run hands over only once its batch has finished.
        handed = await eventually(first_run.describe, lambda d: d.status == WorkflowExecutionStatus.CONTINUED_AS_NEW)
        assert handed.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
        first = await first_run.fetch_history()
        await handle.terminate("test done")
    kinds = Counter(event.event_type for event in first.events)
    assert kinds[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW] == 1  # 60 assignments > 50 actions
    assert len(first.events) < 100  # far below any event threshold
    marked = [
        e.marker_recorded_event_attributes for e in first.events if e.HasField("marker_recorded_event_attributes")
    ]
    patches = [json.loads(m.details["patch-data"].payloads[0].data)["id"] for m in marked]
    assert patches == ["run-ends-by-actions", "hand-over-before-publish"]
    assert sent["assignment"] == 60 and len({r.recipient for r in rows(store) if r.kind == "assignment"}) == 60
