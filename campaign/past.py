"""A plan whose dates are already past when the office starts it.

Started as written, every notice of a past activity falls due at once (assignments, reminders,
escalations, closings within seconds). The office chooses instead: run it shifted to today (every
date moved by whole weeks, so an event on a Sunday stays on a Sunday), or record it as already done
(no workflow, no notice).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from campaign.plan import Plan


class Timing(StrEnum):
    AS_WRITTEN = "as_written"  # the plan's own dates (the only choice for a plan not yet past)
    SHIFTED = "shifted"  # every date moved by whole weeks so that the plan starts today or within the week
    RECORDED = "recorded"  # kept as a campaign already done: no workflow, no notice


@dataclass(frozen=True)
class PastPlan:
    """What the preview says about a plan whose activities have started before `today`."""

    past: int  # activities that start before today
    first: date  # the earliest activity's start
    today: date
    shift: timedelta  # the move `shifted` would make

    @property
    def warning(self) -> str:
        everything = "mọi hoạt động" if self.past > 1 else "hoạt động"
        return (
            f"Kế hoạch có {self.past} hoạt động đã qua ngày (sớm nhất {self.first:%d/%m/%Y}; hôm nay "
            f"{self.today:%d/%m/%Y}). Nếu khởi động theo đúng ngày ghi trong kế hoạch, {everything} đã qua sẽ "
            "được phân công, nhắc, báo cáo Ban Thường vụ và kết thúc ngay trong vài giây."
        )

    @property
    def shift_words(self) -> str:
        weeks = self.shift.days // 7
        return f"dời mọi ngày thêm {weeks} tuần ({self.shift.days} ngày), giữ đúng thứ trong tuần"


def past_plan(plan: Plan, today: date) -> PastPlan | None:
    """None when no activity starts before `today`; otherwise what is past and the shift that fixes it."""
    starts = [a.start for a in plan.activities]
    past = [s for s in starts if s < today]
    if not past:
        return None
    return PastPlan(len(past), min(starts), today, shift_to(plan, today))


def shift_to(plan: Plan, today: date) -> timedelta:
    """Whole weeks that move the plan's start (its issue date, else its window) to today or the days after,
    and its earliest activity to today or later."""
    earliest = min([plan.starts_on, *(a.start for a in plan.activities)])
    days = max((today - earliest).days, 0)
    return timedelta(weeks=-(-days // 7))


def shifted(plan: Plan, by: timedelta) -> Plan:
    """The same plan with every date (issue date, window, each activity) moved by `by`."""
    moved = plan.model_copy(deep=True)
    moved.issued_on = plan.issued_on + by if plan.issued_on else None
    moved.window.start, moved.window.end = plan.window.start + by, plan.window.end + by
    for activity in moved.activities:
        activity.start, activity.end = activity.start + by, activity.end + by
    return moved
