"""Temporal workflows: thin orchestration over the campaign domain."""

from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow

ALL_WORKFLOWS = [CampaignWorkflow, CampaignActivityWorkflow]
