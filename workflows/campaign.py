"""CampaignWorkflow: the month's plan, one child workflow per schedule row."""

from __future__ import annotations

import asyncio
import hmac
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError, ChildWorkflowError

__all__ = ["CampaignInput", "CampaignWorkflow", "activity_workflow_id", "campaign_workflow_id"]

with workflow.unsafe.imports_passed_through():
    from activities.contracts import (
        RECORD_CAMPAIGN,
        RECORD_CAMPAIGN_END,
        RECORD_EVENT,
        WRITE_FINAL_REPORT,
        CampaignEnd,
        ReportRequest,
    )
    from campaign.clock import PlanClock, end_of_day, format_moment
    from campaign.digest import next_monday_morning, weekly_digest
    from campaign.distribution import final_report_notices, recipients_in_directory
    from campaign.escape import first_line, markdown_text
    from campaign.facts import ActivityEvent, EventKind, campaign_record
    from campaign.messages import Cancel
    from campaign.notices import activity_failed
    from campaign.plan import PlannedActivity, schedule_problems
    from campaign.tracker import FINAL_PHASES, Phase, phase_words
    from campaign.views import ActivityResult, ActivitySummary, activity_ui_summary
    from workflows import search_attributes as sa
    from workflows.activity import TASK_TIMEOUT, CampaignActivityWorkflow
    from workflows.checked import read
    from workflows.ids import activity_workflow_id, campaign_workflow_id, refuse_bad_campaign_id
    from workflows.inputs import ActivityInput, CampaignInput, CampaignResult, Overview
    from workflows.notify import send
    from workflows.retry import RECORD_RETRY


