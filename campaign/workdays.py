"""Working days in Vietnam: weekends and public holidays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: date, holidays: frozenset[date]) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def vietnam_holidays(years: Iterable[int]) -> list[date]:
    """Public holidays (Tết, 30/4, 1/5, 2/9 …) from the `holidays` package.

    Computed outside workflows and passed in, so workflows stay deterministic.
    """
    import holidays

    return sorted(holidays.country_holidays("VN", years=list(years)))
