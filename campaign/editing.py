"""The office's schedule editor, as data: starting a draft, its findings, the changes a person makes to
its rows, undo, and what was corrected by hand.

A draft (campaign.draft) holds the plan as the reader read it (None when written from nothing or when the
reader refused the document), the plan as it is now, and one step per form the office sent: the changes
it made (field, from, to, who, when) and the plan before it (so the step can be undone). What the office
typed is read by campaign.edit_forms; the report on the plan and the tasks without a row are edited by
campaign.duty_editing.

Every function here is pure: it takes a draft and returns a new one (or raises EditError, in Vietnamese,
naming the activity and the field). The web editor (web.office_editor) only turns forms into these calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from campaign.dates import ActivityKind
from campaign.draft import (
    EDITOR_BLOCKING,
    FIELD_WORDS,
    ROW_POLICY,
    Change,
    Draft,
    EditError,
    field_words,
    next_no,
    with_step,
)
from campaign.duty_editing import ReportForm, edited_report, plan_changes, report_fields, task_change, with_task
from campaign.edit_forms import (
    HeadingForm,
    Problems,
    RowForm,
    days_typed,
    edited_heading,
    edited_row,
    fields_of,
    heading_of,
)
from campaign.plan import BLOCKING_FINDINGS, Finding, Plan, PlannedActivity, Window
from campaign.units import UnitDirectory

# --- starting a draft -----------------------------------------------------------------------------


def draft_from_read(plan: Plan, lines: list[str], name: str, sources: Sequence[str] = ()) -> Draft:
    """A draft of a plan the reader read: what it noticed that the lint does not find again is kept as
    its notes (a row it could not read, a missing code, the file's own problems)."""
    again = lint_findings(lines, plan)
    notes = [f for f in plan.findings if f not in again]
    keys = list(range(1, len(plan.activities) + 1))
    read = plan.model_copy(deep=True)
    return Draft(source="upload", name=name, lines=lines, sources=list(sources), read=read, notes=notes,
                 plan=plan.model_copy(deep=True), keys=keys, next_key=len(keys) + 1)  # fmt: skip


def blank_draft(today: date, lines: Sequence[str] = (), name: str = "", refusal: str = "") -> Draft:
    """A plan written from nothing: this month's window and one empty activity to fill; with `lines`, a
    document the reader refused, shown beside the editor."""
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    activity = PlannedActivity(no=1, title="", kind=ActivityKind.SINGLE_DAY, start=today, end=today)
    plan = Plan(code="", issued_on=today, title="", window=Window(start=first, end=last), activities=[activity])
    return Draft(source="refused" if lines else "blank", name=name, lines=list(lines), refusal=refusal, plan=plan,
                 keys=[1], next_key=2)  # fmt: skip


# --- findings ------------------------------------------------------------------------------------


def lint_findings(lines: list[str], plan: Plan) -> list[Finding]:
    # imported here: the final report imports this module, and the importer brings the document readers
    from campaign.importer import lint_again

    return lint_again(lines, plan)


def findings(draft: Draft) -> list[Finding]:
    """The draft's findings now: the reader's notes (but those about a row the office has since changed by
    hand), the importer's lint run again on the edited plan, and the editor's own (a row without a name, a
    row without units)."""
    edited = {c.row for c in draft.changes if c.row is not None}
    found = [n for n in draft.notes if row_of(n, draft) not in edited or row_of(n, draft) is None]
    filled = without_empty_rows(draft)
    found += lint_findings(draft.lines, filled.plan)
    for activity in draft.plan.activities:
        if activity not in filled.plan.activities:
            found.append(Finding(kind="empty_row", line=None, activity=activity.no,
                                 message=f"hoạt động {activity.number} còn trống; bỏ qua khi khởi động"))  # fmt: skip
            continue
        if not activity.title.strip():
            found.append(Finding(kind="no_title", line=activity.line, activity=activity.no,
                                 message=f"hoạt động {activity.number} chưa có tên"))  # fmt: skip
        if not activity.responsible:
            found.append(Finding(kind="no_units", line=activity.line, activity=activity.no,
                                 message=f"hoạt động {activity.number} chưa có đơn vị phụ trách; "
                                 "có thể phân công sau khi khởi động"))  # fmt: skip
    report = draft.plan.plan_report
    if report is not None and report.enabled and not report.duties:
        found.append(Finding(kind="no_duties", line=None, message="báo cáo kết quả thực hiện kế hoạch không còn "
                             "nhiệm vụ nào: khi khởi động sẽ không thu báo cáo này"))  # fmt: skip
    if not draft.plan.code.strip():
        found.append(Finding(kind="missing_code", line=None, message="chưa có số kế hoạch (dạng 54-KH/ĐTN)"))
    if not draft.plan.title.strip():
        found.append(Finding(kind="no_title", line=None, message="kế hoạch chưa có tên"))
    return found


def blocking(found: Sequence[Finding]) -> list[Finding]:
    """What stops the draft from starting: the plan's own blocking kinds (campaign.plan) found again now,
    and a row or a plan without a name. The reader's notes about rows it could not read do not block:
    the office has seen them and typed the row by hand (or chose not to). A row kept without its dates
    (its date could not be read) blocks until the office types them."""
    kinds = (BLOCKING_FINDINGS - {"unreadable_date", "missing_column"}) | EDITOR_BLOCKING
    return [f for f in found if f.kind in kinds or (f.kind == "unreadable_date" and f.activity is not None)]


def row_of(finding: Finding, draft: Draft) -> int | None:
    """The key of the row a finding concerns: by its activity, else by the line the row was read from."""
    if finding.activity is not None:
        for key, activity in zip(draft.keys, draft.plan.activities, strict=True):
            if activity.no == finding.activity:
                return key
    if finding.line is not None:
        for key, activity in zip(draft.keys, draft.plan.activities, strict=True):
            if finding.line == activity.line or finding.line in activity.source_lines:
                return key
    return None


# --- changes ---------------------------------------------------------------------------------------


def _unique_numbers(activities: list[PlannedActivity]) -> None:
    """A sub-item ("3.1") keeps its internal number unless a plainly numbered row now uses it."""
    used = {a.no for a in activities if not a.label}
    top = max([a.no for a in activities] + [0])
    for activity in activities:
        if not activity.label:
            continue
        if activity.no in used:
            top += 1
            activity.no = top
        used.add(activity.no)


def apply_form(draft: Draft, heading: HeadingForm | None, rows: Mapping[int, RowForm], directory: UnitDirectory,
               who: str, at: datetime, report: ReportForm | None = None) -> Draft:  # fmt: skip
    """The form's values applied: one step with a Change per field that differs (none: the same draft).
    Rows the form does not send stay as they are; so does the report on the plan without `report`.

    Raises EditError naming every field the form gets wrong (one line each, in the form's order), so
    that the clerk fixes them all before one "Áp dụng"; nothing is applied then."""
    changes: list[Change] = []
    problems = Problems()
    plan = draft.plan
    if heading is not None:
        plan = problems.take(plan, edited_heading, plan, heading)
        before, after = heading_of(draft.plan), heading_of(plan)
        changes += [Change(row=None, number="", field=f, before=before[f], after=after[f], who=who, at=at)
                    for f in before if before[f] != after[f]]  # fmt: skip
    activities: list[PlannedActivity] = []
    policy = {k: dict(v) for k, v in draft.policy.items()}
    for key, old in zip(draft.keys, plan.activities, strict=True):
        form = rows.get(key)
        if form is None:
            activities.append(old)
            continue
        shown = old.number
        new = problems.take(None, edited_row, old, form, plan.window, directory)
        typed = {name: problems.take(None, days_typed, getattr(form, name), f"Hoạt động {shown}: {FIELD_WORDS[name]}")
                 for name in ROW_POLICY}  # fmt: skip
        days = {name: value for name, value in typed.items() if value is not None}
        if new is None or len(days) < len(ROW_POLICY):
            activities.append(old)
            continue
        before = fields_of(old, draft.policy.get(key, {}))
        after = fields_of(new, days)
        changes += [Change(row=key, number=shown, field=f, before=before[f], after=after[f], who=who, at=at)
                    for f in before if before[f] != after[f]]  # fmt: skip
        policy[key] = {k: v for k, v in days.items() if v}
        activities.append(new)
    plan = plan.model_copy(update={"activities": activities})
    if report is not None and plan.plan_report is not None:
        new_report = problems.take(None, edited_report, plan.plan_report, report, plan.window)
        if new_report is not None:
            changes += plan_changes(report_fields(plan.plan_report), report_fields(new_report), who, at)
            plan = plan.model_copy(update={"plan_report": new_report})
    problems.raise_any()
    _unique_numbers(activities)
    return with_step(draft, changes, draft.model_copy(update={"plan": plan, "policy": policy}))


def add_row(draft: Draft, who: str, at: datetime) -> Draft:
    """A new empty activity at the end, numbered after the last, on the plan's first day."""
    no = next_no(draft.plan)
    day = draft.plan.window.start
    activity = PlannedActivity(no=no, title="", kind=ActivityKind.SINGLE_DAY, start=day, end=day)
    plan = draft.plan.model_copy(update={"activities": [*draft.plan.activities, activity]})
    key = draft.next_key
    change = Change(row=key, number=str(no), field="row", before="", after="thêm mới", who=who, at=at)
    after = draft.model_copy(update={"plan": plan, "keys": [*draft.keys, key], "next_key": key + 1})
    return with_step(draft, [change], after)


def remove_row(draft: Draft, key: int, who: str, at: datetime) -> Draft:
    activity = draft.row(key)
    index = draft.keys.index(key)
    activities = [a for i, a in enumerate(draft.plan.activities) if i != index]
    plan = draft.plan.model_copy(update={"activities": activities})
    policy = {k: v for k, v in draft.policy.items() if k != key}
    change = Change(row=key, number=activity.number, field="row", before=f"{activity.number}. {activity.title}",
                    after="bỏ", who=who, at=at)  # fmt: skip
    keys = [k for k in draft.keys if k != key]
    changes = [change]
    task_rows = dict(draft.task_rows)
    for task_key, row in draft.task_rows.items():
        if row == key:  # a task the office scheduled as this row is back on the list of tasks without a row
            del task_rows[task_key]
            plan = with_task(plan, task_key, "pending", None)
            changes.append(task_change(task_key, f"xếp lịch: hoạt động {activity.number}", "pending", who, at))
    after = draft.model_copy(update={"plan": plan, "keys": keys, "policy": policy, "task_rows": task_rows})
    return with_step(draft, changes, after)


def split_row(draft: Draft, key: int, who: str, at: datetime) -> Draft:
    """A sub-item of the row, right after it and its other sub-items ("3.1", "3.2", …): the row's dates,
    time, place and units to start from, its own title to type."""
    parent = draft.row(key)
    index = draft.keys.index(key)
    prefix = parent.number + "."
    taken = {a.number for a in draft.plan.activities}
    label = next(f"{prefix}{n}" for n in range(1, 1000) if f"{prefix}{n}" not in taken)
    at_index = index + 1
    while at_index < len(draft.plan.activities) and draft.plan.activities[at_index].number.startswith(prefix):
        at_index += 1
    child = parent.model_copy(deep=True)
    child.no, child.label, child.parent, child.title = next_no(draft.plan), label, parent.no, ""
    child.line, child.source_lines, child.from_body = None, [], False
    activities = list(draft.plan.activities)
    activities.insert(at_index, child)
    new_key = draft.next_key
    keys = list(draft.keys)
    keys.insert(at_index, new_key)
    change = Change(row=new_key, number=label, field="row", before="", after=f"tách từ hoạt động {parent.number}",
                    who=who, at=at)  # fmt: skip
    plan = draft.plan.model_copy(update={"activities": activities})
    return with_step(draft, [change], draft.model_copy(update={"plan": plan, "keys": keys, "next_key": new_key + 1}))


def undo(draft: Draft) -> Draft:
    """The draft as it was before its last step; that step's changes leave the log."""
    if not draft.can_undo:
        raise EditError("không còn thay đổi nào để hoàn tác")
    last = draft.steps[-1]
    assert last.before is not None
    restored = last.before
    return draft.model_copy(update={"plan": restored.plan, "keys": restored.keys, "policy": restored.policy,
                                    "task_rows": restored.task_rows, "steps": draft.steps[:-1]})  # fmt: skip


# --- what the office corrected ---------------------------------------------------------------------


class Correction(BaseModel):
    """A field the office corrected by hand, from what the plan said (or nothing) to what was started."""

    number: str  # the activity's number as started ("" for the plan's own fields)
    field: str  # in words (FIELD_WORDS)
    before: str
    after: str


def corrections(changes: Sequence[Change]) -> list[Correction]:
    """The net effect of a change log, per row and field: the first value before, the last after; a row
    added then changed is one "thêm mới" line with its fields; changes that came back to where they were
    are left out."""
    net: dict[tuple[int | None, str], tuple[str, str]] = {}
    number: dict[int | None, str] = {None: ""}
    for change in changes:
        key = (change.row, change.field)
        net[key] = (net[key][0] if key in net else change.before, change.after)
        if change.field == "number":
            number[change.row] = change.after
        else:
            number.setdefault(change.row, change.number)
    removed = {row for (row, field), (_, after) in net.items() if field == "row" and after == "bỏ"}
    return [
        Correction(number=number[row], field=field_words(field), before=before, after=after)
        for (row, field), (before, after) in net.items()
        if before != after and (row not in removed or field == "row")
    ]


def is_empty(activity: PlannedActivity, policy: Mapping[str, str] | None = None) -> bool:
    """A row nobody has written in ("Thêm hoạt động" pressed once too often): no name, units, place,
    contacts, time or days of its own, and not read from the document (its dates are the defaults)."""
    return not (activity.title.strip() or activity.responsible or activity.place.strip() or activity.contacts
                or activity.start_time or activity.duties or activity.line is not None or activity.source_lines
                or any(policy.values() if policy else ()))  # fmt: skip


def without_empty_rows(draft: Draft) -> Draft:
    """The draft without its wholly empty rows (`is_empty`): they neither block nor start."""
    kept = [(key, a) for key, a in zip(draft.keys, draft.plan.activities, strict=True)
            if not is_empty(a, draft.policy.get(key))]  # fmt: skip
    if len(kept) == len(draft.keys):
        return draft
    plan = draft.plan.model_copy(update={"activities": [a for _, a in kept]})
    return draft.model_copy(update={"plan": plan, "keys": [key for key, _ in kept]})


def started_plan(draft: Draft) -> Plan:
    """The plan to start: the edited plan without its wholly empty rows, with its findings as the editor
    shows them, the duties the office kept numbered 1, 2, … (the units' answers name them so), and each task
    it scheduled naming its activity."""
    filled = without_empty_rows(draft)
    plan = filled.plan.model_copy(update={"findings": findings(filled)}, deep=True)
    if plan.plan_report is not None:
        for no, duty in enumerate(plan.plan_report.duties, start=1):
            duty.no = no
    for task in plan.unscheduled:
        row = draft.task_rows.get(task.key)
        task.activity = draft.row(row).no if row is not None and row in filled.keys else None
    return plan


def policy_fields(draft: Draft) -> dict[str, str]:
    """The per-activity policy as the start form's fields ("report_due-3": "6"), by activity number."""
    fields: dict[str, str] = {}
    for key, activity in zip(draft.keys, draft.plan.activities, strict=True):
        for name, value in draft.policy.get(key, {}).items():
            fields[f"{name}-{activity.no}"] = value
    return fields
