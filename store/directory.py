"""The unit directory in the store: read it, change it (every change audited), seed it from UNITS_FILE
and follow that file when it changes.

The directory in use (what new campaigns match plans against and choose units from) is the units not
disabled; a disabled unit keeps its row, so old campaigns and the grid still name it. A running campaign
keeps the snapshot it started with (its workflow input); the worker reads a unit's current e-mail,
webhook and channel here when it sends (`current_contacts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.directory_rules import STATE, STATE_WORDS, Change, ImportPreview, differences
from campaign.units import Unit, UnitDirectory, UnitKind
from store.schema import DirectoryChange, DirectoryState, DirectoryUnit

FILE_ACTOR = "tệp UNITS_FILE"


@dataclass(frozen=True)
class StoredDirectory:
    version: int
    organisation: str
    units: list[Unit]  # every unit, disabled ones too, in the directory's order
    disabled: frozenset[str]
    file_digest: str | None = None
    active: UnitDirectory = field(init=False)

    def __post_init__(self) -> None:
        active = UnitDirectory(
            organisation=self.organisation, units=[u for u in self.units if u.code not in self.disabled]
        )
        object.__setattr__(self, "active", active)

    @property
    def everyone(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}


_KIND_ORDER = {UnitKind.OFFICE: 0, UnitKind.COMMITTEE: 1, UnitKind.CLUSTER: 2, UnitKind.UNIT: 3}


def _unit(row: DirectoryUnit) -> Unit:
    return Unit(code=row.code, name=row.name, kind=UnitKind(row.kind), aliases=list(row.aliases or []),
                email=row.email, channel=row.channel, webhook_url=row.webhook_url, cluster=row.cluster,
                contact=row.contact)  # fmt: skip


def _fill(row: DirectoryUnit, unit: Unit) -> None:
    row.name, row.kind, row.aliases = unit.name, unit.kind.value, list(unit.aliases)
    row.email, row.channel, row.webhook_url = unit.email, unit.channel, unit.webhook_url
    row.cluster, row.contact = unit.cluster, unit.contact


def directory_state(session: Session) -> DirectoryState | None:
    return session.get(DirectoryState, 1)


def read_directory(session: Session) -> StoredDirectory | None:
    """The whole directory, or None when it was never seeded."""
    state = directory_state(session)
    if state is None:
        return None
    rows = list(session.scalars(select(DirectoryUnit)))
    rows.sort(key=lambda r: (_KIND_ORDER.get(UnitKind(r.kind), 9), r.code))
    return StoredDirectory(state.version, state.organisation, [_unit(r) for r in rows],
                           frozenset(r.code for r in rows if r.disabled), state.file_digest)  # fmt: skip


def _bump(session: Session) -> None:
    state = directory_state(session)
    if state is not None:
        state.version += 1


def _record(session: Session, actor: str, action: str, code: str, fields: dict[str, tuple[str, str]],
            at: datetime) -> None:  # fmt: skip
    detail = {"fields": {name: [before, after] for name, (before, after) in fields.items()}}
    session.add(DirectoryChange(at=at, actor=actor[:120], action=action, unit_code=code, detail=detail))


def seed(session: Session, directory: UnitDirectory, actor: str, digest: str | None = None) -> None:
    """The first directory of the store (from UNITS_FILE); each unit's arrival recorded."""
    now = datetime.now(UTC)
    session.add(DirectoryState(id=1, organisation=directory.organisation, version=1, file_digest=digest, seeded_at=now))
    for unit in directory.units:
        row = DirectoryUnit(code=unit.code, disabled=False, updated_at=now, updated_by=actor[:120])
        _fill(row, unit)
        session.add(row)
        _record(session, actor, "seed", unit.code, differences(None, unit), now)


def add_unit(session: Session, unit: Unit, actor: str) -> None:
    now = datetime.now(UTC)
    row = DirectoryUnit(code=unit.code, disabled=False, updated_at=now, updated_by=actor[:120])
    _fill(row, unit)
    session.add(row)
    _record(session, actor, "add", unit.code, differences(None, unit), now)
    _bump(session)


def edit_unit(session: Session, unit: Unit, actor: str, action: str = "edit") -> dict[str, tuple[str, str]]:
    """The unit's new fields; what changed (nothing recorded when nothing did)."""
    row = session.get(DirectoryUnit, unit.code)
    if row is None:
        raise LookupError(unit.code)
    changes = differences(_unit(row), unit)
    if changes:
        now = datetime.now(UTC)
        _fill(row, unit)
        row.updated_at, row.updated_by = now, actor[:120]
        _record(session, actor, action, unit.code, changes, now)
        _bump(session)
    return changes


