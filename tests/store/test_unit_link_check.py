"""The unit portal's link check reads the store once: the link's current version and the campaign as
the unit sees it (store.unit_pages.unit_link_check), the same as reading them one by one through the ORM
(`unit_campaign` below, the reader the portal had before)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.links import link_version, revoke_links
from store.schema import Assignment, Campaign, CampaignActivity
from store.unit_pages import AssignedActivity, UnitCampaign, unit_link_check


def unit_campaign(session: Session, campaign_id: str, unit_code: str) -> UnitCampaign | None:
    """The oracle: the campaign as this unit sees it, read object by object; None when the unit has no
    assignment in it."""
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


def test_one_read_gives_the_version_and_the_units_activities_in_plan_order(store) -> None:
    with store.session() as session:
        session.add(Campaign(id="c", workflow_id="campaign/c", plan_code="54-KH/ĐTN", title="Tháng Thanh niên",
                             window_start=date(2024, 3, 1), window_end=date(2024, 3, 31), recipients=[],
                             started_at=datetime.now(UTC)))  # fmt: skip
    with store.session() as session:
        for no, day, contacts in ((1, 20, ["thầy Minh (Văn phòng)"]), (2, 5, None), (3, 9, None)):
            session.add(CampaignActivity(campaign_id="c", no=no, title=f"Hoạt động {no}", kind="SINGLE_DAY",
                                         start=date(2024, 3, day), end=date(2024, 3, day), place="Nhà văn hóa",
                                         workflow_id=f"campaign/c/activity/{no}", contacts=contacts))  # fmt: skip
    with store.session() as session:
        for no, unit, role in ((1, "bhxh", "lead"), (2, "bhxh", "support"), (3, "kbnn", "lead")):
            session.add(Assignment(campaign_id="c", activity_no=no, unit_code=unit, unit_name=f"Đoàn {unit}",
                                   role=role))  # fmt: skip
    with store.session() as session:
        revoke_links(session, "c", "kbnn")
        revoke_links(session, "c", "kbnn")
    for unit in ("bhxh", "kbnn", "khong-co"):
        with store.session() as session:
            apart = (link_version(session, "c", unit), unit_campaign(session, "c", unit))
            together = unit_link_check(session, "c", unit)
        assert together == apart
    with store.session() as session:
        version, bhxh = unit_link_check(session, "c", "bhxh")
        assert unit_link_check(session, "c", "kbnn")[0] == 3 and unit_link_check(session, "khac", "bhxh") == (1, None)
    assert version == 1 and bhxh is not None
    assert [(a.no, a.role, a.contacts) for a in bhxh.activities] == [
        (2, "support", ()),
        (1, "lead", ("thầy Minh (Văn phòng)",)),
    ]
