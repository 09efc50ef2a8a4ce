"""Plan time: the campaign's own clock, which may run faster than the wall.

plan time = plan origin + (wall now − wall origin) × speed. Speed 1 is real life.
Vietnam keeps +07:00 all year, so a fixed offset stands in for Asia/Ho_Chi_Minh
(ZoneInfo is not available inside the workflow sandbox).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from pydantic import BaseModel, Field

VIETNAM = timezone(timedelta(hours=7), "ICT")


class PlanClock(BaseModel):
    plan_origin: datetime
    wall_origin: datetime
    speed: float = Field(default=1.0, gt=0)

    def plan_now(self, wall_now: datetime) -> datetime:
        return self.plan_origin + (wall_now - self.wall_origin) * self.speed

    def wall_at(self, plan_moment: datetime) -> datetime:
        """When the wall clock shows plan time `plan_moment`."""
        return self.wall_origin + (plan_moment - self.plan_origin) / self.speed

    def wall_delay(self, plan_delay: timedelta) -> timedelta:
        return max(plan_delay, timedelta(0)) / self.speed


def start_of_day(day: date) -> datetime:
    """00:00 in Vietnam on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(0), VIETNAM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The instant `day` ends in Vietnam (00:00 the next day)."""
    return start_of_day(day + timedelta(days=1))


def local(moment: datetime) -> datetime:
    return moment.astimezone(VIETNAM)


def last_day(deadline: datetime) -> date:
    """The Vietnamese calendar day a deadline closes (a midnight deadline closes the day before)."""
    return local(deadline - timedelta(microseconds=1)).date()


# Formatted by hand, not with strftime: inside the workflow sandbox every strftime call pays for an
# import, and a notice to each of thousands of units formats several dates.


def format_day(day: date) -> str:
    """dd/mm/yyyy."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _hour(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_deadline(deadline: datetime) -> str:
    moment = local(deadline)
    if moment.time() == time(0):
        return f"hết ngày {format_day(last_day(deadline))}"
    return f"{_hour(moment)} ngày {format_day(moment)}"


def format_moment(moment: datetime) -> str:
    shown = local(moment)
    return f"{_hour(shown)} {format_day(shown)}"


def format_start(moment: datetime) -> str:
    """When something starts, as people read it: "ngày 16/03/2024" at midnight, else "08:00 ngày 16/03/2024"
    (never `format_deadline`'s "hết ngày" of the day before)."""
    at = local(moment)
    return f"ngày {format_day(at)}" if at.time() == time(0) else f"{_hour(at)} ngày {format_day(at)}"
