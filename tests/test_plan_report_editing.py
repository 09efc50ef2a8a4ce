"""The office decides on the whole plan in the schedule editor (campaign.editing): the report on the plan
(remove a duty, edit its wording, change its due date, turn it off) and the issuer's tasks without a row
(schedule one as an ordinary activity, leave one out, put it back), every choice in the change log, undone
like any other step, and what the started plan carries. The plan is invented (tests/corpus/duties)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from campaign.dates import ActivityKind
from campaign.duties import with_plan_report
from campaign.editing import (
    EditError,
    ReportForm,
    TaskForm,
    apply_form,
    corrections,
    draft_from_read,
    field_words,
    findings,
    leave_out_task,
    remove_duty,
    remove_row,
    restore_task,
    schedule_task,
    started_plan,
    undo,
)
from campaign.importer import import_lines
from tests.conftest import CORPUS

AT = datetime(2025, 2, 21, 9, 0, tzinfo=UTC)
WHO = "lan (office)"
LINES = (CORPUS / "duties" / "thang-ba.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def draft(directory):
    return draft_from_read(import_lines(LINES, directory), LINES, "thang-ba.txt")


def report_form(draft, **typed) -> ReportForm:
    report = draft.plan.plan_report
    values = {"enabled": report.enabled, "due": f"{report.due:%d/%m/%Y}" if report.due else "",
              "duties": {d.no: d.text for d in report.duties}}  # fmt: skip
    return ReportForm(**(values | typed))


def test_the_same_report_form_again_changes_nothing(draft, directory) -> None:
    assert apply_form(draft, None, {}, directory, WHO, AT, report_form(draft)) is draft


def test_a_duty_reworded_removed_the_due_date_moved_each_logged(draft, directory) -> None:
    duties = {1: "Tổ chức ít nhất 03 buổi sinh hoạt chủ điểm về lịch sử Đoàn\ncho đoàn viên", 2: "", 3: "x"}
    with pytest.raises(EditError, match=r"Nhiệm vụ 2 .*nội dung trống; muốn bỏ nhiệm vụ thì bấm “Bỏ nhiệm vụ 2”"):
        apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, duties=duties))
    with pytest.raises(EditError, match="hạn nộp: ngày 31/04/2025 không có thật"):
        apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, due="31/04/2025"))
    with pytest.raises(EditError, match="hạn nộp 15/02/2025 trước ngày bắt đầu kế hoạch 01/03/2025"):
        apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, due="15/02/2025"))
    reworded = {1: duties[1], 2: draft.plan.plan_report.duties[1].text, 3: draft.plan.plan_report.duties[2].text}
    changed = apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, duties=reworded, due="10/4/2025"))
    report = changed.plan.plan_report
    assert report.due == date(2025, 4, 10) and report.due_line is None
    assert report.duties[0].text == "Tổ chức ít nhất 03 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên"
    assert report.duties[0].count_label == "buổi sinh hoạt chủ điểm"  # read again from the new wording
    logged = {(c.field, c.before, c.after, c.who, c.at) for c in changed.changes}
    assert ("report_due_date", "05/04/2025", "10/04/2025", WHO, AT) in logged
    assert any(c.field == "duty-1" and "02 buổi" in c.before and "03 buổi" in c.after for c in changed.changes)
    removed = remove_duty(changed, 2, WHO, AT)
    assert [d.no for d in removed.plan.plan_report.duties] == [1, 3]
    assert removed.changes[-1].field == "duty-2" and removed.changes[-1].after == "bỏ"
    with pytest.raises(EditError, match="không có nhiệm vụ 2"):
        remove_duty(removed, 2, WHO, AT)
    # started: the duties kept are numbered 1, 2 for the units' answers; the report runs due on 10/04
    plan = started_plan(removed)
    assert [(d.no, d.text[:20]) for d in plan.plan_report.duties] == [
        (1, "Tổ chức ít nhất 03 b"),
        (2, "Giới thiệu đoàn viên"),
    ]
    activity = with_plan_report(plan, directory).activities[-1]
    assert (activity.end, activity.due_given, [d.no for d in activity.duties]) == (date(2025, 4, 10), True, [1, 2])
    words = {c.field: (c.before, c.after) for c in corrections(removed.changes)}
    assert words[field_words("duty-2")][1] == "bỏ"
    assert words["hạn báo cáo kết quả thực hiện kế hoạch"] == ("05/04/2025", "10/04/2025")
    assert undo(removed).plan.plan_report.duties[1].no == 2  # undone like any other step


def test_the_report_turned_off_is_not_started_and_an_empty_due_date_falls_back_to_the_policy(draft, directory) -> None:
    off = apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, enabled=False))
    assert [(c.field, c.before, c.after) for c in off.changes] == [("plan_report", "có", "không")]
    assert len(with_plan_report(started_plan(off), directory).activities) == 2
    policy_due = apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, due=""))
    activity = with_plan_report(started_plan(policy_due), directory).activities[-1]
    assert (activity.end, activity.due_given) == (date(2025, 3, 31), False)  # the window's end + report days


def test_every_duty_removed_is_said_before_start(draft) -> None:
    for no in (1, 2, 3):
        draft = remove_duty(draft, no, WHO, AT)
    assert any(f.kind == "no_duties" for f in findings(draft))


def test_a_task_without_a_row_is_scheduled_left_out_and_put_back(draft, directory) -> None:
    [task] = draft.plan.unscheduled
    with pytest.raises(EditError, match="chưa nhập ngày"):
        schedule_task(draft, task.key, TaskForm(), directory, WHO, AT)
    with pytest.raises(EditError, match=r"đơn vị phụ trách: .*Đoàn Không Có"):
        schedule_task(draft, task.key, TaskForm(day="14/3/2025", units="Đoàn Không Có"), directory, WHO, AT)
    scheduled = schedule_task(draft, task.key, TaskForm(day="14/3/2025", units="so vhtt; bhxh"), directory, WHO, AT)
    new = scheduled.plan.activities[-1]
    assert (new.no, new.title, new.kind, new.start, new.unit_codes, new.line) == (
        3, "Tổ chức Hội thảo “Thanh niên với chuyển đổi số” cho cán bộ Đoàn", ActivityKind.SINGLE_DAY,
        date(2025, 3, 14), ["so-vhtt", "bhxh"], task.line)  # fmt: skip
    assert scheduled.plan.unscheduled[0].choice == "scheduled"
    assert [(c.field, c.after) for c in scheduled.changes] == [("row", "xếp lịch từ việc chưa xếp lịch 1"),
                                                               ("task-1", "xếp lịch: hoạt động 3")]  # fmt: skip
    with pytest.raises(EditError, match=r"đã có quyết định \(đã xếp lịch\)"):
        leave_out_task(scheduled, task.key, WHO, AT)
    plan = started_plan(scheduled)
    assert plan.unscheduled[0].activity == 3
    # started, the report on the plan comes after the scheduled task
    assert [a.no for a in with_plan_report(plan, directory).activities] == [1, 2, 3, 4]
    # the row removed: the task is back on the list to decide
    back = remove_row(scheduled, scheduled.keys[-1], WHO, AT)
    assert back.plan.unscheduled[0].choice == "pending" and back.task_rows == {}
    assert back.changes[-1].field == "task-1" and back.changes[-1].after == "chưa xếp lịch"
    # the whole month, and undo
    month = schedule_task(draft, task.key, TaskForm(whole_month=True), directory, WHO, AT).plan.activities[-1]
    assert (month.kind, month.start, month.end) == (ActivityKind.WHOLE_MONTH, date(2025, 3, 1), date(2025, 3, 31))
    assert undo(scheduled).plan.unscheduled[0].choice == "pending" and len(undo(scheduled).plan.activities) == 2
    left = leave_out_task(draft, task.key, WHO, AT)
    assert left.plan.unscheduled[0].choice == "left_out" and len(left.plan.activities) == 2
    assert (left.changes[-1].field, left.changes[-1].before, left.changes[-1].after) == (
        "task-1", "chưa xếp lịch", "bỏ qua")  # fmt: skip
    assert corrections(left.changes)[0].field == "việc chưa xếp lịch 1"
    restored = restore_task(left, task.key, WHO, AT)
    assert restored.plan.unscheduled[0].choice == "pending"
    assert started_plan(left).unscheduled[0].choice == "left_out"
