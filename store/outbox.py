"""Notification rows: claimed before sending, marked after, so each key takes effect once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.notices import Notice
from store.schema import Notification
from store.writes import bounded_key, upsert

SENDING, RETRYING, SENT, FAILED = "sending", "retrying", "sent", "failed"


@dataclass(frozen=True)
class Claim:
    go: bool  # send now
    previous: str | None  # the row's status before this claim (None: new)
    attempts: int
    error: str | None = None  # why an earlier attempt failed for good


def row_key(notice: Notice, channel: str) -> str:
    return bounded_key(f"{notice.key}#{channel}", 400)


def claim(session: Session, notice: Notice, channel: str, address: str | None) -> Claim:
    key = row_key(notice, channel)
    upsert(
        session,
        Notification,
        {
            "key": key,
            "campaign_id": notice.campaign_id,
            "activity_no": notice.activity_no,
            "kind": notice.kind.value,
            "recipient": notice.recipient,
            "channel": channel,
            "address": address,
            "subject": notice.subject,
            "body": notice.body,
            "status": "new",
            "attempts": 0,
            "created_at": datetime.now(UTC),
            "due_at": notice.due_at,
        },
        ["key"],
    )
    row = session.scalars(select(Notification).where(Notification.key == key).with_for_update()).one()
    previous = None if row.status == "new" else row.status
    if row.status in (SENT, FAILED):
        return Claim(go=False, previous=previous, attempts=row.attempts, error=row.last_error)
    row.status = SENDING
    row.attempts += 1
    return Claim(go=True, previous=previous, attempts=row.attempts)


def finish(session: Session, notice: Notice, channel: str, status: str, error: str | None = None) -> None:
    row = session.scalars(select(Notification).where(Notification.key == row_key(notice, channel))).one()
    row.status = status
    row.last_error = error
    if status == SENT:
        row.sent_at = datetime.now(UTC)
