"""Reads behind the exports and the final report."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.final_report import ActivityLine, CampaignReport, UnitLine
from campaign.tracker import Outcome
from store.drafts import hand_corrections
from store.schema import Assignment, Campaign, CampaignActivity, Escalation, UnitReport


class CampaignNotRecorded(LookupError):
    pass


def campaign_report(session: Session, campaign_id: str, generated_at: datetime) -> CampaignReport:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotRecorded(f"cơ sở dữ liệu chưa có chiến dịch {campaign_id}")
    latest = (
        select(UnitReport.activity_no, UnitReport.unit_code, func.max(UnitReport.revision).label("revision"))
        .where(UnitReport.campaign_id == campaign_id)
        .group_by(UnitReport.activity_no, UnitReport.unit_code)
        .subquery()
    )
    reports = {
        (r.activity_no, r.unit_code): r
        for r in session.scalars(
            select(UnitReport)
            .join(
                latest,
                (UnitReport.activity_no == latest.c.activity_no)
                & (UnitReport.unit_code == latest.c.unit_code)
                & (UnitReport.revision == latest.c.revision),
            )
            .where(UnitReport.campaign_id == campaign_id)
        )
    }
    escalations = Counter(session.scalars(select(Escalation.activity_no).where(Escalation.campaign_id == campaign_id)))
    assignments: dict[int, list[Assignment]] = {}
    for a in session.scalars(select(Assignment).where(Assignment.campaign_id == campaign_id).order_by(Assignment.id)):
        assignments.setdefault(a.activity_no, []).append(a)
    activities = session.scalars(
        select(CampaignActivity).where(CampaignActivity.campaign_id == campaign_id).order_by(CampaignActivity.no)
    )
    return CampaignReport(
        campaign_id=campaign.id,
        plan_code=campaign.plan_code,
        title=campaign.title,
        window_start=campaign.window_start,
        window_end=campaign.window_end,
        status=campaign.status,
        recipients=campaign.recipients,
        generated_at=generated_at,
        corrections=hand_corrections(session, campaign_id),
        activities=[
            ActivityLine(
                no=act.no,
                title=act.title,
                start=act.start,
                end=act.end,
                place=act.place,
                phase=act.phase,
                escalations=escalations[act.no],
                units=[_unit_line(a, reports.get((act.no, a.unit_code))) for a in assignments.get(act.no, [])],
            )
            for act in activities
        ],
    )


def _unit_line(assignment: Assignment, report: UnitReport | None) -> UnitLine:
    return UnitLine(
        code=assignment.unit_code,
        name=assignment.unit_name,
        role=assignment.role,
        outcome=Outcome(assignment.outcome) if assignment.outcome else None,
        revision=report.revision if report else None,
        participants=report.participants if report else None,
        beneficiaries=report.beneficiaries if report else None,
        submitted_at=report.submitted_at if report else None,
        summary=report.summary if report else "",
        escalation_level=assignment.escalation_level,
    )
