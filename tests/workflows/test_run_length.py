"""A run of an activity ends by what replaying it would cost: after so many actions carried out, not
only so many events (workflows.activity.RUN_ACTIONS: a wave of a city's notices is cheap in events
and dear to replay). New runs do so behind the `run-ends-by-actions` patch; each notice still goes
out once across the hand-over."""

from __future__ import annotations

from collections import Counter

import pytest_asyncio
from temporalio.api.enums.v1 import EventType

from campaign.units import Unit
from harness.temporal import migrated_store, time_skipping_env
from harness.waiting import eventually
from tests.helpers import rows, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow

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
        status = await handle.query(CampaignActivityWorkflow.status)
        first = await env.client.get_workflow_handle(handle.id, run_id=handle.result_run_id).fetch_history()
        await handle.terminate("test done")
    kinds = Counter(event.event_type for event in first.events)
    assert kinds[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW] == 1  # 60 assignments > 50 actions
    assert len(first.events) < 100  # far below any event threshold
    markers = [
        e.marker_recorded_event_attributes for e in first.events if e.HasField("marker_recorded_event_attributes")
    ]
    assert [m.marker_name for m in markers] == ["core_patch"]
    assert sent["assignment"] == 60 and len({r.recipient for r in rows(store) if r.kind == "assignment"}) == 60
    assert all(u.code in {x.code for x in UNITS} for u in status.units) and len(status.units) == 60
