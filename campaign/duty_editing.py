"""Editing the report on the plan (its duties and due date) and the tasks the plan gives without a
schedule row (schedule one as a row, leave it out, restore it), in the office's schedule editor
(campaign.duties reads them from the document). Pure: a draft in, a new draft out, or EditError."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from campaign.dates import ActivityKind
from campaign.draft import MAX_POLICY_DAYS, UNSCHEDULED_WORDS, Change, Draft, EditError, next_no, with_step
from campaign.duty import PlanReport, UnscheduledChoice, UnscheduledTask
from campaign.edit_forms import day_shown, day_typed, text_typed, units_typed
from campaign.escape import CONTROL_CHARACTERS
from campaign.limits import MAX_DUTY_TEXT
from campaign.plan import Plan, PlannedActivity, UnitRole, Window
from campaign.text import squash
from campaign.units import UnitDirectory

# --- the report on the plan and the tasks without a row (campaign.duties) ---------------------------


class ReportForm(BaseModel):
    """The report on the plan as the editor's form sends it: on or off, its due date (dd/mm/yyyy; "" for the
    window's end plus the policy's report days) and each duty's wording by its number."""

    enabled: bool
    due: str = ""
    duties: dict[int, str] = {}


class TaskForm(BaseModel):
    """A task without a row as the office schedules it: one day (dd/mm/yyyy) or the whole month, its units."""

    whole_month: bool = False
    day: str = ""
    units: str = ""


def report_fields(report: PlanReport) -> dict[str, str]:
    """The report on the plan's values as the change log records them."""
    return {
        "plan_report": "có" if report.enabled else "không",
        "report_due_date": day_shown(report.due),
        **{f"duty-{d.no}": d.text for d in report.duties},
    }


def duty_typed(text: str, no: int) -> str:
    what = f"Nhiệm vụ {no} của báo cáo kết quả thực hiện kế hoạch"
    value = squash(text)
    if not value:
        raise EditError(f"{what}: nội dung trống; muốn bỏ nhiệm vụ thì bấm “Bỏ nhiệm vụ {no}”")
    if len(value) > MAX_DUTY_TEXT:
        raise EditError(f"{what}: dài {len(value)} ký tự, tối đa {MAX_DUTY_TEXT}")
    if CONTROL_CHARACTERS.search(value):
        raise EditError(f"{what}: có ký tự điều khiển; hãy gõ lại nội dung")
    return value


def edited_report(report: PlanReport, form: ReportForm, window: Window) -> PlanReport:
    """The report on the plan as the form says it now (EditError for what cannot be taken): a due date
    from the plan's first day to MAX_POLICY_DAYS after its last; a duty's new wording (its count, if it
    names one, read again from it)."""
    from campaign.duties import count_label

    changed = report.model_copy(deep=True)
    changed.enabled = form.enabled
    if form.due.strip():
        what = "Báo cáo kết quả thực hiện kế hoạch: hạn nộp"
        due = day_typed(form.due, what)
        if due < window.start:
            raise EditError(f"{what} {due:%d/%m/%Y} trước ngày bắt đầu kế hoạch {window.start:%d/%m/%Y}")
        if due > window.end + timedelta(days=MAX_POLICY_DAYS):
            raise EditError(f"{what} {due:%d/%m/%Y} quá {MAX_POLICY_DAYS} ngày sau khi kế hoạch kết thúc")
    else:
        due = None
    if due != report.due:
        changed.due, changed.due_line = due, None  # no longer the date the plan's sentence gives
    for duty in changed.duties:
        if duty.no in form.duties:
            text = duty_typed(form.duties[duty.no], duty.no)
            if text != duty.text:
                duty.text, duty.count_label = text, count_label(text)
    return changed


def plan_changes(before: dict[str, str], after: dict[str, str], who: str, at: datetime) -> list[Change]:
    return [Change(row=None, number="", field=f, before=before[f], after=after[f], who=who, at=at)
            for f in before if f in after and before[f] != after[f]]  # fmt: skip


def remove_duty(draft: Draft, no: int, who: str, at: datetime) -> Draft:
    """A duty the units will not be asked about."""
    report = draft.plan.plan_report
    duty = next((d for d in report.duties if d.no == no), None) if report else None
    if report is None or duty is None:
        raise EditError(f"không có nhiệm vụ {no} trong báo cáo kết quả thực hiện kế hoạch; đề nghị tải lại trang")
    kept = report.model_copy(update={"duties": [d for d in report.duties if d.no != no]})
    change = Change(row=None, number="", field=f"duty-{no}", before=duty.text, after="bỏ", who=who, at=at)
    plan = draft.plan.model_copy(update={"plan_report": kept})
    return with_step(draft, [change], draft.model_copy(update={"plan": plan}))


