"""Record workflow histories for the replay test: `python -m tests.record_histories`.

Re-record only on purpose: the committed histories stand for workflows already
running in production, and the replay test fails when code would break them (see the
README's patch policy: a change to what a workflow schedules is patched, and its histories
re-recorded only once the old branch is deleted). This script writes a campaign and its
activity 7 (readiness, a report, an extension, an excuse), a reschedule (activity 10), an
activity cancel (activity 9) and a campaign-wide cancel of a second campaign (its activity 1).
`tests/histories/nondeterministic/` holds histories that must no longer replay (negative
controls); this script does not touch them.

`python -m tests.record_histories continue-as-new` writes only the hand-over pair: an activity
run that continues as new (its threshold lowered through its input) while revisions keep coming,
and the run that takes over.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from campaign.clock import start_of_day
from campaign.importer import import_plan
from campaign.messages import Cancel, ConfirmReady, ExcuseUnit, ExtendDeadline, Reschedule, SubmitReport
from campaign.policy import PolicyFile
from campaign.units import load_directory
from campaign.workdays import vietnam_holidays
from harness.paths import SEED, UNITS
from harness.temporal import time_skipping_env
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput

HERE = Path(__file__).resolve().parent.parent / "histories"


async def main() -> None:
    env = await time_skipping_env()
    directory = load_directory(UNITS)
    campaign = CampaignInput(
        campaign_id="replay",
        plan=import_plan(SEED, directory),
        directory=directory,
        policy=PolicyFile(),
        holidays=vietnam_holidays([2023]),
        plan_origin=start_of_day(date(2023, 5, 1)),
    )
    async with worker(env.client) as queue:
        handle = await env.client.start_workflow(
            CampaignWorkflow.run, campaign, id=campaign_workflow_id("replay"), task_queue=queue
        )
        seventh = env.client.get_workflow_handle(activity_workflow_id("replay", 7))
        await env.sleep(4 * 86400)
        await seventh.execute_update(CampaignActivityWorkflow.confirm_ready, ConfirmReady(unit="bhxh", note="Sẵn sàng"))
        await env.sleep(8 * 86400)
        await seventh.execute_update(
            CampaignActivityWorkflow.submit_report,
            SubmitReport(unit="bhxh", summary="Trao quà", participants=40, request_id="r1"),
        )
        await seventh.execute_update(
            CampaignActivityWorkflow.extend_deadline,
            ExtendDeadline(unit="ldld", new_due=date(2023, 5, 20), reason="Xin gia hạn"),
        )
        await seventh.execute_update(CampaignActivityWorkflow.excuse_unit, ExcuseUnit(unit="khu-cnc", reason="Miễn"))
        tenth = env.client.get_workflow_handle(activity_workflow_id("replay", 10))
        ninth = env.client.get_workflow_handle(activity_workflow_id("replay", 9))
        await tenth.execute_update(
            CampaignActivityWorkflow.reschedule,
            Reschedule(new_start=date(2023, 5, 27), new_end=date(2023, 5, 27), reason="Trùng lịch"),
        )
        await ninth.execute_update(CampaignActivityWorkflow.cancel, Cancel(reason="Không tổ chức"))
        await handle.result()
        second = await env.client.start_workflow(
            CampaignWorkflow.run,
            campaign.model_copy(update={"campaign_id": "replay-2"}),
            id=campaign_workflow_id("replay-2"),
            task_queue=queue,
        )
        await env.sleep(86400)
        await second.execute_update(CampaignWorkflow.cancel, Cancel(reason="Đổi kế hoạch"))
        await second.result()
        first_of_second = env.client.get_workflow_handle(activity_workflow_id("replay-2", 1))
        recorded = (
            (handle, "campaign"),
            (seventh, "activity-7"),
            (tenth, "activity-10-rescheduled"),
            (ninth, "activity-9-cancelled"),
            (second, "campaign-cancelled"),
            (first_of_second, "activity-1-campaign-cancelled"),
        )
        for workflow_handle, name in recorded:
            history = await workflow_handle.fetch_history()
            (HERE / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
    await env.shutdown()


async def continue_as_new() -> None:
    env = await time_skipping_env()
    async with worker(env.client) as queue:
        first = await start(env, queue, run_events=150)
        latest = env.client.get_workflow_handle(first.id)
        await advance_to(env, first, vn(12, hour=1))  # collecting; unit c never reports
        revisions = 0

        async def revise() -> None:
            nonlocal revisions
            revisions += 1
            report = SubmitReport(unit="ab"[revisions % 2], summary=f"Bản {revisions}", participants=10 + revisions,
                                  request_id=f"r{revisions}")  # fmt: skip
            await latest.execute_update(CampaignActivityWorkflow.submit_report, report)

        while (await latest.describe()).run_id == first.result_run_id:
            await revise()
        for _ in range(2):  # and into the run that took over
            await revise()
        await advance_to(env, first, vn(16, 6, hour=1))  # past the close: the second run ends
        await latest.result()
        runs = ((env.client.get_workflow_handle(first.id, run_id=first.result_run_id), "activity-7-continued"),
                (latest, "activity-7-continued-next"))  # fmt: skip
        for workflow_handle, name in runs:
            history = await workflow_handle.fetch_history()
            (HERE / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(continue_as_new() if sys.argv[1:] == ["continue-as-new"] else main())
