"""The activity's index (who is still expected, their deadlines and levels) answers as the whole roll
would, after any sequence of reports, excuses, new deadlines, escalations, moves and late assignments:
what a message and a publish read at 20,000 units without reading the roll."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.clock import end_of_day
from campaign.due import decide, mark_done
from campaign.messages import AssignUnits, ExcuseUnit, ExtendDeadline, Rejected, Reschedule, SubmitReport
from campaign.policy import Policy
from campaign.tracker import ActivityState
from campaign.units import Unit
from tests.applied import apply_assign, apply_excuse, apply_extend, apply_report, apply_reschedule
from tests.helpers import UNITS, make, vn

START = date(2023, 5, 11)
CODES = [u.code for u in UNITS]

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("report"), st.sampled_from(CODES)),
        st.tuples(st.just("excuse"), st.sampled_from(CODES)),
        st.tuples(st.just("extend"), st.sampled_from([*CODES, None]), st.integers(0, 60)),
        st.tuples(st.just("move"), st.integers(-3, 40)),
        st.tuples(st.just("assign"), st.integers(0, 3)),
        st.tuples(st.just("time"), st.integers(1, 96)),  # hours go by: what is due is done
    ),
    max_size=25,
)


def roll_says(state: ActivityState, now: datetime) -> dict[str, object]:
    """The answers read from the whole roll, as they were before the index kept them."""
    expected = [u for u in state.units.values() if not u.settled]
    latest = max([end_of_day(state.window_end), state.event_end, *(u.due for u in state.units.values())])
    return {
        "pending": [u.code for u in expected],
        "overdue": [u.code for u in expected if now > u.due],
        "level": max((u.escalation_level for u in expected), default=0),
        "close": latest + state.policy.close_after,
        "phase": state.phase(now),
    }


def index_says(state: ActivityState, now: datetime) -> dict[str, object]:
    assert state.pending_count == len(state.pending())
    assert state.overdue_count(now) == len(state.overdue(now))
    assert state.overdue(now, first=2) == state.overdue(now)[:2]
    return {
        "pending": state.pending(),
        "overdue": state.overdue(now),
        "level": state.escalation_level,
        "close": state.hard_close,
        "phase": state.phase(now),
    }


def step(state: ActivityState, now: datetime, what: tuple) -> datetime:
    try:
        match what:
            case ("report", code):
                apply_report(state, SubmitReport(unit=code, summary="Đã làm", participants=5), now)
            case ("excuse", code):
                apply_excuse(state, ExcuseUnit(unit=code, reason="Đơn vị đang tổ chức đại hội"), now)
            case ("extend", code, days):
                message = ExtendDeadline(unit=code, new_due=now.date() + timedelta(days=days), reason="Xin thêm hạn")
                apply_extend(state, message, now)
            case ("move", days):
                day = START + timedelta(days=days)
                apply_reschedule(state, Reschedule(new_start=day, new_end=day, reason="Trùng lịch"), now)
            case ("assign", n):
                unit = Unit(code=f"moi-{n}", name=f"Chi đoàn mới {n}", email=f"moi{n}@example.vn")
                apply_assign(state, AssignUnits(units=[unit], reason="Bổ sung"), now)
            case ("time", hours):
                now += timedelta(hours=hours)
                for action in decide(state, now):
                    mark_done(state, action, now)
    except Rejected:
        pass  # refused: nothing changed
    return now


@given(STEPS)
@settings(max_examples=150)
def test_the_index_answers_as_the_whole_roll_does(steps: list[tuple]) -> None:
    state = make(start=START, policy=Policy(), units=UNITS)
    now = vn(1, 5, 8)
    for what in steps:
        now = step(state, now, what)
        assert index_says(state, now) == roll_says(state, now)
        rebuilt = ActivityState.model_validate_json(state.model_dump_json())  # a new run's state: indexed afresh
        assert index_says(rebuilt, now) == index_says(state, now)
