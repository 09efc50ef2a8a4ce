"""What the system of record keeps, as plain models the workflows hand to activities.

Every fact carries a stable key (the workflow ID and a sequence number kept in
the workflow's state), so a retried activity or a replayed workflow writes it once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from campaign.duty import Duty
from campaign.plan import Plan, PlannedActivity
from campaign.tracker import Outcome, Phase, Report
from campaign.units import UnitDirectory


class AssignmentRecord(BaseModel):
    unit_code: str
    unit_name: str
    role: str


class ActivityRecord(BaseModel):
    no: int
    title: str
    kind: str
    start: date
    end: date
    place: str
    workflow_id: str
    assignments: list[AssignmentRecord]
    duties: list[Duty] = []  # the units' report on the plan (campaign.duties)
    contacts: list[str] = []  # the people the plan names for it ("thầy Minh (Văn phòng)"), as written


class CampaignRecord(BaseModel):
    campaign_id: str
    workflow_id: str
    plan_code: str
    title: str
    issued_on: date | None
    window_start: date
    window_end: date
    recipients: list[str]
    activities: list[ActivityRecord]
    started_at: datetime


class EventKind(StrEnum):
    READY = "ready"
    REPORT = "report"
    EXTEND = "extend"
    EXCUSE = "excuse"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    ASSIGN = "assign"
    PHASE = "phase"
    ESCALATION = "escalation"
    CLOSED = "closed"


class ActivityEvent(BaseModel):
    """An accepted message or a change of phase, for the audit trail and its own table."""

    key: str
    kind: EventKind
    campaign_id: str
    activity_no: int
    workflow_id: str
    actor: str  # a unit code, "office", "committee" or "system"
    at: datetime  # plan time
    unit_code: str | None = None
    phase: Phase | None = None
    report: Report | None = None
    level: int = 0
    units: list[str] = []
    outcomes: dict[str, Outcome] = {}
    detail: dict[str, Any] = {}


def assignments(activity: PlannedActivity, directory: UnitDirectory) -> list[AssignmentRecord]:
    """Each responsible unit the directory knows, once, with the role of its first mention."""
    names = directory.by_code
    found: dict[str, AssignmentRecord] = {}
    for party in activity.responsible:
        if party.unit_code in names and party.unit_code not in found:
            name = names[party.unit_code].name
            found[party.unit_code] = AssignmentRecord(unit_code=party.unit_code, unit_name=name, role=party.role.value)
    return list(found.values())


def campaign_record(
    campaign_id: str, workflow_id: str, plan: Plan, directory: UnitDirectory, started_at: datetime
) -> CampaignRecord:
    return CampaignRecord(
        campaign_id=campaign_id,
        workflow_id=workflow_id,
        plan_code=plan.code,
        title=plan.title,
        issued_on=plan.issued_on,
        window_start=plan.window.start,
        window_end=plan.window.end,
        recipients=plan.recipients,
        started_at=started_at,
        activities=[
            ActivityRecord(
                no=a.no,
                title=a.title,
                kind=a.kind.value,
                start=a.start,
                end=a.end,
                place=a.place,
                workflow_id=f"{workflow_id}/activity/{a.no}",
                assignments=assignments(a, directory),
                duties=a.duties,
                contacts=list(a.contacts),
            )
            for a in plan.activities
        ],
    )
