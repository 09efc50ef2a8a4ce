"""Workflow IDs people and doors can compute: campaign/<id> and campaign/<id>/activity/<no>."""

from __future__ import annotations


def campaign_workflow_id(campaign_id: str) -> str:
    return f"campaign/{campaign_id}"


def activity_workflow_id(campaign_id: str, no: int) -> str:
    return f"campaign/{campaign_id}/activity/{no}"
