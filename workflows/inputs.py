"""What the workflows take and give: their inputs, results and query answers, as plain models.

Kept out of the workflow modules, which the sandbox runs afresh for every workflow: these are
imported once and passed through (building a pydantic model class costs milliseconds, and a
hundred campaigns start twelve hundred workflows).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, TypeAdapter, field_serializer

from campaign.clock import PlanClock
from campaign.facts import ActivityEvent
from campaign.notices import Notice
from campaign.plan import Plan, PlannedActivity
from campaign.policy import Policy, PolicyFile
from campaign.tracker import ActivityState
from campaign.units import Unit, UnitDirectory
from campaign.views import ActivityResult, ActivitySummary

# Contacts as they travel (an activity's start, continue-as-new): without the fields left at their
# defaults, as the roll (campaign.tracker): a city's contacts are a third of what a new run decodes.
_CONTACTS = TypeAdapter(list[Unit])


class ActivityInput(BaseModel):
    campaign_id: str
    parent_id: str | None = None
    activity: PlannedActivity
    units: list[Unit]
    office: Unit | None = None
    committee: Unit | None = None
    policy: Policy
    holidays: list[date] = []
    window_end: date
    clock: PlanClock
    state: ActivityState | None = None  # carried over by continue-as-new
    # A secret only the campaign holds: its summaries from this activity and its cancel carry it
    # (None for an activity started without a campaign).
    campaign_token: str | None = None
    # Side effects a run had not handed out when it continued as new.
    carried_events: list[ActivityEvent] = []
    carried_notices: list[Notice] = []
    # A run continues as new once its history holds this many events (or when the server suggests it):
    # well under the server's limits and quick to replay; each report costs about two. Lowered only to
    # record a hand-over for the replay tests.
    run_events: int = Field(default=10_000, ge=100)
    run_actions: int = Field(default=100_000, ge=10)  # ... or has carried out this many actions (the same way)

    @field_serializer("units", when_used="json")
    def _lean_contacts(self, units: list[Unit]) -> Any:
        return _CONTACTS.dump_python(units, mode="json", exclude_defaults=True)


class CampaignInput(BaseModel):
    campaign_id: str
    plan: Plan
    directory: UnitDirectory
    policy: PolicyFile = PolicyFile()
    holidays: list[date] = []
    speed: float = 1.0
    plan_origin: datetime | None = None  # plan time at the start; None: the wall clock's now


class Overview(BaseModel):
    campaign_id: str
    plan_code: str
    title: str
    phase: str  # RUNNING, CLOSED or CANCELLED
    plan_now: datetime
    activities: list[ActivitySummary]


class CampaignResult(BaseModel):
    campaign_id: str
    activities: list[ActivityResult]
    report_files: list[str] = []  # the final report (Markdown, XLSX, chart), absolute paths
