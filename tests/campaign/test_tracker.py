"""The per-activity state machine, without Temporal: what is due when, and what messages do."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic_core import to_json

from campaign.clock import PlanClock, end_of_day, start_of_day
from campaign.due import decide, mark_done, next_wake, unanswered
from campaign.message_rules import apply_cancel, check_report, keep_latest_receipts
from campaign.messages import (
    Cancel,
    ConfirmReady,
    ExcuseUnit,
    ExtendDeadline,
    Rejected,
    Reschedule,
    SubmitReport,
    read_message,
)
from campaign.notices import PERSONAL_LINK, compose
from campaign.policy import Policy
from campaign.tracker import ActionKind, ActivityState, Phase
from campaign.units import Unit
from campaign.workdays import vietnam_holidays
from tests.applied import apply_confirm_ready, apply_excuse, apply_extend, apply_report, apply_reschedule
from tests.helpers import UNITS, make, vn
from workflows.inputs import ActivityInput


def run_until(state: ActivityState, start: datetime, until: datetime, messages=()) -> list[tuple[datetime, object]]:
    """Drive the state like the workflow does; `messages` are (time, callable) pairs."""
    log = []
    now = start
    pending = sorted(messages, key=lambda m: m[0])
    while not state.finished and now <= until:
        while pending and pending[0][0] <= now:
            pending.pop(0)[1](state)
        for action in decide(state, now):
            log.append((now, action))
            mark_done(state, action, now)
        wake = next_wake(state, now)
        following = [t for t in [wake[0] if wake else None, pending[0][0] if pending else None] if t]
        if not following:
            break
        now = min(following)
    return log


def kinds(log, kind):
    return [(t, sorted(a.units)) for t, a in log if a.kind is kind]


def test_default_policy_times_for_a_single_day() -> None:
    state = make()
    assert state.event_start == vn(11) and state.event_end == vn(12)
    assert state.ready_due == vn(9)
    assert state.units["a"].due == vn(15)  # hết ngày 14/5
    log = run_until(state, vn(1), vn(30, 6))
    assert kinds(log, ActionKind.ASSIGNMENT) == [(vn(1), ["a"]), (vn(1), ["b"])]
    assert kinds(log, ActionKind.READY_REMINDER) == [(vn(8), ["a"]), (vn(8), ["b"]), (vn(10), ["a"]), (vn(10), ["b"])]
    assert kinds(log, ActionKind.NOT_READY) == [(vn(11), ["a", "b"])]
    assert kinds(log, ActionKind.REPORT_REMINDER) == [
        (vn(14), ["a"]),
        (vn(14), ["b"]),
        (vn(15), ["a"]),
        (vn(15), ["b"]),
    ]
    assert kinds(log, ActionKind.ESCALATION) == [(vn(16), ["a", "b"]), (vn(19), ["a", "b"]), (vn(22), ["a", "b"])]
    assert [a.level for _, a in log if a.kind is ActionKind.ESCALATION] == [1, 2, 3]
    assert kinds(log, ActionKind.CLOSING) == [(vn(16, 6), [])]  # hard close: end of window + 15 days
    assert {u.outcome for u in state.units.values()} == {"missing"}
    assert state.reminders_sent == 8 and state.escalations_sent == 3


def test_phases() -> None:
    state = make()
    assert state.phase(vn(10)) is Phase.PREPARING
    assert state.phase(vn(11, hour=9)) is Phase.IN_EVENT
    assert state.phase(vn(13)) is Phase.COLLECTING
    run_until(state, vn(1), vn(16))
    assert state.phase(vn(16)) is Phase.ESCALATED
    assert state.overdue(vn(16)) == ["a", "b"] and state.escalation_level == 1


def test_ready_and_on_time_reports_close_after_the_event() -> None:
    state = make()

    def ready(code):
        return lambda s: apply_confirm_ready(s, ConfirmReady(unit=code), vn(7))

    def report(code, day):
        return lambda s: apply_report(s, SubmitReport(unit=code, summary="Đã tổ chức", participants=30), vn(day))

    log = run_until(
        state,
        vn(1),
        vn(30, 6),
        [(vn(7), ready("a")), (vn(7), ready("b")), (vn(11, hour=12), report("a", 11)), (vn(13), report("b", 13))],
    )
    assert kinds(log, ActionKind.READY_REMINDER) == []
    assert kinds(log, ActionKind.NOT_READY) == []
    assert kinds(log, ActionKind.CLOSING) == [(vn(13), [])]
    assert {u.outcome for u in state.units.values()} == {"on_time"}


def test_late_report_escalation_then_accepted_late() -> None:
    state = make()
    log = run_until(state, vn(1), vn(17))
    assert kinds(log, ActionKind.ESCALATION) == [(vn(16), ["a", "b"])]
    receipt = apply_report(state, SubmitReport(unit="a", summary="Muộn", participants=5), vn(17))
    assert (receipt.on_time, receipt.revision, receipt.phase) == (False, 1, Phase.ESCALATED)
    assert "trễ hạn" in receipt.message
    log = run_until(state, vn(17), vn(30, 6))
    assert kinds(log, ActionKind.ESCALATION) == [(vn(19), ["b"]), (vn(22), ["b"])]
    assert state.units["a"].outcome == "late" and state.units["b"].outcome == "missing"


def test_only_each_units_latest_receipt_goes_on_to_the_next_run_and_still_answers_a_retry() -> None:
    state = make()
    for n, (unit, day) in enumerate([("a", 12), ("b", 12), ("a", 13), ("a", 14), ("b", 15)]):
        apply_report(state, SubmitReport(unit=unit, summary=f"Lần {n}", participants=n, request_id=f"r{n}"), vn(day))
    keep_latest_receipts(state)
    assert sorted(state.receipts) == ["a/r3", "b/r4"]
    assert [state.receipts[k]["revision"] for k in ("a/r3", "b/r4")] == [3, 2]
    retried = apply_report(state, SubmitReport(unit="a", summary="Lần 3", participants=3, request_id="r3"), vn(20))
    assert (retried.revision, retried.duplicate) == (3, True)


def test_resubmission_and_duplicate_request() -> None:
    state = make()
    msg = SubmitReport(unit="Đoàn Sở A", summary="Lần 1", participants=10, request_id="r1")
    first = apply_report(state, msg, vn(12))
    again = apply_report(state, msg, vn(12, hour=1))
    assert (first.revision, again.revision, again.duplicate) == (1, 1, True)
    assert again.model_copy(update={"duplicate": False}) == first  # said again word for word
    assert "message" not in state.receipts["a/r1"]  # kept without its sentence: recomposed
    second = apply_report(state, SubmitReport(unit="a", summary="Lần 2", participants=12), vn(20))
    assert second.revision == 2 and second.on_time  # the report was in on time; revision 2 replaces it
    assert state.units["a"].report.summary == "Lần 2" and state.units["a"].report.participants == 12


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (SubmitReport(unit="zzz", summary="x", participants=1), "không phụ trách hoạt động 7"),
        (SubmitReport(unit="a", summary="  ", participants=1), "không được để trống"),
        ({"unit": "a", "summary": "x", "participants": -1}, "≥ 0"),
        ({"unit": "a", "summary": "x", "participants": 1, "beneficiaries": -3}, "≥ 0"),
        ({"unit": "a", "summary": "x", "participants": 1, "evidence": ["ftp://x.org/a"]}, "http/https"),
        ({"unit": "a", "summary": "x", "participants": 1, "evidence": ["not a url"]}, "http/https"),
        ({"unit": "a", "summary": "x", "participants": 1, "evidence": ["https://x.org"] * 21}, "tối đa 20"),
    ],
)
def test_rejected_reports_change_nothing(message, reason) -> None:
    state = make()
    before = state.model_dump()
    with pytest.raises(Rejected, match=reason):
        apply_report(state, read_message(SubmitReport, message), vn(12))
    assert state.model_dump() == before


def test_other_rejections() -> None:
    state = make()
    with pytest.raises(Rejected, match="đã qua"):
        apply_extend(state, ExtendDeadline(unit="a", new_due=date(2023, 5, 10), reason="x"), vn(12))
    with pytest.raises(Rejected, match="lý do"):
        apply_excuse(state, ExcuseUnit(unit="a", reason=" "), vn(12))
    with pytest.raises(Rejected, match="trước ngày bắt đầu"):
        apply_reschedule(state, Reschedule(new_start=date(2023, 5, 20), new_end=date(2023, 5, 19), reason="x"), vn(2))
    apply_cancel(state, Cancel(reason="Mưa bão"), vn(2))
    with pytest.raises(Rejected, match="đã bị hủy"):
        check_report(state, SubmitReport(unit="a", summary="x", participants=1), vn(3))
    assert state.phase(vn(3)) is Phase.CANCELLED and decide(state, vn(3)) == []
    assert {u.outcome for u in state.units.values()} == {"excused"}


def test_extend_and_excuse() -> None:
    state = make()
    run_until(state, vn(1), vn(16))
    apply_excuse(state, ExcuseUnit(unit="b", reason="Đơn vị sáp nhập"), vn(16, hour=1))
    apply_extend(state, ExtendDeadline(unit="a", new_due=date(2023, 5, 20), reason="Xin thêm thời gian"), vn(16, 5, 2))
    assert state.units["a"].due == vn(21) and state.units["a"].escalation_level == 0
    assert state.phase(vn(16, hour=3)) is Phase.COLLECTING
    log = run_until(state, vn(16, hour=3), vn(30, 6))
    assert kinds(log, ActionKind.REPORT_REMINDER) == [(vn(20), ["a"]), (vn(21), ["a"])]
    assert kinds(log, ActionKind.ESCALATION) == [(vn(22), ["a"]), (vn(25), ["a"]), (vn(28), ["a"])]
    assert state.units["b"].outcome == "excused"


def test_reschedule_moves_every_timer() -> None:
    state = make()
    run_until(state, vn(1), vn(2))
    apply_reschedule(
        state, Reschedule(new_start=date(2023, 5, 20), new_end=date(2023, 5, 20), reason="Trùng lịch"), vn(2)
    )
    log = run_until(state, vn(2), vn(30, 6))
    assert kinds(log, ActionKind.READY_REMINDER)[0][0] == vn(17)
    assert kinds(log, ActionKind.NOT_READY) == [(vn(20), ["a", "b"])]
    assert kinds(log, ActionKind.ESCALATION)[0][0] == vn(25)  # due end of 23/5, escalated a day later


def test_whole_month_in_event_all_month() -> None:
    state = make(start=date(2023, 5, 1), end=date(2023, 5, 31))
    assert state.phase(vn(2)) is Phase.IN_EVENT and state.phase(vn(31, hour=23)) is Phase.IN_EVENT
    receipt = apply_report(state, SubmitReport(unit="a", summary="Giữa tháng", participants=3), vn(15))
    assert receipt.phase is Phase.IN_EVENT and receipt.on_time
    assert state.phase(end_of_day(date(2023, 5, 31))) is Phase.COLLECTING


def test_working_days_move_due_past_the_april_holidays() -> None:
    holidays = vietnam_holidays([2024])
    # Event Saturday 27/4/2024: due would close on 30/4 (holiday), 1/5 (holiday) → Thursday 2/5.
    state = make(start=date(2024, 4, 27), policy=Policy(working_days=True), holidays=holidays)
    assert state.units["a"].due == end_of_day(date(2024, 5, 2))
    plain = make(start=date(2024, 4, 27), holidays=holidays)
    assert plain.units["a"].due == end_of_day(date(2024, 4, 30))
    weekend = make(start=date(2024, 5, 8), policy=Policy(working_days=True), holidays=holidays)
    assert weekend.units["a"].due == end_of_day(date(2024, 5, 13))  # Saturday 11/5 → Monday 13/5


def test_notices_are_vietnamese_and_specific() -> None:
    state = make()
    (assign_a, _assign_b) = decide(state, vn(1))
    notice = compose(state, assign_a, vn(1), "campaign/c1/activity/7")
    assert notice.key == "campaign/c1/activity/7/assign/a"
    assert "Đoàn Sở A" in notice.body and "11/05/2023" in notice.body and "Khu Công nghệ cao" in notice.body
    assert "hết ngày 14/05/2023" in notice.body and PERSONAL_LINK in notice.body  # the activity signs it there
    for action in decide(state, vn(1)):
        mark_done(state, action, vn(1))
    run_until(state, vn(1), vn(15, hour=23))
    (escalation,) = decide(state, vn(16, hour=6))
    text = compose(state, escalation, vn(16, hour=6), "w").body
    assert "Ban Thường vụ" in text and "Đoàn Sở B: hạn hết ngày 14/05/2023, trễ 1 ngày 6 giờ" in text


def test_start_of_day_is_vietnam_midnight() -> None:
    assert start_of_day(date(2023, 5, 11)) == datetime(2023, 5, 10, 17, tzinfo=UTC)
    assert next_wake(make(), vn(1)) == (vn(8), "nhắc xác nhận sẵn sàng")
    assert timedelta(days=3) == Policy().report_due


def test_unanswered_runs_the_whole_policy_in_order_or_up_to_a_moment() -> None:
    everything = list(unanswered(make(), vn(1)))
    kinds = Counter(a.kind for a in everything)
    assert kinds[ActionKind.ASSIGNMENT] == 2 and kinds[ActionKind.NOT_READY] == 1
    assert kinds[ActionKind.ESCALATION] == Policy().max_escalation_level and kinds[ActionKind.CLOSING] == 1
    assert [a.at for a in everything] == sorted(a.at for a in everything)
    first_days = list(unanswered(make(), vn(1), until=vn(9)))
    assert first_days == [a for a in everything if a.at <= vn(9)]


def test_a_roll_travels_without_its_defaults_and_comes_back_whole() -> None:
    """The state as continue-as-new carries it (JSON, the worker's converter): each unit without the
    fields still at their defaults, read back to the same roll, index and all."""
    state = make(units=UNITS)
    apply_confirm_ready(state, ConfirmReady(unit="a", note="Đủ 30 người"), vn(8))
    apply_report(state, SubmitReport(unit="b", summary="Đã tổ chức\nhai buổi", participants=30,
                                     evidence=["https://example.org/anh"], request_id="r1"), vn(12))  # fmt: skip
    carried = to_json(state)
    units = json.loads(carried)["units"]
    assert set(units["c"]) == {"code", "name", "due"}  # nothing else set for it yet
    assert units["b"]["report"]["evidence"] == ["https://example.org/anh"] and "duties" not in units["b"]["report"]
    back = ActivityState.model_validate_json(carried)
    assert back.units == state.units and back.receipts == state.receipts
    assert (back.pending(), back.ready, back.reported) == (state.pending(), state.ready, state.reported)


def test_contacts_travel_without_their_defaults_and_come_back_whole() -> None:
    contacts = [Unit(code="a", name="Đoàn Sở A", aliases=["Sở A"], email="a@example.org"), Unit(code="b", name="B")]
    state = make(units=contacts)
    clock = PlanClock(plan_origin=vn(1), wall_origin=vn(1))
    carried = ActivityInput(
        campaign_id="c1", activity=state.activity, units=contacts, policy=state.policy, window_end=date(2023, 5, 31),
        clock=clock,
    )  # fmt: skip
    data = to_json(carried)
    assert json.loads(data)["units"][1] == {"code": "b", "name": "B"}
    assert ActivityInput.model_validate_json(data).units == contacts


def test_a_receipt_kept_by_an_earlier_run_with_its_sentence_is_said_again_as_kept() -> None:
    state = make()
    state.receipts["a/r0"] = {"accepted": True, "unit": "a", "on_time": True, "revision": 1, "phase": "COLLECTING",
                              "message": "Đã nhận (lời cũ).", "duplicate": False, "fingerprint": None}  # fmt: skip
    again = apply_report(state, SubmitReport(unit="a", summary="Lần 1", participants=10, request_id="r0"), vn(12))
    assert (again.message, again.duplicate, again.revision) == ("Đã nhận (lời cũ).", True, 1)
