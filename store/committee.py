"""Reads behind the Standing Committee's page beyond what the running workflows answer: the units that
never reported in campaigns closed lately (their outcome recorded as missing when the activity closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.tracker import Outcome
from store.schema import Assignment, Campaign, CampaignActivity

MAX_CLOSED_CAMPAIGNS = 20


@dataclass(frozen=True)
class MissedActivity:
    no: int
    title: str


@dataclass
class SilentUnit:
    code: str
    name: str
    activities: list[MissedActivity] = field(default_factory=list)


@dataclass
class ClosedCampaign:
    id: str
    plan_code: str
    title: str
    ended_at: datetime | None
    units: list[SilentUnit] = field(default_factory=list)


def silent_units_of_closed_campaigns(session: Session, since: datetime) -> list[ClosedCampaign]:
    """Campaigns closed (CLOSED, not cancelled nor recorded from a past plan) at or after `since`, latest
    first (at most MAX_CLOSED_CAMPAIGNS), each with its units that never reported, unit by unit with the
    activities they missed; a campaign every unit answered is left out. `since` is compared with the
    campaign's recorded end (plan time, as the workflow records it)."""
    closed = list(
        session.scalars(
            select(Campaign)
            .where(Campaign.status == "CLOSED", Campaign.ended_at >= since)
            .order_by(Campaign.ended_at.desc())
            .limit(MAX_CLOSED_CAMPAIGNS)
        )
    )
    found: list[ClosedCampaign] = []
    for campaign in closed:
        rows = session.execute(
            select(Assignment.unit_code, Assignment.unit_name, CampaignActivity.no, CampaignActivity.title)
            .join(
                CampaignActivity,
                (CampaignActivity.campaign_id == Assignment.campaign_id)
                & (CampaignActivity.no == Assignment.activity_no),
            )
            .where(Assignment.campaign_id == campaign.id, Assignment.outcome == Outcome.MISSING.value)
            .order_by(Assignment.unit_name, CampaignActivity.no)
        ).all()
        if not rows:
            continue
        units: dict[str, SilentUnit] = {}
        for code, name, no, title in rows:
            units.setdefault(code, SilentUnit(code, name)).activities.append(MissedActivity(no, title))
        found.append(ClosedCampaign(campaign.id, campaign.plan_code, campaign.title, campaign.ended_at,
                                    list(units.values())))  # fmt: skip
    return found
