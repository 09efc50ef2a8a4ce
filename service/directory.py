"""The unit directory in use, as every door reads it: the store's (the office edits it on its pages),
seeded from UNITS_FILE when the store has none and following that file when its content changes (a
unit the file adds is added, one it drops is disabled; what the office changed by hand is kept).

The office's pages, `starter.py start`, `assign` and `units link` read the same directory, so a plan
started from the shell matches its units against what the office sees.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import structlog
from sqlalchemy.exc import IntegrityError

from campaign.units import DirectoryError, Unit, UnitDirectory, load_directory
from service.updates import Refused
from store.database import Store
from store.directory import StoredDirectory, directory_state, follow_file, read_directory

LOG = structlog.get_logger("directory")
_NEVER = object()  # UNITS_FILE not yet looked at


class DirectoryInUse:
    """The store's unit directory for a process: read again only when its version moved.

    Raises `Refused` (503, Vietnamese) when the store has no directory and UNITS_FILE cannot be read.
    """

    def __init__(self, store: Store, units_file: Path) -> None:
        self.store, self.units_file = store, units_file
        self._directory: StoredDirectory | None = None
        self._file_seen: object = _NEVER
        self._following = threading.Lock()

    def active(self) -> UnitDirectory:
        """The directory without its disabled units: what new campaigns match plans against."""
        return self.stored().active

    def everyone(self) -> dict[str, Unit]:
        """Every unit by code, disabled ones too (old campaigns still name them)."""
        return self.stored().everyone

    def stored(self) -> StoredDirectory:
        self._follow_units_file()
        with self.store.session() as session:
            state = directory_state(session)
            if state is not None and self._directory is not None and self._directory.version == state.version:
                return self._directory
            stored = read_directory(session)
        if stored is None:
            raise Refused(503, "unavailable", "Chưa có danh bạ đơn vị (UNITS_FILE chưa đọc được).")
        self._directory = stored
        return stored

    def _follow_units_file(self) -> None:
        path = self.units_file
        try:
            moment = path.stat().st_mtime
        except OSError:
            moment = None
        if moment == self._file_seen:
            return
        try:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            file_directory = load_directory(path)
        except (OSError, DirectoryError) as exc:
            with self.store.session() as session:
                seeded = directory_state(session) is not None
            if not seeded:
                raise Refused(503, "unavailable", f"Không đọc được danh bạ đơn vị (UNITS_FILE={path}): {exc}") from None
            LOG.warning("units file unreadable; the store's directory stays", path=str(path), error=str(exc))
            self._file_seen = moment
            return
        with self._following:
            try:
                with self.store.session() as session:
                    changed = follow_file(session, file_directory, digest)
            except IntegrityError:  # another process seeded it at the same moment
                changed = None
        if changed is not None:
            LOG.info("unit directory follows UNITS_FILE", path=str(path), new=len(changed.new),
                     changed=len(changed.changed), disabled=len(changed.disabled))  # fmt: skip
        self._file_seen = moment
