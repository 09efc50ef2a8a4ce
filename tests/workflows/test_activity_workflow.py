"""CampaignActivityWorkflow on the time-skipping test server: phases, timers, messages."""

from __future__ import annotations

from datetime import date

import pytest
import pytest_asyncio
from temporalio.client import WorkflowUpdateFailedError

from campaign.dates import ActivityKind
from campaign.messages import Cancel, ConfirmReady, ExcuseUnit, ExtendDeadline, Reschedule, SubmitReport
from campaign.policy import Policy
from campaign.workdays import vietnam_holidays
from harness.temporal import time_skipping_env
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_single_day_without_answers_runs_every_phase(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        seen = []
        for moment in (vn(2), vn(11, hour=9), vn(13), vn(16, hour=1), vn(16, 6, hour=1)):
            await advance_to(env, handle, moment)
            status = await handle.query(CampaignActivityWorkflow.status)
            seen.append(status.phase.value)
        assert seen == ["PREPARING", "IN_EVENT", "COLLECTING", "ESCALATED", "CLOSED"]
        result = await handle.result()
    assert result.reminders_sent == 12  # 2 before the event + 2 report reminders, for 3 units
    assert result.escalations_sent == 3
    assert {u.outcome for u in result.units} == {"missing"}


async def test_reports_on_time_late_and_excused(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(7))
        await handle.execute_update(CampaignActivityWorkflow.confirm_ready, ConfirmReady(unit="a"))
        await advance_to(env, handle, vn(12))
        receipt = await handle.execute_update(
            CampaignActivityWorkflow.submit_report,
            SubmitReport(unit="Doan So A", summary="Trao 120 phần quà", participants=45, request_id="r-1"),
        )
        assert (receipt.on_time, receipt.revision, receipt.phase.value) == (True, 1, "COLLECTING")
        again = await handle.execute_update(
            CampaignActivityWorkflow.submit_report,
            SubmitReport(unit="a", summary="Trao 120 phần quà", participants=45, request_id="r-1"),
        )
        assert (again.revision, again.duplicate) == (1, True)
        await advance_to(env, handle, vn(17))
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "ESCALATED" and status.escalation_level == 1
        late = await handle.execute_update(
            CampaignActivityWorkflow.submit_report, SubmitReport(unit="b", summary="Muộn", participants=3)
        )
        assert late.on_time is False
        await handle.execute_update(CampaignActivityWorkflow.excuse_unit, ExcuseUnit(unit="c", reason="Sáp nhập"))
        result = await handle.result()
    assert {u.code: u.outcome.value for u in result.units} == {"a": "on_time", "b": "late", "c": "excused"}
    assert result.escalations_sent == 1


async def test_rejected_messages_keep_the_workflow_running(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(12))
        bad = [
            (
                CampaignActivityWorkflow.submit_report,
                SubmitReport(unit="x", summary="a", participants=1),
                "không phụ trách",
            ),
            (CampaignActivityWorkflow.submit_report, SubmitReport(unit="a", summary="", participants=1), "để trống"),
            (CampaignActivityWorkflow.submit_report, {"unit": "a", "summary": "a", "participants": -2}, "≥ 0"),
            (
                CampaignActivityWorkflow.submit_report,
                SubmitReport(unit="a", summary="a", participants=1, evidence=["javascript:alert(1)"]),
                "http/https",
            ),
            (
                CampaignActivityWorkflow.extend_deadline,
                ExtendDeadline(unit="a", new_due=date(2023, 5, 2), reason="x"),
                "đã qua",
            ),
            (CampaignActivityWorkflow.confirm_ready, ConfirmReady(unit="Đoàn Sở Z"), "không phụ trách"),
        ]
        for update, message, reason in bad:
            with pytest.raises(WorkflowUpdateFailedError) as caught:
                await handle.execute_update(update, message)
            assert reason in str(caught.value.cause)
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "COLLECTING" and all(u.report is None for u in status.units)
        await handle.execute_update(CampaignActivityWorkflow.cancel, Cancel(reason="Thời tiết xấu"))
        result = await handle.result()
    assert result.phase.value == "CANCELLED"


async def test_reschedule_and_extend_move_the_timers(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(2))
        await handle.execute_update(
            CampaignActivityWorkflow.reschedule,
            Reschedule(new_start=date(2023, 5, 20), new_end=date(2023, 5, 20), reason="Trùng lịch"),
        )
        await advance_to(env, handle, vn(15))
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "PREPARING" and status.reminders_sent == 0
        await advance_to(env, handle, vn(18))
        assert (await handle.query(CampaignActivityWorkflow.status)).reminders_sent == 3  # 17/5, three units
        await handle.execute_update(
            CampaignActivityWorkflow.extend_deadline, ExtendDeadline(new_due=date(2023, 5, 28), reason="Lễ")
        )
        await advance_to(env, handle, vn(27))
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "COLLECTING" and status.escalations_sent == 0
        assert {u.due for u in status.units} == {vn(29)}
        await advance_to(env, handle, vn(30, hour=1))
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "ESCALATED" and status.escalations_sent == 1
        await handle.terminate()


async def test_whole_month_is_in_event_all_month_and_takes_reports(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue, start=date(2023, 5, 1), end=date(2023, 5, 31), kind=ActivityKind.WHOLE_MONTH)
        seen = []
        for moment in (vn(1, hour=1), vn(15), vn(31, hour=23)):
            await advance_to(env, handle, moment)
            seen.append((await handle.query(CampaignActivityWorkflow.status)).phase.value)
        assert seen == ["IN_EVENT", "IN_EVENT", "IN_EVENT"]
        receipt = await handle.execute_update(
            CampaignActivityWorkflow.submit_report, SubmitReport(unit="a", summary="Hiến máu", participants=30)
        )
        assert (receipt.on_time, receipt.phase.value) == (True, "IN_EVENT")
        await advance_to(env, handle, vn(1, 6, hour=1))
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "COLLECTING"
        assert {u.due for u in status.units} == {vn(4, 6)}  # three days after 31/5
        for unit in ("b", "c"):
            await handle.execute_update(CampaignActivityWorkflow.excuse_unit, ExcuseUnit(unit=unit, reason="Sáp nhập"))
        result = await handle.result()
    assert result.phase.value == "CLOSED"
    assert {u.code: u.outcome.value for u in result.units} == {"a": "on_time", "b": "excused", "c": "excused"}


@pytest.mark.parametrize(("working_days", "due"), [(False, vn(1, 5, year=2024)), (True, vn(3, 5, year=2024))])
async def test_report_due_skips_the_april_holidays_on_working_days(env, working_days, due) -> None:
    async with worker(env.client) as queue:
        handle = await start(
            env,
            queue,
            start=date(2024, 4, 27),  # a Saturday; due three days later, on 30/4
            policy=Policy(working_days=working_days),
            origin=vn(1, 4, year=2024),
            window_end=date(2024, 4, 30),
            holidays=vietnam_holidays([2024]),
        )
        await advance_to(env, handle, vn(28, 4, hour=1, year=2024))
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "COLLECTING"
        assert {u.due for u in status.units} == {due}  # end of 30/4, or of Thursday 2/5 past 30/4 and 1/5
        await handle.terminate()
