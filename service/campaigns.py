"""Starting a campaign: its ID from the plan, its input, and the start itself (attaching to a running one)."""

from __future__ import annotations

import re
from datetime import date

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from campaign.clock import start_of_day
from campaign.duties import with_plan_report
from campaign.plan import Plan
from campaign.policy import PolicyFile
from campaign.text import fold
from campaign.units import UnitDirectory
from campaign.workdays import vietnam_holidays
from service.updates import Refused
from workflows import search_attributes as sa
from workflows.campaign import CampaignWorkflow
from workflows.ids import campaign_workflow_id
from workflows.inputs import CampaignInput


def campaign_id_for(code: str, start: date) -> str:
    """The campaign ID a plan gets by default: its number folded to ASCII, then the month (`54-kh-dtn-2023-05`)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(code)).strip("-") or "ke-hoach"
    return f"{slug}-{start:%Y-%m}"


def build_campaign_input(
    plan: Plan,
    directory: UnitDirectory,
    policy: PolicyFile,
    campaign_id: str | None,
    speed: float,
    rebase_now: bool,
    rebase_to: date | None = None,
) -> CampaignInput:
    """The campaign's input; with `rebase_now`, plan time starts now at the plan's issue date (or `rebase_to`)."""
    years = range(plan.window.start.year - 1, plan.window.end.year + 2)
    return CampaignInput(
        campaign_id=campaign_id or campaign_id_for(plan.code, plan.window.start),
        plan=with_plan_report(plan, directory),
        directory=directory,
        policy=policy,
        holidays=vietnam_holidays(years),
        speed=speed,
        plan_origin=start_of_day(rebase_to or plan.starts_on) if rebase_now else None,
    )


async def start_campaign(client: Client, campaign_input: CampaignInput, task_queue: str) -> bool:
    """Start the campaign workflow; False when it is already running (nothing is duplicated); Refused
    (409, closed) when a campaign of that ID has already ended."""
    plan, cid = campaign_input.plan, campaign_input.campaign_id
    workflow_id = campaign_workflow_id(cid)
    try:
        await client.start_workflow(
            CampaignWorkflow.run,
            campaign_input,
            id=workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"Kế hoạch {plan.code}: {plan.title}"[:400],
            static_details=f"Thời gian: {plan.window.start:%d/%m/%Y}–{plan.window.end:%d/%m/%Y}; "
            f"{len(plan.activities)} hoạt động",
            search_attributes=TypedSearchAttributes([SearchAttributePair(sa.CAMPAIGN_ID, cid)]),
        )
    except WorkflowAlreadyStartedError:
        description = await client.get_workflow_handle(workflow_id).describe()
        if description.status == WorkflowExecutionStatus.RUNNING:
            return False
        state = description.status.name if description.status else "?"
        raise Refused(
            409, "closed", f"chiến dịch {cid} đã chạy xong ({state}); dùng --campaign-id khác để chạy lại"
        ) from None
    return True
