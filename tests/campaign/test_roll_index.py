"""The roll's index built in one pass says what noting each unit in turn says (campaign.roll_index)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from campaign.roll_index import RollIndex
from campaign.tracker import Report, UnitState

DUE = datetime(2024, 3, 29, 17, tzinfo=UTC)


def _unit(rng: random.Random, code: str) -> UnitState:
    at = DUE - timedelta(days=1)
    report = Report(revision=1, summary="Ra quân", participants=3, submitted_at=at, first_submitted_at=at, on_time=True)
    return UnitState(
        code=code,
        name=f"Đoàn cơ sở {code}",
        due=DUE + timedelta(days=rng.choice([0, 0, 2, 5])),
        ready_at=at if rng.random() < 0.3 else None,
        report=report if rng.random() < 0.4 else None,
        excused_reason="ốm" if rng.random() < 0.1 else None,
        escalation_level=rng.choice([0, 0, 1, 2, 3]),
    )


def _said(index: RollIndex) -> tuple[object, ...]:
    return (
        list(index.open), index.reported, index.ready, index.due_of, +index.dues, +index.open_dues,
        index.level_of, +index.levels, index.latest_due(), index.overdue_count(DUE + timedelta(days=3)),
        index.level(),
    )  # fmt: skip


def test_built_at_once_as_noted_one_by_one() -> None:
    rng = random.Random(26)
    for size in (0, 1, 7, 300):
        units = [_unit(rng, f"cs-{n}") for n in range(size)]
        noted = RollIndex()
        for unit in units:
            noted.note(unit)
        assert _said(RollIndex(units)) == _said(noted)


def test_units_noted_again_after_a_change_say_what_a_fresh_index_of_the_roll_says() -> None:
    """A new deadline, an escalation, a report, an excuse (a settled unit is never expected again)."""
    rng = random.Random(3)
    units = [_unit(rng, f"cs-{n}") for n in range(50)]
    index = RollIndex(units)
    for n, unit in enumerate(units):
        if unit.settled:
            continue
        if n % 3 == 0:
            unit.due += timedelta(days=1)
            unit.escalation_level = 0
        elif n % 3 == 1:
            unit.escalation_level += 1
        else:
            unit.excused_reason = "trùng lịch"
        index.note(unit)
    assert _said(index) == _said(RollIndex(units))
