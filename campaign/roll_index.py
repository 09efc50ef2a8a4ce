"""What an activity's roll says, kept as its units change: who is still expected (in roll order), who
reported or is ready, each unit's deadline and each expected unit's escalation level, with how many
units share each deadline and level. A message, a publish or a unit's query reads these instead of
the roll, so each costs the same at 20 units as at 20,000 (bench.scale).

A plain object, not part of the stored state: a new run, a replay or a copy rebuilds it from the roll.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol


class _Unit(Protocol):  # campaign.tracker.UnitState
    @property
    def code(self) -> str: ...
    @property
    def due(self) -> datetime: ...
    @property
    def escalation_level(self) -> int: ...
    @property
    def report(self) -> object | None: ...
    @property
    def ready_at(self) -> datetime | None: ...
    @property
    def settled(self) -> bool: ...


class RollIndex:
    __slots__ = ("due_of", "dues", "level_of", "levels", "open", "open_dues", "ready", "reported")

    def __init__(self, units: Iterable[_Unit] = ()) -> None:
        self.open: dict[str, None] = {}  # the units still expected, in roll order
        self.reported: set[str] = set()
        self.ready: set[str] = set()
        self.due_of: dict[str, datetime] = {}  # every unit's deadline as last noted
        self.dues: Counter[datetime] = Counter()  # how many units have each deadline
        self.open_dues: Counter[datetime] = Counter()  # ... of those still expected
        self.level_of: dict[str, int] = {}  # expected units the Committee has heard about → their level
        self.levels: Counter[int] = Counter()
        # The whole roll in one pass (what `note` does unit by unit, without undoing what was counted
        # before): every new run and replay builds this for a city's roll before it takes a message.
        for unit in units:
            code = unit.code
            self.due_of[code] = unit.due
            if unit.report is not None:
                self.reported.add(code)
            if unit.ready_at is not None:
                self.ready.add(code)
            if unit.settled:
                self.open.pop(code, None)
                self.level_of.pop(code, None)
            else:
                self.open[code] = None
                if unit.escalation_level > 0:
                    self.level_of[code] = unit.escalation_level
                else:
                    self.level_of.pop(code, None)
        self.dues.update(self.due_of.values())
        self.open_dues.update(self.due_of[code] for code in self.open)
        self.levels.update(self.level_of.values())

    def note(self, unit: _Unit) -> None:
        """`unit` changed or joined: a report, an excuse, an escalation level, a new deadline, its
        readiness."""
        code = unit.code
        if unit.report is not None:
            self.reported.add(code)
        if unit.ready_at is not None:
            self.ready.add(code)
        if code in self.open:  # forget what was counted of it while expected; counted again below as it is
            self.open_dues[self.due_of[code]] -= 1
            if (level := self.level_of.pop(code, 0)) > 0:
                self.levels[level] -= 1
        if (old := self.due_of.get(code)) is not None:
            self.dues[old] -= 1
        self.due_of[code] = unit.due
        self.dues[unit.due] += 1
        if unit.settled:
            self.open.pop(code, None)
            return
        self.open.setdefault(code, None)  # a unit that joins comes last, as in the roll
        self.open_dues[unit.due] += 1
        if unit.escalation_level > 0:
            self.level_of[code] = unit.escalation_level
            self.levels[unit.escalation_level] += 1

    def latest_due(self) -> datetime | None:
        return max((due for due, n in self.dues.items() if n > 0), default=None)

    def overdue_count(self, now: datetime) -> int:
        return sum(n for due, n in self.open_dues.items() if now > due)

    def level(self) -> int:
        """The highest escalation level among the units still expected."""
        return max((level for level, n in self.levels.items() if n > 0), default=0)
