"""Workflow IDs people and doors can compute: campaign/<id> and campaign/<id>/activity/<no>."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from campaign.limits import campaign_id_problem


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign/{campaign_id}"


def activity_workflow_id(campaign_id: str, no: int) -> str:
    return f"campaign/{campaign_id}/activity/{no}"


def refuse_bad_campaign_id(campaign_id: str) -> None:
    """A campaign ID names files and e-mail subjects: one that is unsafe fails the workflow at once, cleanly
    (`Rejected`, not retried: the same input fails the same way)."""
    if problem := campaign_id_problem(campaign_id):
        raise ApplicationError(problem, type="Rejected", non_retryable=True)
