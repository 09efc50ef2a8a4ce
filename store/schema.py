"""Tables of the system of record (SQLAlchemy 2 typed ORM). Alembic migrations create them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    plan_code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date | None] = mapped_column(Date)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    recipients: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(20), default="RUNNING")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class CampaignActivity(Base):
    __tablename__ = "campaign_activities"
    __table_args__ = (UniqueConstraint("campaign_id", "no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    no: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(Text)
    workflow_id: Mapped[str] = mapped_column(String(220))
    phase: Mapped[str] = mapped_column(String(20), default="PREPARING")
    phase_at: Mapped[datetime | None]
    duties: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # the units' report on the plan's duties
    contacts: Mapped[list[str] | None] = mapped_column(JSON)  # the people the plan names for it, as written


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("campaign_id", "activity_no", "unit_code"),
        Index("ix_assignments_campaign_unit", "campaign_id", "unit_code"),  # a unit's page (migration 0013)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    activity_no: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(80))
    unit_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)


class UnitReport(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("campaign_id", "activity_no", "unit_code", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(120))  # no FK: may arrive before the campaign row
    activity_no: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(80))
    revision: Mapped[int]
    summary: Mapped[str] = mapped_column(Text)
    participants: Mapped[int]
    beneficiaries: Mapped[int | None]
    evidence: Mapped[list[str]]
    submitted_by: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime]
    on_time: Mapped[bool]
    duties: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # the answer per duty (a report on the plan)


class Readiness(Base):
    __tablename__ = "readiness"
    __table_args__ = (UniqueConstraint("campaign_id", "activity_no", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(120))  # no FK: may arrive before the campaign row
    activity_no: Mapped[int]
    unit_code: Mapped[str] = mapped_column(String(80))
    confirmed_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)  # notice key and channel
    campaign_id: Mapped[str] = mapped_column(String(120), index=True)
    activity_no: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # when the workflow meant it to go (wall time)


class Escalation(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(120))  # no FK: may arrive before the campaign row
    activity_no: Mapped[int]
    level: Mapped[int]
    units: Mapped[list[str]]
    at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_campaign", "campaign_id", "activity_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(120))
    activity_no: Mapped[int | None]
    workflow_id: Mapped[str] = mapped_column(String(220))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime]


class DeadLetter(Base):
    """A fact the database refused for good (not an outage): kept here, whole, for the office to look at."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    campaign_id: Mapped[str] = mapped_column(String(120), index=True)
    activity_no: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(30))
    error: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # the event as JSON
    at: Mapped[datetime]


class UnitLinkVersion(Base):
    """The current version of a unit's personal link in a campaign; a link of an older version is revoked."""

    __tablename__ = "unit_links"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(120))
    unit_code: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, default=1)
    revoked_at: Mapped[datetime | None]


class User(Base):
    """A person of the office, the Standing Committee or an administrator, who signs in by name."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # office, committee, admin
    password_hash: Mapped[str] = mapped_column(Text)  # argon2
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class EvidenceFile(Base):
    """A file a unit uploaded as evidence for its report of one activity: who it belongs to, the name the
    unit gave it, its size (counted against the unit's quota) and the report revision that took it.

    `revision` is None while the report is being sent (the file is on disk, the workflow has not yet
    answered); a refused report's files are removed at once, a crash's are swept later. The same
    content uploaded by two units is one file on disk and two rows: each unit owns its own."""

    __tablename__ = "evidence_files"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_code", "activity_no", "name"),
        Index("ix_evidence_files_name", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign_id: Mapped[str] = mapped_column(String(120))
    unit_code: Mapped[str] = mapped_column(String(80))
    activity_no: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))  # <sha256>.<ext>, the file under EVIDENCE_DIR
    shown_name: Mapped[str] = mapped_column(Text)  # as the unit's device named it (for people only)
    size: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int | None]
    stored_at: Mapped[datetime]


class OfficeSession(Base):
    """A signed-in browser session of a User: the cookie carries a random token, this row its SHA-256.
    Signing out deletes the row; a password change deletes the person's other rows; disabling, all."""

    __tablename__ = "office_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class DirectoryUnit(Base):
    """A unit of the directory the office keeps in the browser (seeded from UNITS_FILE). Never deleted:
    a unit no longer in use is `disabled`, and old campaigns keep naming it."""

    __tablename__ = "directory_units"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    aliases: Mapped[list[str]]
    email: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(20))
    webhook_url: Mapped[str | None] = mapped_column(Text)
    cluster: Mapped[str | None] = mapped_column(String(80))
    contact: Mapped[str | None] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(120))


class DirectoryState(Base):
    """The directory as a whole (one row): its organisation, a version bumped by every change (so a page
    knows when to read it again), and the digest of the UNITS_FILE last applied."""

    __tablename__ = "directory_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    file_digest: Mapped[str | None] = mapped_column(String(64))
    seeded_at: Mapped[datetime]


class DirectoryChange(Base):
    """Who changed which unit of the directory, when, and what: `detail` {"fields": {field: [before, after]}}."""

    __tablename__ = "directory_changes"
    __table_args__ = (Index("ix_directory_changes_unit", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))  # seed, add, edit, disable, enable, import, file
    unit_code: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]]


class AccountChange(Base):
    """Who changed which account, when, and what (added, role, disabled, enabled, unlocked, password)."""

    __tablename__ = "account_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    user_name: Mapped[str] = mapped_column(String(60), index=True)
    detail: Mapped[dict[str, Any]]


class PasswordLink(Base):
    """A one-time link an administrator hands to a person to set their password: the URL carries a random
    token, this row its SHA-256; it works once, until `expires_at`."""

    __tablename__ = "password_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PlanDraft(Base):
    """A plan the office is editing (campaign.draft.Draft as JSON): written on every change so nothing
    typed is lost; "Lưu nháp" marks it saved (who, when) so the campaigns page lists it; starting it
    records the campaign it became. `version` grows with every write (two clerks on one draft: the
    second is told to reload, never silently overwritten)."""

    __tablename__ = "plan_drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str] = mapped_column(Text)  # the plan's code and title, for the list
    state: Mapped[dict[str, Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="editing", index=True)  # editing, saved, started
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime]
    saved_by: Mapped[str | None] = mapped_column(String(120))
    saved_at: Mapped[datetime | None]
    campaign_id: Mapped[str | None] = mapped_column(String(120))


class CampaignPlan(Base):
    """What a campaign was started from: the plan as read (None when written by hand), every change the
    office made (campaign.draft.Change as JSON: field, from, to, who, when) and the plan as started."""

    __tablename__ = "campaign_plans"

    campaign_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    draft_id: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(20))  # upload, refused, blank
    read_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    started_plan: Mapped[dict[str, Any]]
    started_by: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime]