def _task(draft: Draft, key: int) -> UnscheduledTask:
    for task in draft.plan.unscheduled:
        if task.key == key:
            return task
    raise EditError(f"không có việc chưa xếp lịch số {key}; đề nghị tải lại trang")


def with_task(plan: Plan, key: int, choice: UnscheduledChoice, activity: int | None) -> Plan:
    tasks = [t.model_copy(update={"choice": choice, "activity": activity}) if t.key == key else t
             for t in plan.unscheduled]  # fmt: skip
    return plan.model_copy(update={"unscheduled": tasks})


def task_change(key: int, before: str, choice: UnscheduledChoice, who: str, at: datetime, after: str = "") -> Change:
    return Change(row=None, number="", field=f"task-{key}", before=before,
                  after=after or UNSCHEDULED_WORDS[choice], who=who, at=at)  # fmt: skip


def schedule_task(draft: Draft, key: int, form: TaskForm, directory: UnitDirectory, who: str, at: datetime) -> Draft:
    """A task without a row made an ordinary activity at the end of the schedule: its text as the title, on
    the day typed or over the whole month (the day's month, else the plan's first month), led by the
    units typed."""
    task = _task(draft, key)
    what = f"Việc chưa xếp lịch {key}"
    if task.choice != "pending":
        raise EditError(f"{what} đã có quyết định ({UNSCHEDULED_WORDS[task.choice]}); đề nghị tải lại trang")
    window = draft.plan.window
    if form.whole_month:
        first = (day_typed(form.day, f"{what}: tháng") if form.day.strip() else window.start).replace(day=1)
        kind, start = ActivityKind.WHOLE_MONTH, first
        end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        if not form.day.strip():
            raise EditError(f"{what}: chưa nhập ngày (dd/mm/yyyy) hoặc chọn cả tháng")
        kind = ActivityKind.SINGLE_DAY
        start = end = day_typed(form.day, f"{what}: ngày")
    units = units_typed(form.units, UnitRole.LEAD, directory, f"{what}: đơn vị phụ trách")
    no = next_no(draft.plan)
    activity = PlannedActivity(no=no, title=text_typed(task.text, f"{what}: tên"), kind=kind, start=start, end=end,
                               responsible=units, line=task.line, source_lines=[task.line], from_body=True)  # fmt: skip
    plan = with_task(draft.plan, key, "scheduled", no)
    plan = plan.model_copy(update={"activities": [*plan.activities, activity]})
    row = draft.next_key
    changes = [
        Change(row=row, number=str(no), field="row", before="", after=f"xếp lịch từ việc chưa xếp lịch {key}",
               who=who, at=at),
        task_change(key, UNSCHEDULED_WORDS["pending"], "scheduled", who, at, f"xếp lịch: hoạt động {no}"),
    ]  # fmt: skip
    after = draft.model_copy(update={"plan": plan, "keys": [*draft.keys, row], "next_key": row + 1,
                                     "task_rows": {**draft.task_rows, key: row}})  # fmt: skip
    return with_step(draft, changes, after)


def leave_out_task(draft: Draft, key: int, who: str, at: datetime) -> Draft:
    """A task without a row the campaign will not follow (recorded as left out)."""
    task = _task(draft, key)
    if task.choice != "pending":
        raise EditError(
            f"Việc chưa xếp lịch {key} đã có quyết định ({UNSCHEDULED_WORDS[task.choice]}); đề nghị tải lại trang"
        )
    change = task_change(key, UNSCHEDULED_WORDS["pending"], "left_out", who, at)
    return with_step(draft, [change], draft.model_copy(update={"plan": with_task(draft.plan, key, "left_out", None)}))


def restore_task(draft: Draft, key: int, who: str, at: datetime) -> Draft:
    """A task left out, back on the list to decide."""
    task = _task(draft, key)
    if task.choice != "left_out":
        raise EditError(f"Việc chưa xếp lịch {key} không ở trạng thái bỏ qua; đề nghị tải lại trang")
    change = task_change(key, UNSCHEDULED_WORDS["left_out"], "pending", who, at)
    return with_step(draft, [change], draft.model_copy(update={"plan": with_task(draft.plan, key, "pending", None)}))
