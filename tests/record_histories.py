"""Record workflow histories for the replay test: `python -m tests.record_histories`.

Re-record only on purpose: the committed histories stand for workflows already
running in production, and the replay test fails when code would break them.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from campaign.clock import start_of_day
from campaign.importer import import_plan
from campaign.messages import ConfirmReady, ExcuseUnit, ExtendDeadline, SubmitReport
from campaign.policy import PolicyFile
from campaign.units import load_directory
from campaign.workdays import vietnam_holidays
from tests.conftest import SEED, UNITS
from tests.temporal_env import time_skipping_env, worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignInput, CampaignWorkflow, activity_workflow_id, campaign_workflow_id

HERE = Path(__file__).resolve().parent / "histories"


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
        await handle.result()
        for workflow_handle, name in ((handle, "campaign"), (seventh, "activity-7")):
            history = await workflow_handle.fetch_history()
            (HERE / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
