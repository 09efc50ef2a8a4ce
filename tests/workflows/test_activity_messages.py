"""A message to an activity is read and checked once: the update's validator checks it and its
handler enacts what the check found. On replay the SDK runs no validators, and the handler checks
the message itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

import campaign.message_rules as message_rules
from access.payloads import data_converter
from campaign.messages import SubmitReport
from harness.temporal import time_skipping_env
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow
from workflows.registry import ALL_WORKFLOWS

HISTORIES = Path(__file__).resolve().parent.parent / "histories"


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@pytest.fixture
def calls(monkeypatch) -> Counter[str]:
    """How often the checks' lookups run: the unit by what was typed, the receipt of a request ID."""
    counted: Counter[str] = Counter()

    def counting(name: str) -> Callable[..., object]:
        real = getattr(message_rules, name)

        def call(*args: object, **kwargs: object) -> object:
            counted[name] += 1
            return real(*args, **kwargs)

        return call

    for name in ("find_unit", "earlier_receipt"):
        monkeypatch.setattr(message_rules, name, counting(name))
    return counted


async def test_a_report_is_read_and_checked_once(env, calls) -> None:
    report = SubmitReport(unit="Đoàn Sở A", summary="Trao quà", participants=30, request_id="r-1")
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(12))
        calls.clear()
        receipt = await handle.execute_update(CampaignActivityWorkflow.submit_report, report)
        first = dict(calls)
        calls.clear()
        again = await handle.execute_update(CampaignActivityWorkflow.submit_report, report)  # a client's retry
        resent = dict(calls)
        await handle.terminate("test done")
    assert (receipt.revision, again.revision, again.duplicate) == (1, 1, True)
    assert first == {"find_unit": 1, "earlier_receipt": 1}  # the validator's check, used by the handler
    assert resent == {"find_unit": 1, "earlier_receipt": 1}


async def test_on_replay_the_handler_checks_what_no_validator_checked(calls) -> None:
    """The recorded activity 7 had four updates; replayed, each handler checks its own message (the
    SDK does not run validators on replay) and the replay comes out the same."""
    history = WorkflowHistory.from_json("activity-7", (HISTORIES / "activity-7.json").read_text(encoding="utf-8"))
    await Replayer(workflows=ALL_WORKFLOWS, data_converter=data_converter()).replay_workflow(history)
    assert calls["find_unit"] >= 4
