"""What the workflows hand to activities and get back, by name: plain models, no heavy imports.

The workflows schedule activities by these names (the worker registers the methods under them),
so that importing a workflow module never loads the database, mail or report-writing stacks.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

SEND_NOTICE = "send_notice"
SEND_NOTICES = "send_notices"
RECORD_CAMPAIGN = "record_campaign"
RECORD_EVENT = "record_event"
RECORD_EVENTS = "record_events"
RECORD_CAMPAIGN_END = "record_campaign_end"
WRITE_FINAL_REPORT = "write_final_report"

SET_ASIDE = "RecordSetAside"  # the error type a workflow sees when a fact was kept aside


class ChannelFailure(BaseModel):
    channel: str
    address: str | None
    error: str


class Delivery(BaseModel):
    sent: list[str] = []
    skipped: list[str] = []
    failed: list[ChannelFailure] = []


class SetAside(BaseModel):
    """A fact of a batch the database refused for good: kept aside, the office to be told."""

    key: str
    kind: str
    reason: str


class CampaignEnd(BaseModel):
    campaign_id: str
    status: str
    at: datetime


class ReportRequest(BaseModel):
    campaign_id: str
    generated_at: datetime  # plan time
