"""Reads behind a unit's portal page: the campaign and the activities the unit is assigned to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from store.links import FIRST_VERSION, link_version
from store.schema import Assignment, Campaign, CampaignActivity, UnitLinkVersion


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


# Built once: every request of the unit portal runs it (building the statement cost more than running it).
_READ = (
    Campaign.plan_code, Campaign.title.label("campaign_title"), Campaign.window_start, Campaign.window_end,
    Campaign.status, Assignment.role, Assignment.unit_name, CampaignActivity.no, CampaignActivity.title,
    CampaignActivity.start, CampaignActivity.end, CampaignActivity.place, CampaignActivity.contacts,
    UnitLinkVersion.version,
)  # fmt: skip
_LINK_CHECK = (
    select(*_READ)
    .select_from(Assignment)
    .join(Campaign, Campaign.id == Assignment.campaign_id)
    .join(
        CampaignActivity,
        (CampaignActivity.campaign_id == Assignment.campaign_id) & (CampaignActivity.no == Assignment.activity_no),
    )
    .outerjoin(
        UnitLinkVersion,
        (UnitLinkVersion.campaign_id == Assignment.campaign_id) & (UnitLinkVersion.unit_code == bindparam("unit")),
    )
    .where(Assignment.campaign_id == bindparam("campaign"), Assignment.unit_code == bindparam("unit"))
    .order_by(CampaignActivity.start, CampaignActivity.no)
)


def unit_link_check(session: Session, campaign_id: str, unit_code: str) -> tuple[int, UnitCampaign | None]:
    """What checking a unit's link reads: (the current version of its links, the campaign as it sees it
    or None when it has no assignment in it), in one statement for an assigned unit (every request of
    the unit portal asks this; plain rows, no ORM objects)."""
    rows = session.execute(_LINK_CHECK, {"campaign": campaign_id, "unit": unit_code}).all()
    if not rows:
        return link_version(session, campaign_id, unit_code), None
    activities = [
        AssignedActivity(no=r.no, title=r.title, start=r.start, end=r.end, place=r.place, role=r.role,
                         unit_name=r.unit_name, contacts=tuple(r.contacts or ()))
        for r in rows
    ]  # fmt: skip
    first = rows[0]
    campaign = UnitCampaign(
        campaign_id=campaign_id,
        plan_code=first.plan_code,
        title=first.campaign_title,
        window_start=first.window_start,
        window_end=first.window_end,
        status=first.status,
        unit_code=unit_code,
        unit_name=activities[0].unit_name,
        activities=activities,
    )
    return (first.version if first.version is not None else FIRST_VERSION), campaign
