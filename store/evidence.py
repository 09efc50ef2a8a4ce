"""Who owns each uploaded evidence file, and how much a unit has stored (issue 25: evidence by reference).

A file belongs to the (campaign, unit, activity) whose report uploaded it, from the revision that took
it; a report may cite only its own files. Rows are written by the portal around the report's update:
`hold` before (revision None), `accept` once the workflow took the report, `release` when it refused;
`sweep` removes what a crash left held, or gives it to the stored revision that cites it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.schema import EvidenceFile, UnitReport

HELD_FOR = timedelta(
    hours=1
)  # a report's update answers within seconds; a held row older than this was left by a crash


@dataclass(frozen=True)
class Upload:
    name: str  # <sha256>.<ext>
    shown_name: str
    size: int


def owned(session: Session, campaign_id: str, unit_code: str, activity_no: int) -> dict[str, EvidenceFile]:
    """The files a unit's report of one activity has taken (any revision), by stored name."""
    rows = session.scalars(
        select(EvidenceFile).where(
            EvidenceFile.campaign_id == campaign_id,
            EvidenceFile.unit_code == unit_code,
            EvidenceFile.activity_no == activity_no,
            EvidenceFile.revision.is_not(None),
        )
    )
    return {row.name: row for row in rows}


def unit_files(session: Session, campaign_id: str, unit_code: str) -> list[EvidenceFile]:
    """Every accepted file of the unit in the campaign, by activity and revision (its page lists them)."""
    return list(
        session.scalars(
            select(EvidenceFile)
            .where(
                EvidenceFile.campaign_id == campaign_id,
                EvidenceFile.unit_code == unit_code,
                EvidenceFile.revision.is_not(None),
            )
            .order_by(EvidenceFile.activity_no, EvidenceFile.revision, EvidenceFile.id)
        )
    )


def unit_file(session: Session, campaign_id: str, unit_code: str, name: str) -> EvidenceFile | None:
    """The unit's own accepted file of this name in the campaign (any activity), or None."""
    return session.scalars(
        select(EvidenceFile).where(
            EvidenceFile.campaign_id == campaign_id,
            EvidenceFile.unit_code == unit_code,
            EvidenceFile.name == name,
            EvidenceFile.revision.is_not(None),
        )
    ).first()


def shown_names(session: Session, campaign_id: str, names: Iterable[str]) -> dict[str, str]:
    """The names the units gave these stored files in the campaign (for pages: never a path)."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = session.execute(
        select(EvidenceFile.name, EvidenceFile.shown_name).where(
            EvidenceFile.campaign_id == campaign_id, EvidenceFile.name.in_(wanted)
        )
    )
    return {name: shown for name, shown in rows}


def held_files(session: Session, campaign_id: str, unit_code: str, activity_no: int,
               names: Iterable[str]) -> dict[str, EvidenceFile]:  # fmt: skip
    """Those of `names` held (not yet taken by a revision) for the unit's report of this activity, by name:
    the files of a refused report, kept for the retry until HELD_FOR has passed."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    rows = session.scalars(
        select(EvidenceFile).where(
            EvidenceFile.campaign_id == campaign_id,
            EvidenceFile.unit_code == unit_code,
            EvidenceFile.activity_no == activity_no,
            EvidenceFile.name.in_(wanted),
            EvidenceFile.revision.is_(None),
        )
    )
    found = {row.name: row for row in rows}
    return {name: found[name] for name in wanted if name in found}


def stored_bytes(session: Session, campaign_id: str, unit_code: str) -> int:
    """What the unit has stored in the campaign, held files included (its quota counts these)."""
    total = session.scalar(
        select(func.coalesce(func.sum(EvidenceFile.size), 0)).where(
            EvidenceFile.campaign_id == campaign_id, EvidenceFile.unit_code == unit_code
        )
    )
    return int(total or 0)


