"""Idempotent writes: a retried activity or a replayed workflow never adds a duplicate row."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign.facts import ActivityEvent, CampaignRecord, EventKind
from campaign.limits import MAX_ACTIVITY_NO
from store.schema import (
    Assignment,
    AuditEntry,
    Base,
    Campaign,
    CampaignActivity,
    DeadLetter,
    Escalation,
    Readiness,
    UnitReport,
)


def upsert(session: Session, model: type[Base], values: dict[str, Any], keys: list[str], update_cols=()) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE/NOTHING, on SQLite and PostgreSQL alike."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    if update_cols:
        statement = statement.on_conflict_do_update(
            index_elements=keys, set_={c: statement.excluded[c] for c in update_cols}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    session.execute(statement)


def record_campaign(session: Session, record: CampaignRecord) -> None:
    upsert(
        session,
        Campaign,
        {
            "id": record.campaign_id,
            "workflow_id": record.workflow_id,
            "plan_code": record.plan_code,
            "title": record.title,
            "issued_on": record.issued_on,
            "window_start": record.window_start,
            "window_end": record.window_end,
            "recipients": record.recipients,
            "status": "RUNNING",
            "started_at": record.started_at,
        },
        ["id"],
    )
    for a in record.activities:
        upsert(
            session,
            CampaignActivity,
            {
                "campaign_id": record.campaign_id,
                "no": a.no,
                "title": a.title,
                "kind": a.kind,
                "start": a.start,
                "end": a.end,
                "place": a.place,
                "workflow_id": a.workflow_id,
                "phase": "PREPARING",
                "duties": [d.model_dump(mode="json") for d in a.duties] or None,
                "contacts": list(a.contacts) or None,
            },
            ["campaign_id", "no"],
        )
        for assignment in a.assignments:
            upsert(
                session,
                Assignment,
                {
                    "campaign_id": record.campaign_id,
                    "activity_no": a.no,
                    "unit_code": assignment.unit_code,
                    "unit_name": assignment.unit_name,
                    "role": assignment.role,
                    "escalation_level": 0,
                },
                ["campaign_id", "activity_no", "unit_code"],
            )


def record_campaign_end(session: Session, campaign_id: str, status: str, at: datetime) -> None:
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(status=status, ended_at=at))


def record_event(session: Session, event: ActivityEvent) -> bool:
    """Write `event` and its audit entry; False when its key was already written."""
    fresh = session.scalar(select(AuditEntry.id).where(AuditEntry.key == event.key)) is None
    upsert(
        session,
        AuditEntry,
        {
            "key": event.key,
            "campaign_id": event.campaign_id,
            "activity_no": event.activity_no,
            "workflow_id": event.workflow_id,
            "actor": event.actor,
            "action": event.kind.value,
            "detail": _detail(event),
            "at": event.at,
        },
        ["key"],
    )
    if not fresh:
        return False
    where = (
        Assignment.campaign_id == event.campaign_id,
        Assignment.activity_no == event.activity_no,
    )
    if event.kind is EventKind.READY and event.unit_code:
        upsert(
            session,
            Readiness,
            {
                "campaign_id": event.campaign_id,
                "activity_no": event.activity_no,
                "unit_code": event.unit_code,
                "confirmed_at": event.at,
                "note": event.detail.get("note"),
            },
            ["campaign_id", "activity_no", "unit_code"],
            update_cols=("confirmed_at", "note"),
        )
    elif event.kind is EventKind.REPORT and event.unit_code and event.report:
        r = event.report
        upsert(
            session,
            UnitReport,
            {
                "campaign_id": event.campaign_id,
                "activity_no": event.activity_no,
                "unit_code": event.unit_code,
                "revision": r.revision,
                "summary": r.summary,
                "participants": r.participants,
                "beneficiaries": r.beneficiaries,
                "evidence": r.evidence,
                "submitted_by": r.submitted_by,
                "submitted_at": r.submitted_at,
                "on_time": r.on_time,
                "duties": [d.model_dump(mode="json") for d in r.duties] or None,
            },
            ["campaign_id", "activity_no", "unit_code", "revision"],
        )
    elif event.kind is EventKind.ASSIGN:
        for unit in event.detail.get("units", []):
            upsert(
                session,
                Assignment,
                {
                    "campaign_id": event.campaign_id,
                    "activity_no": event.activity_no,
                    "unit_code": unit["code"],
                    "unit_name": unit["name"],
                    "role": unit["role"],
                    "escalation_level": 0,
                },
                ["campaign_id", "activity_no", "unit_code"],
            )
    elif event.kind is EventKind.RESCHEDULE:
        _move_activity(session, event)
    elif event.kind is EventKind.ESCALATION:
        upsert(
            session,
            Escalation,
            {
                "key": event.key,
                "campaign_id": event.campaign_id,
                "activity_no": event.activity_no,
                "level": event.level,
                "units": event.units,
                "at": event.at,
            },
            ["key"],
        )
        session.execute(
            update(Assignment)
            .where(*where, Assignment.unit_code.in_(event.units), Assignment.escalation_level < event.level)
            .values(escalation_level=event.level)
        )
    if event.phase is not None:
        session.execute(
            update(CampaignActivity)
            .where(
                CampaignActivity.campaign_id == event.campaign_id,
                CampaignActivity.no == event.activity_no,
                (CampaignActivity.phase_at.is_(None)) | (CampaignActivity.phase_at <= event.at),
            )
            .values(phase=event.phase.value, phase_at=event.at)
        )
    for code, outcome in event.outcomes.items():
        session.execute(update(Assignment).where(*where, Assignment.unit_code == code).values(outcome=outcome.value))
    return True


def _move_activity(session: Session, event: ActivityEvent) -> None:
    """The activity's stored dates follow the office's reschedule (detail new_start/new_end, ISO dates),
    so every page that reads them (the unit's portal, exports) shows the day it now happens. A later
    reschedule already written wins over this one arriving late."""
    try:
        start = date.fromisoformat(str(event.detail["new_start"]))
        end = date.fromisoformat(str(event.detail["new_end"]))
    except (KeyError, ValueError):
        return
    later = session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.campaign_id == event.campaign_id,
            AuditEntry.activity_no == event.activity_no,
            AuditEntry.action == EventKind.RESCHEDULE.value,
            AuditEntry.at > event.at,
        )
    )
    if later is None:
        session.execute(
            update(CampaignActivity)
            .where(CampaignActivity.campaign_id == event.campaign_id, CampaignActivity.no == event.activity_no)
            .values(start=start, end=end)
        )


def set_aside(session: Session, event: ActivityEvent, error: str, at: datetime) -> None:
    """Keep `event` whole in dead_letters (once per key), with the reason the database refused it."""
    upsert(
        session,
        DeadLetter,
        {
            "key": bounded_key(event.key, 300),
            "campaign_id": event.campaign_id[:120],
            "activity_no": event.activity_no if abs(event.activity_no) <= MAX_ACTIVITY_NO else None,
            "kind": event.kind.value,
            "error": error,
            "payload": event.model_dump_json(),
            "at": at,
        },
        ["key"],
    )


def bounded_key(key: str, limit: int) -> str:
    """`key` itself when it fits its column, else a prefix and a hash of the whole (still unique)."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: limit - 34]}#{digest}"


def _detail(event: ActivityEvent) -> dict[str, Any]:
    detail: dict[str, Any] = dict(event.detail)
    if event.unit_code:
        detail["unit"] = event.unit_code
    if event.phase:
        detail["phase"] = event.phase.value
    if event.report:
        detail["report"] = event.report.model_dump(mode="json")
    if event.units:
        detail["units"] = event.units
        detail["level"] = event.level
    if event.outcomes:
        detail["outcomes"] = {k: v.value for k, v in event.outcomes.items()}
    return detail
