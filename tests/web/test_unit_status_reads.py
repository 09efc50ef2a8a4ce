"""Units' pages of one activity, opened together (the evening before a deadline): one query at a time
per activity (and its second send when slow, service.hedging), shared by every page waiting, asking only
their rows (service.unit_status)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, Interceptor, OutboundInterceptor, QueryWorkflowInput, WorkflowQueryFailedError

import service.unit_status
from campaign.units import Unit
from harness.temporal import time_skipping_env
from service.unit_status import unit_statuses
from service.updates import send_to_activity
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow
from workflows.activity_messages import MAX_ASKED


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


class Counted(Interceptor):
    """Counts the queries a client sends, by the query's name."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        counter = self

        class Counting(OutboundInterceptor):
            async def query_workflow(self, input: QueryWorkflowInput) -> Any:
                counter.sent.append(input.query)
                return await super().query_workflow(input)

        return Counting(next)


def counting(client: Client) -> tuple[Client, Counted]:
    counted = Counted()
    return Client(**{**client.config(), "interceptors": [counted]}), counted


UNITS = [Unit(code=f"cs-{i:03d}", name=f"Đoàn cơ sở {i}") for i in range(40)]


async def test_forty_pages_opened_at_once_share_two_queries_and_each_shows_its_own_row(env, monkeypatch) -> None:
    monkeypatch.setattr(service.unit_status, "HEDGE_AFTER", 60.0)  # counted without a slow query's second send
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=UNITS)
        campaign_id = handle.id.split("/")[1]
        await advance_to(env, handle, vn(2))
        alone = await handle.query(CampaignActivityWorkflow.unit_status, "cs-007")
        client, counted = counting(env.client)
        codes = [u.code for u in UNITS] + ["khong-co"]
        answers = await asyncio.gather(*(unit_statuses(client, campaign_id, [7], code) for code in codes))
        await handle.terminate("test done")
    # the first page asks alone; every page arriving while it is answered shares the next query
    assert len(counted.sent) <= 2, counted.sent
    for code, [answer] in zip(codes, answers, strict=True):
        assert answer is not None
        assert [u.code for u in answer.units] == ([code] if code != "khong-co" else [])
    seventh = answers[7][0]
    assert seventh is not None
    assert seventh.model_copy(update={"plan_now": alone.plan_now}) == alone


async def test_a_page_that_goes_away_leaves_the_others_their_answer(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=UNITS)
        campaign_id = handle.id.split("/")[1]
        await advance_to(env, handle, vn(2))
        pages = [asyncio.create_task(unit_statuses(env.client, campaign_id, [7], u.code)) for u in UNITS[:10]]
        await asyncio.sleep(0)
        pages[0].cancel()
        pages[5].cancel()
        answers = await asyncio.gather(*pages, return_exceptions=True)
        later = await unit_statuses(env.client, campaign_id, [7], "cs-003")  # the activity is asked again
        await handle.terminate("test done")
    assert isinstance(answers[0], asyncio.CancelledError) and isinstance(answers[5], asyncio.CancelledError)
    for code, answer in zip([u.code for u in UNITS[:10]], answers, strict=True):
        if not isinstance(answer, BaseException):
            assert [u.code for u in answer[0].units] == [code]  # type: ignore[union-attr]
    assert later[0] is not None and [u.code for u in later[0].units] == ["cs-003"]


async def test_an_activity_that_is_not_there_reads_as_none_for_every_page(env) -> None:
    answers = await asyncio.gather(*(unit_statuses(env.client, "khong-co", [1, 2], u.code) for u in UNITS[:5]))
    assert answers == [[None, None]] * 5


async def test_pages_together_ask_their_own_rows_not_the_roll(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=UNITS)
        campaign_id = handle.id.split("/")[1]
        await advance_to(env, handle, vn(2))
        client, counted = counting(env.client)
        first = await asyncio.gather(*(unit_statuses(client, campaign_id, [7], u.code) for u in UNITS[:10]))
        then = await asyncio.gather(*(unit_statuses(client, campaign_id, [7], u.code) for u in UNITS[10:20]))
        await handle.terminate("test done")
    assert counted.sent and set(counted.sent) == {"units_status"}  # never the whole roll of 40
    for units, answers in ((UNITS[:10], first), (UNITS[10:20], then)):
        assert [[u.code for u in a[0].units] for a in answers] == [[u.code] for u in units]  # type: ignore[union-attr]


async def test_the_query_answers_the_rows_asked_in_order_and_refuses_a_roll_call(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=UNITS)
        await advance_to(env, handle, vn(2))
        some = await handle.query(CampaignActivityWorkflow.units_status, ["cs-009", "khong-co", "cs-002"])
        too_many = [f"cs-{i:05d}" for i in range(MAX_ASKED + 1)]
        with pytest.raises(WorkflowQueryFailedError, match=f"at most {MAX_ASKED}"):
            await handle.query(CampaignActivityWorkflow.units_status, too_many)
        await handle.terminate("test done")
    assert [u.code for u in some.units] == ["cs-009", "cs-002"]


async def test_a_unit_that_has_just_sent_sees_its_own_message(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue, units=UNITS)
        campaign_id = handle.id.split("/")[1]
        await advance_to(env, handle, vn(2))
        await asyncio.gather(*(unit_statuses(env.client, campaign_id, [7], u.code) for u in UNITS[:10]))
        said = await send_to_activity(
            env.client,
            campaign_id,
            7,
            CampaignActivityWorkflow.confirm_ready,
            {"unit": "cs-003", "note": "Đủ 30 người"},
        )
        [mine] = await unit_statuses(env.client, campaign_id, [7], "cs-003")
        [yet] = await unit_statuses(env.client, campaign_id, [7], "cs-004")
        await handle.terminate("test done")
    assert "sẵn sàng" in said
    assert mine is not None and mine.units[0].ready and mine.units[0].ready_note == "Đủ 30 người"
    assert yet is not None and [u.code for u in yet.units] == ["cs-004"] and not yet.units[0].ready
