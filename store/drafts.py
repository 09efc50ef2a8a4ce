"""The schedule editor's drafts and what each started campaign was started from (campaign.editing)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign.clock import format_moment
from campaign.draft import Change, Draft
from campaign.editing import Correction, corrections
from campaign.plan import Plan
from store.schema import CampaignPlan, PlanDraft

MAX_LISTED = 100
# An upload opens a draft each time; one nobody saved ("Lưu nháp") or started, untouched this long, is
# forgotten when the next draft is made (the office walked away from it; its document can be uploaded again).
UNSAVED_KEPT = timedelta(days=14)


class DraftConflict(RuntimeError):
    """The draft was written by someone else since this form was shown."""


def _title(draft: Draft) -> str:
    plan = draft.plan
    return " — ".join(p for p in (plan.code, plan.title) if p) or draft.name or "Kế hoạch chưa đặt tên"


def new_draft(session: Session, draft: Draft, who: str, at: datetime) -> str:
    """A new draft's id (32 hex digits, unguessable: it is in the editor's address); drafts left unsaved for
    UNSAVED_KEPT are deleted on the way."""
    session.execute(delete(PlanDraft).where(PlanDraft.status == "editing", PlanDraft.updated_at < at - UNSAVED_KEPT))
    draft_id = secrets.token_hex(16)
    session.add(PlanDraft(id=draft_id, title=_title(draft), state=draft.model_dump(mode="json"), version=1,
                          status="editing", created_by=who, created_at=at, updated_by=who, updated_at=at))  # fmt: skip
    return draft_id


def draft_of(row: PlanDraft) -> Draft:
    return Draft.model_validate(row.state)


def write_draft(session: Session, row: PlanDraft, draft: Draft, version: int, who: str, at: datetime,
                saved: bool = False) -> None:  # fmt: skip
    """The draft's new state; DraftConflict when `version` (the one the form showed) is no longer current."""
    if row.version != version:
        raise DraftConflict(
            f"bản nháp vừa được {row.updated_by} sửa lúc {format_moment(row.updated_at)}; đề nghị tải lại trang"
        )
    row.state, row.title, row.version = draft.model_dump(mode="json"), _title(draft), row.version + 1
    row.updated_by, row.updated_at = who, at
    if saved:
        row.saved_by, row.saved_at = who, at
        if row.status == "editing":
            row.status = "saved"


def saved_drafts(session: Session) -> list[PlanDraft]:
    """Drafts kept with "Lưu nháp" and not yet started, the last saved first."""
    query = select(PlanDraft).where(PlanDraft.status == "saved").order_by(PlanDraft.saved_at.desc())
    return list(session.scalars(query.limit(MAX_LISTED)))


def record_started(session: Session, campaign_id: str, draft_id: str, draft: Draft, started: Plan, who: str,
                   at: datetime) -> None:  # fmt: skip
    """What the campaign was started from; a second start of the same campaign keeps the first record."""
    if session.get(CampaignPlan, campaign_id) is None:
        session.add(CampaignPlan(
            campaign_id=campaign_id, draft_id=draft_id, source=draft.source,
            read_plan=draft.read.model_dump(mode="json") if draft.read else None,
            changes=[c.model_dump(mode="json") for c in draft.changes],
            started_plan=started.model_dump(mode="json"), started_by=who, started_at=at,
        ))  # fmt: skip
    row = session.get(PlanDraft, draft_id)
    if row is not None:
        row.status, row.campaign_id = "started", campaign_id


def hand_corrections(session: Session, campaign_id: str) -> list[Correction]:
    """The fields the office corrected by hand before starting the campaign (none when not started from
    the editor)."""
    record = session.get(CampaignPlan, campaign_id)
    if record is None:
        return []
    return corrections([Change.model_validate(c) for c in record.changes])
