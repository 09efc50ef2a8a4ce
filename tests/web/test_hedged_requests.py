"""The doors' hedged requests (service.hedging): a slow update or query is sent a second time beside the
first and the first answer taken; an update sent twice that way is still taken once."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

import service.updates
from campaign.units import Unit
from harness.temporal import time_skipping_env
from service.hedging import first_answer
from service.updates import send_to_activity
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow


class Attempts:
    """Each call's outcome in turn: (seconds before answering, the answer or the error raised)."""

    def __init__(self, *outcomes: tuple[float, object]) -> None:
        self.outcomes, self.started, self.cancelled = list(outcomes), 0, 0

    async def __call__(self) -> object:
        delay, outcome = self.outcomes[self.started]
        self.started += 1
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


async def test_a_quick_answer_is_taken_without_a_second_send() -> None:
    attempts = Attempts((0.0, "đã nhận"), (0.0, "lần hai"))
    assert await first_answer(attempts, after=0.2) == "đã nhận" and attempts.started == 1


async def test_a_slow_first_send_is_overtaken_by_the_second_and_cancelled() -> None:
    attempts = Attempts((5.0, "chậm"), (0.0, "lần hai"))
    assert await first_answer(attempts, after=0.05) == "lần hai"
    await asyncio.sleep(0)
    assert attempts.started == 2 and attempts.cancelled == 1


async def test_a_failed_send_waits_for_the_other_and_both_failing_raise_the_first_error() -> None:
    attempts = Attempts((0.1, ValueError("lần đầu lỗi")), (0.2, "lần hai"))
    assert await first_answer(attempts, after=0.05) == "lần hai"
    failing = Attempts((0.1, ValueError("lần đầu lỗi")), (0.15, KeyError("lần hai lỗi")))
    with pytest.raises(ValueError, match="lần đầu lỗi"):
        await first_answer(failing, after=0.05)


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


UNITS = [Unit(code=f"cs-{i:03d}", name=f"Đoàn cơ sở {i}") for i in range(5)]


async def test_a_report_sent_twice_by_the_hedge_is_taken_once(env, monkeypatch) -> None:
    """Without a request ID (the receipts cannot tell a second copy): the one update ID both sends carry is
    what keeps the second from being a second revision."""
    monkeypatch.setattr(service.updates, "HEDGE_AFTER", 0.0)  # every send sent twice at once
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=UNITS, origin=vn(11, hour=9))
        campaign_id = handle.id.split("/")[1]
        await advance_to(env, handle, vn(11, hour=20))
        report = {"unit": "cs-002", "summary": "Ra quân dọn vệ sinh", "participants": 12}
        receipt = await send_to_activity(env.client, campaign_id, 7, CampaignActivityWorkflow.submit_report, report)
        status = await handle.query(CampaignActivityWorkflow.units_status, ["cs-002"])
        history = await handle.fetch_history()
        await handle.terminate("test done")
    assert receipt.revision == 1 and status.units[0].report is not None and status.units[0].report.revision == 1
    accepted = [e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]
    assert len(accepted) == 1
