"""The Standing Committee's phone-first page: every escalated unit across the running campaigns, the
highest level and the longest overdue first, each with its activity and the actions its role allows;
then, apart, the units that never reported in the campaigns closed in the last 30 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from access.roles import Permission, may
from campaign.tracker import FINAL_PHASES
from campaign.views import ActivityStatus, UnitView
from service.status import statuses
from store.committee import silent_units_of_closed_campaigns
from store.schema import Campaign, CampaignActivity
from web.office_door import Door

MAX_CAMPAIGNS = 50
CLOSED_LATELY = timedelta(days=30)  # how far back the page lists the units that never reported


@dataclass(frozen=True)
class Escalated:
    campaign: Campaign
    activity: ActivityStatus
    unit: UnitView

    @property
    def days_overdue(self) -> int:
        return max((self.activity.plan_now - self.unit.due).days, 0)


def ordered(found: list[Escalated]) -> list[Escalated]:
    """The highest escalation level first, then the longest overdue."""
    return sorted(found, key=lambda e: (-e.unit.escalation_level, e.unit.due, e.unit.name))


async def escalated_units(door: Door) -> tuple[list[Escalated], datetime | None]:
    with door.store.session() as session:
        running = list(
            session.scalars(
                select(Campaign).where(Campaign.status == "RUNNING").order_by(Campaign.started_at).limit(MAX_CAMPAIGNS)
            )
        )
        open_nos = {
            c.id: list(
                session.scalars(
                    select(CampaignActivity.no).where(
                        CampaignActivity.campaign_id == c.id,
                        CampaignActivity.phase.not_in([p.value for p in FINAL_PHASES]),
                    )
                )
            )
            for c in running
        }
    found: list[Escalated] = []
    now = None
    client = await door.client()
    for campaign in running:
        for status in await statuses(client, campaign.id, open_nos[campaign.id]):
            if status is None or status.phase in FINAL_PHASES:
                continue
            now = status.plan_now
            found += [
                Escalated(campaign, status, u) for u in status.units if u.overdue and not u.excused and not u.report
            ]
    return ordered(found), now


def committee_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/committee", response_class=HTMLResponse)
    async def committee(request: Request) -> Response:
        who = door.allowed(request, Permission.VIEW)
        found, now = await escalated_units(door)
        with door.store.session() as session:
            silent = silent_units_of_closed_campaigns(session, datetime.now(UTC) - CLOSED_LATELY)
        levels: dict[int, list[Escalated]] = {}
        for item in found:
            levels.setdefault(item.unit.escalation_level, []).append(item)
        context: dict[str, Any] = {"who": who, "levels": levels, "count": len(found), "now": now,
                                   "silent": silent, "closed_days": CLOSED_LATELY.days,
                                   "may": lambda a: may(who.person.role, Permission(a))}  # fmt: skip
        return door.page(request, "committee.html", context)

    return router
