"""Reads behind a unit's portal page: the campaign and the activities the unit is assigned to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import Assignment, Campaign, CampaignActivity


@dataclass(frozen=True)
class AssignedActivity:
    no: int
    title: str
    start: date
    end: date
    place: str
    role: str
    unit_name: str
    contacts: tuple[str, ...] = ()  # the people the plan names for it ("thầy Minh (Văn phòng)")


@dataclass(frozen=True)
class UnitCampaign:
    campaign_id: str
    plan_code: str
    title: str
    window_start: date
    window_end: date
    status: str
    unit_code: str
    unit_name: str
    activities: list[AssignedActivity]


def unit_campaign(session: Session, campaign_id: str, unit_code: str) -> UnitCampaign | None:
    """The campaign as this unit sees it; None when the unit has no assignment in it."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    rows = session.execute(
        select(Assignment, CampaignActivity)
        .join(
            CampaignActivity,
            (CampaignActivity.campaign_id == Assignment.campaign_id) & (CampaignActivity.no == Assignment.activity_no),
        )
        .where(Assignment.campaign_id == campaign_id, Assignment.unit_code == unit_code)
        .order_by(CampaignActivity.start, CampaignActivity.no)
    ).all()
    if not rows:
        return None
    activities = [
        AssignedActivity(no=a.no, title=a.title, start=a.start, end=a.end, place=a.place, role=s.role,
                         unit_name=s.unit_name, contacts=tuple(a.contacts or ()))
        for s, a in rows
    ]  # fmt: skip
    return UnitCampaign(
        campaign_id=campaign.id,
        plan_code=campaign.plan_code,
        title=campaign.title,
        window_start=campaign.window_start,
        window_end=campaign.window_end,
        status=campaign.status,
        unit_code=unit_code,
        unit_name=activities[0].unit_name,
        activities=activities,
    )
