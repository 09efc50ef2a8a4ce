"""Which failures end a run: only an ApplicationError raised on purpose (bad data that cannot run).
A bug in the code, say a KeyError in a bad deploy, pauses the run (its workflow task fails and is
retried) until a fix is deployed, and the run then carries on as if nothing happened."""

from __future__ import annotations

import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

import campaign.due as due
from campaign.tracker import Action
from harness.temporal import time_skipping_env
from harness.waiting import eventually
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_a_bad_deploy_pauses_the_run_and_the_fix_resumes_it(env, monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> list[Action]:
        raise KeyError("a bug in the deploy")

    monkeypatch.setattr(due, "decide", broken)  # what the workflow asks at every wake-up
    async with worker(env.client) as queue:
        handle = await start(env, queue)

        async def task_failures() -> int:
            history = await handle.fetch_history()
            return sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED for e in history.events)

        assert await eventually(task_failures, bool) > 0
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    monkeypatch.undo()  # the fix is deployed
    async with worker(env.client, task_queue=queue):
        await env.sleep(3600)  # the server's retry of the failed task comes due
        await advance_to(env, handle, vn(16, 6, hour=1))
        result = await handle.result()
    assert result.reminders_sent == 12 and result.escalations_sent == 3  # the run as if nothing happened
    assert {u.outcome for u in result.units} == {"missing"}
