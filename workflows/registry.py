"""Every workflow a worker runs."""

from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow

ALL_WORKFLOWS = [CampaignWorkflow, CampaignActivityWorkflow]
