"""A run of an activity ends by what replaying it would cost: after so many actions carried out, not
only so many events (workflows.activity.RUN_ACTIONS: a wave of a city's notices is cheap in events
and dear to replay). New runs do so behind the `run-ends-by-actions` patch, and hand over before they
publish (`hand-over-before-publish`: the next run publishes at once); each notice still goes out once
across the hand-over."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowQueryRejectedError
from temporalio.common import QueryRejectCondition

from campaign.units import Unit
from harness.temporal import migrated_store, time_skipping_env
from harness.waiting import eventually
from service.status import ask_current_run
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


async def test_a_query_that_reaches_a_run_after_it_handed_over_is_asked_of_the_next(env, tmp_path) -> None:
    """A page's query that reaches a run as it hands over is refused by the server (NOT_OPEN), never
    answered by replaying the closed run whole on a worker, and is asked again of the next run."""
    store = migrated_store(f"sqlite:///{tmp_path}/t.db")
    async with worker(env.client, store=store) as queue:
        handle = await start(env, queue, units=UNITS, run_actions=50, origin=vn(2, hour=9))
        first_run = env.client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
        await eventually(first_run.describe, lambda d: d.status == WorkflowExecutionStatus.CONTINUED_AS_NEW)
        with pytest.raises(WorkflowQueryRejectedError) as refused:
            await first_run.query(CampaignActivityWorkflow.status, reject_condition=QueryRejectCondition.NOT_OPEN)
        assert refused.value.status == WorkflowExecutionStatus.CONTINUED_AS_NEW
        latest = env.client.get_workflow_handle(handle.id)
        status = await ask_current_run(latest, CampaignActivityWorkflow.units_status, ["cs-007"])
        assert [row.code for row in status.units] == ["cs-007"]
        await handle.terminate("test done")


class _HandingOver:
    """A workflow handle whose first query meets a run that has just handed over."""

    def __init__(self) -> None:
        self.asked: list[QueryRejectCondition | None] = []

    async def query(self, query, *, args, reject_condition=None, rpc_timeout=None):
        self.asked.append(reject_condition)
        if len(self.asked) == 1:
            raise WorkflowQueryRejectedError(WorkflowExecutionStatus.CONTINUED_AS_NEW)
        return list(args)


async def test_the_doors_ask_the_next_run_again_and_never_the_closed_one() -> None:
    handle = _HandingOver()
    assert await ask_current_run(handle, CampaignActivityWorkflow.units_status, ["cs-001"]) == [["cs-001"]]  # type: ignore[arg-type]
    assert handle.asked == [QueryRejectCondition.NOT_OPEN, QueryRejectCondition.NOT_OPEN]
