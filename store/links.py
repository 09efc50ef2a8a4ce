"""Versions of units' personal links: a link whose version is below the stored one is revoked."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import Assignment, Campaign, UnitLinkVersion
from store.writes import upsert

FIRST_VERSION = 1


class NoSuchLink(LookupError):
    """A campaign or a unit of it that the records do not have; str() is the Vietnamese reason."""


def link_version(session: Session, campaign_id: str, unit_code: str) -> int:
    row = session.scalar(
        select(UnitLinkVersion).where(
            UnitLinkVersion.campaign_id == campaign_id, UnitLinkVersion.unit_code == unit_code
        )
    )
    return row.version if row else FIRST_VERSION


def revoke_links(session: Session, campaign_id: str, unit_code: str) -> int:
    """Revoke every link the unit has in the campaign; returns the new version. NoSuchLink (and nothing
    written) when the campaign is not recorded or the unit has no activity in it."""
    if session.get(Campaign, campaign_id) is None:
        raise NoSuchLink(f"không có chiến dịch {campaign_id}")
    assigned = select(Assignment.id).where(Assignment.campaign_id == campaign_id, Assignment.unit_code == unit_code)
    if session.scalar(assigned.limit(1)) is None:
        raise NoSuchLink(f"đơn vị {unit_code} không có hoạt động nào trong chiến dịch {campaign_id}")
    upsert(
        session,
        UnitLinkVersion,
        {"campaign_id": campaign_id, "unit_code": unit_code, "version": FIRST_VERSION},
        ["campaign_id", "unit_code"],
    )
    row = session.scalars(
        select(UnitLinkVersion)
        .where(UnitLinkVersion.campaign_id == campaign_id, UnitLinkVersion.unit_code == unit_code)
        .with_for_update()
    ).one()
    row.version += 1
    row.revoked_at = datetime.now(UTC)
    return row.version