def set_disabled(session: Session, code: str, disabled: bool, actor: str, action: str | None = None) -> bool:
    """Disable (or use again) a unit; False when it already was."""
    row = session.get(DirectoryUnit, code)
    if row is None:
        raise LookupError(code)
    if row.disabled == disabled:
        return False
    now = datetime.now(UTC)
    row.disabled, row.updated_at, row.updated_by = disabled, now, actor[:120]
    action = action or ("disable" if disabled else "enable")
    _record(session, actor, action, code, {STATE: (STATE_WORDS[not disabled], STATE_WORDS[disabled])}, now)
    _bump(session)
    return True


def apply_import(session: Session, preview: ImportPreview, actor: str, action: str = "import") -> None:
    """What a checked import (or UNITS_FILE) changes: new units, changed ones (a disabled one in use
    again), units it leaves out disabled; one audit row per unit."""
    now = datetime.now(UTC)
    for unit in preview.new:
        row = DirectoryUnit(code=unit.code, disabled=False, updated_at=now, updated_by=actor[:120])
        _fill(row, unit)
        session.add(row)
        _record(session, actor, action, unit.code, differences(None, unit), now)
    for change in preview.changed:
        changing = session.get(DirectoryUnit, change.unit.code)
        if changing is None:
            continue
        _fill(changing, change.unit)
        changing.disabled, changing.updated_at, changing.updated_by = False, now, actor[:120]
        _record(session, actor, action, change.unit.code, change.fields, now)
    for unit in preview.disabled:
        leaving = session.get(DirectoryUnit, unit.code)
        if leaving is not None and not leaving.disabled:
            leaving.disabled, leaving.updated_at, leaving.updated_by = True, now, actor[:120]
            _record(session, actor, action, unit.code, {STATE: (STATE_WORDS[False], STATE_WORDS[True])}, now)
    _bump(session)


def follow_file(session: Session, directory: UnitDirectory, digest: str) -> ImportPreview | None:
    """UNITS_FILE as it now is: the store's first directory, or (when the file changed since it was last
    applied) the whole directory again, as an import by the file; None when nothing was to do."""
    state = directory_state(session)
    if state is None:
        seed(session, directory, FILE_ACTOR, digest)
        return ImportPreview(new=list(directory.units))
    if state.file_digest == digest:
        return None
    stored = read_directory(session)
    assert stored is not None
    preview = file_changes(stored, directory)
    apply_import(session, preview, FILE_ACTOR, action="file")
    state.file_digest = digest
    state.organisation = directory.organisation or state.organisation
    return preview


def file_changes(stored: StoredDirectory, directory: UnitDirectory) -> ImportPreview:
    """The file's units against the store's (the file is the whole directory; its own checks are
    `units check`'s, not the office's)."""
    before = stored.everyone
    preview = ImportPreview()
    named = set()
    for unit in directory.units:
        if unit.code in named:
            continue
        named.add(unit.code)
        old = before.get(unit.code)
        if old is None:
            preview.new.append(unit)
            continue
        changes = differences(old, unit)
        if unit.code in stored.disabled:
            changes[STATE] = (STATE_WORDS[True], STATE_WORDS[False])
        if changes:
            preview.changed.append(Change(unit, changes))
        else:
            preview.unchanged += 1
    preview.disabled = [u for u in stored.units if u.code not in named and u.code not in stored.disabled]
    return preview


@dataclass(frozen=True)
class ChangeRow:
    at: datetime
    actor: str
    action: str
    unit_code: str
    fields: dict[str, tuple[str, str]]


def recent_changes(session: Session, code: str | None = None, limit: int = 200) -> list[ChangeRow]:
    query = select(DirectoryChange).order_by(DirectoryChange.id.desc()).limit(limit)
    if code is not None:
        query = query.where(DirectoryChange.unit_code == code)
    return [
        ChangeRow(r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), r.actor, r.action, r.unit_code,
                  {k: (v[0], v[1]) for k, v in (r.detail.get("fields") or {}).items()})
        for r in session.scalars(query)
    ]  # fmt: skip


def current_contacts(session: Session, codes: Iterable[str]) -> dict[str, Unit]:
    """The units' current rows (their e-mail, webhook and channel now), for the codes the store knows."""
    wanted: Sequence[str] = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.scalars(select(DirectoryUnit).where(DirectoryUnit.code.in_(wanted)))
    return {r.code: _unit(r) for r in rows}