@workflow.defn
class CampaignWorkflow:
    @workflow.init
    def __init__(self, input: CampaignInput) -> None:
        self.input = input
        start = workflow.now()
        self.clock = PlanClock(plan_origin=input.plan_origin or start, wall_origin=start, speed=input.speed)
        self.summaries: dict[int, ActivitySummary] = {
            a.no: ActivitySummary(
                no=a.no,
                title=a.title,
                phase=Phase.PREPARING,
                pending=a.unit_codes,
                overdue=[],
                escalation_level=0,
                reported=0,
                ready=0,
                units=len(a.unit_codes),
                number=a.number,
            )
            for a in input.plan.activities
        }
        self.phase = "RUNNING"
        self.cancel_reason: str | None = None
        self.escalations_at_last_digest: dict[int, int] = {}
        self.tokens: dict[int, str] = {}  # activity → the secret its summaries and our cancel carry

    def now(self) -> datetime:
        return self.clock.plan_now(workflow.now())

    @workflow.run
    async def run(self, input: CampaignInput) -> CampaignResult:
        refuse_bad_campaign_id(input.campaign_id)
        if problems := schedule_problems(input.plan):  # a plan that cannot run fails here, cleanly, once
            first = problems[0]
            where = f"dòng {first.line}: " if first.line else ""
            raise ApplicationError(
                f"kế hoạch không chạy được: {where}{first.message}", type="Rejected", non_retryable=True
            )
        workflow.upsert_search_attributes([sa.CAMPAIGN_ID.value_set(input.campaign_id), sa.PHASE.value_set(self.phase)])
        self._show()
        record = campaign_record(
            input.campaign_id, workflow.info().workflow_id, input.plan, input.directory, started_at=self.now()
        )
        recorded = workflow.start_activity(
            RECORD_CAMPAIGN, record, start_to_close_timeout=timedelta(seconds=60), retry_policy=RECORD_RETRY
        )
        self.tokens = {a.no: str(workflow.uuid4()) for a in input.plan.activities}
        handles = list(await asyncio.gather(*(self._start_child(a) for a in input.plan.activities)))  # in one task
        children = asyncio.ensure_future(
            asyncio.gather(*(self._followed(a, h) for a, h in zip(input.plan.activities, handles, strict=True)))
        )
        while not children.done():
            await self._weekly_digest_or_end(children)
        results: list[ActivityResult] = list(children.result())
        self.phase = "CANCELLED" if self.cancel_reason else "CLOSED"
        workflow.upsert_search_attributes([sa.PHASE.value_set(self.phase)])
        self._show()
        await recorded
        files = await self._final_report(results)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CampaignResult(campaign_id=input.campaign_id, activities=results, report_files=files)

    async def _weekly_digest_or_end(self, children: asyncio.Future) -> None:
        """Sleep until Monday morning (plan time) and send the digest, unless every activity ends first."""
        now = self.now()
        at = next_monday_morning(now)
        try:
            await workflow.wait_condition(
                children.done,
                timeout=self.clock.wall_delay(at - now) + timedelta(milliseconds=1),
                timeout_summary=f"bản tin tuần cho Ban Thường vụ ({format_moment(at)})",
            )
        except TimeoutError:
            summaries = list(self.summaries.values())
            notice = weekly_digest(
                self.input.campaign_id,
                self.input.plan.code,
                summaries,
                self.escalations_at_last_digest,
                at,
                self.input.directory,
            )
            await send(
                notice.model_copy(update={"to": self.input.directory.standing_committee}), self.input.directory.office
            )
            self.escalations_at_last_digest = {s.no: s.escalations_sent for s in summaries}

    async def _final_report(self, results: list[ActivityResult]) -> list[str]:
        """Write the report from the records, then send it to the plan's recipients ("Nơi nhận")."""
        end = CampaignEnd(campaign_id=self.input.campaign_id, status=self.phase, at=self.now())
        await workflow.execute_activity(
            RECORD_CAMPAIGN_END, end, start_to_close_timeout=timedelta(seconds=60), retry_policy=RECORD_RETRY
        )
        files = await workflow.execute_activity(
            WRITE_FINAL_REPORT,
            ReportRequest(campaign_id=self.input.campaign_id, generated_at=end.at),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RECORD_RETRY,
            summary="báo cáo kết quả chiến dịch",
            result_type=list[str],
        )
        plan = self.input.plan
        units, unknown = recipients_in_directory(plan.recipients, self.input.directory)
        link_until = self.clock.wall_at(end_of_day(plan.window.end))  # units' links in the report's notices
        notices = final_report_notices(
            self.input.campaign_id, plan.code, plan.title, units, files, results, unknown, link_until
        )
        for notice in notices:
            await send(notice, self.input.directory.office)
        return files

    async def _followed(self, activity: PlannedActivity, handle: workflow.ChildWorkflowHandle) -> ActivityResult:
        """The activity's result; if its workflow failed or was terminated, its last state, and the office told."""
        try:
            return await handle
        except ChildWorkflowError as err:
            reason = first_line(err.cause or err, 300)
            workflow.logger.error(
                "activity workflow failed",
                extra={"campaign_id": self.input.campaign_id, "activity_no": activity.no, "reason": reason},
            )
        last = self.summaries[activity.no]
        self.summaries[activity.no] = last.model_copy(update={"phase": Phase.FAILED})
        self._show()
        child_id = activity_workflow_id(self.input.campaign_id, activity.no)
        failed = ActivityEvent(
            key=f"{child_id}/failed",
            kind=EventKind.CLOSED,
            campaign_id=self.input.campaign_id,
            activity_no=activity.no,
            workflow_id=child_id,
            actor="system",
            at=self.now(),
            phase=Phase.FAILED,
            detail={"reason": reason},
        )
        await workflow.execute_activity(
            RECORD_EVENT, failed, start_to_close_timeout=timedelta(seconds=30), retry_policy=RECORD_RETRY
        )
        notice = activity_failed(self.input.campaign_id, activity, reason)
        await send(notice.model_copy(update={"to": self.input.directory.office}), self.input.directory.office)
        return ActivityResult(
            no=activity.no, title=activity.title, phase=Phase.FAILED, units=[], reminders_sent=0, escalations_sent=0
        )

    async def _start_child(self, activity: PlannedActivity) -> workflow.ChildWorkflowHandle:
        directory = self.input.directory
        units = [directory.get(code) for code in activity.unit_codes if code in directory.by_code]
        child_input = ActivityInput(
            campaign_id=self.input.campaign_id,
            parent_id=workflow.info().workflow_id,
            activity=activity,
            units=units,
            office=directory.office,
            committee=directory.standing_committee,
            policy=self.input.policy.for_activity(activity.no),
            holidays=self.input.holidays,
            window_end=self.input.plan.window.end,
            clock=self.clock,
            campaign_token=self.tokens.get(activity.no),
        )
        return await workflow.start_child_workflow(
            CampaignActivityWorkflow.run,
            child_input,
            id=activity_workflow_id(self.input.campaign_id, activity.no),
            task_timeout=TASK_TIMEOUT,  # why: workflows/activity.py
            static_summary=activity_ui_summary(activity),
            static_details=f"Địa điểm: {markdown_text(activity.place)}\n\n"
            f"Đơn vị: {markdown_text(', '.join(u.name for u in units)) or '—'}"[:2000],
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.CAMPAIGN_ID, self.input.campaign_id),
                    SearchAttributePair(sa.ACTIVITY_NO, activity.no),
                    SearchAttributePair(sa.PHASE, Phase.PREPARING.value),
                ]
            ),
        )

    def _show(self) -> None:
        lines = [
            f"**{markdown_text(self.input.plan.code)}** {markdown_text(self.input.plan.title)} — {self.phase}",
            "",
            "| TT | Hoạt động | Giai đoạn | Chờ báo cáo | Quá hạn | Mức báo cáo BTV |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for s in self.summaries.values():
            lines.append(
                f"| {s.no} | {markdown_text(s.title[:60])} | {phase_words(s.phase)} | {s.waiting} "
                f"| {markdown_text(s.overdue_text()) or '—'} "
                f"| {s.escalation_level} |"
            )
        workflow.set_current_details("\n".join(lines))

    @workflow.signal
    def activity_changed(self, summary: ActivitySummary) -> None:
        """An activity's new state, from the activity itself: a summary without its token is a stranger's."""
        expected = self.tokens.get(summary.no)
        if expected is None or not hmac.compare_digest(summary.token or "", expected):
            workflow.logger.warning(
                "activity summary refused: not sent by the activity",
                extra={"campaign_id": self.input.campaign_id, "activity_no": summary.no},
            )
            return
        self.summaries[summary.no] = summary.model_copy(update={"token": None})
        self._show()

    @workflow.query
    def overview(self) -> Overview:
        return Overview(
            campaign_id=self.input.campaign_id,
            plan_code=self.input.plan.code,
            title=self.input.plan.title,
            phase=self.phase,
            plan_now=self.clock.plan_now(workflow.now()),
            activities=list(self.summaries.values()),
        )

    @workflow.update
    async def cancel(self, raw: Any) -> str:
        message = read(Cancel, raw)  # as the validator read it (validators do not run on replay)
        self.cancel_reason = message.reason.strip()
        for no, summary in self.summaries.items():
            if summary.phase not in FINAL_PHASES:
                child = workflow.get_external_workflow_handle(activity_workflow_id(self.input.campaign_id, no))
                signed = {**message.model_dump(mode="json"), "token": self.tokens[no]}
                await child.signal(CampaignActivityWorkflow.cancel_from_campaign, signed)
        return f"Đã hủy chiến dịch {self.input.campaign_id}."

    @cancel.validator
    def _validate_cancel(self, raw: Any) -> None:
        if self.phase != "RUNNING":
            ended = "đã bị hủy" if self.phase == "CANCELLED" else "đã kết thúc"
            raise ApplicationError(f"chiến dịch {ended}, không hủy được nữa", type="Rejected", non_retryable=True)
        if not read(Cancel, raw).reason.strip():
            raise ApplicationError("cần ghi lý do", type="Rejected", non_retryable=True)