def new_uploads(session: Session, campaign_id: str, unit_code: str, activity_no: int,
                uploads: Iterable[Upload]) -> list[Upload]:  # fmt: skip
    """Those of `uploads` the unit's report of this activity does not already hold (one row each)."""
    have = set(
        session.scalars(
            select(EvidenceFile.name).where(
                EvidenceFile.campaign_id == campaign_id,
                EvidenceFile.unit_code == unit_code,
                EvidenceFile.activity_no == activity_no,
            )
        )
    )
    fresh: dict[str, Upload] = {}
    for upload in uploads:
        if upload.name not in have:
            fresh.setdefault(upload.name, upload)
    return list(fresh.values())


def hold(session: Session, campaign_id: str, unit_code: str, activity_no: int, uploads: Iterable[Upload],
         now: datetime | None = None) -> None:  # fmt: skip
    """Rows for files written for a report not yet answered (revision None)."""
    at = now or datetime.now(UTC)
    for upload in uploads:
        session.add(
            EvidenceFile(campaign_id=campaign_id, unit_code=unit_code, activity_no=activity_no, name=upload.name,
                         shown_name=upload.shown_name, size=upload.size, revision=None, stored_at=at)
        )  # fmt: skip


def accept(session: Session, campaign_id: str, unit_code: str, activity_no: int, names: Iterable[str],
           revision: int) -> None:  # fmt: skip
    """The workflow took the report: its held files now belong to `revision`."""
    session.execute(
        update(EvidenceFile)
        .where(
            EvidenceFile.campaign_id == campaign_id,
            EvidenceFile.unit_code == unit_code,
            EvidenceFile.activity_no == activity_no,
            EvidenceFile.name.in_(list(names)),
            EvidenceFile.revision.is_(None),
        )
        .values(revision=revision)
    )


def release(session: Session, campaign_id: str, unit_code: str, activity_no: int, names: Iterable[str]) -> list[str]:
    """The report was refused: its held rows go; returns the names no row refers to any more (to delete)."""
    chosen = list(names)
    session.execute(
        delete(EvidenceFile).where(
            EvidenceFile.campaign_id == campaign_id,
            EvidenceFile.unit_code == unit_code,
            EvidenceFile.activity_no == activity_no,
            EvidenceFile.name.in_(chosen),
            EvidenceFile.revision.is_(None),
        )
    )
    return unreferenced(session, chosen)


def sweep(session: Session, now: datetime | None = None) -> list[str]:
    """Rows held longer than HELD_FOR go (a crash between storing and answering, a refused report nobody
    sent again), except those a stored revision of their report cites: the workflow took that report
    though its sender never heard (a timeout, a closed connection), and the row now belongs to the
    revision. Returns the names no row refers to any more (to delete)."""
    cutoff = (now or datetime.now(UTC)) - HELD_FOR
    stale = list(
        session.scalars(select(EvidenceFile).where(EvidenceFile.revision.is_(None), EvidenceFile.stored_at < cutoff))
    )
    if not stale:
        return []
    gone = []
    for row in stale:
        if (revision := _citing_revision(session, row)) is not None:
            row.revision = revision
        else:
            gone.append(row.name)
            session.delete(row)
    session.flush()
    return unreferenced(session, gone)


def _citing_revision(session: Session, row: EvidenceFile) -> int | None:
    """The first stored revision of the row's report that cites its file (`…/evidence/<name>`), or None."""
    cited = session.execute(
        select(UnitReport.revision, UnitReport.evidence)
        .where(
            UnitReport.campaign_id == row.campaign_id,
            UnitReport.unit_code == row.unit_code,
            UnitReport.activity_no == row.activity_no,
        )
        .order_by(UnitReport.revision)
    )
    suffix = f"/evidence/{row.name}"
    return next(
        (revision for revision, evidence in cited if any(str(e).endswith(suffix) for e in evidence or [])), None
    )


def unreferenced(session: Session, names: Iterable[str]) -> list[str]:
    chosen = set(names)
    if not chosen:
        return []
    still = set(session.scalars(select(EvidenceFile.name).where(EvidenceFile.name.in_(chosen))))
    return sorted(chosen - still)
