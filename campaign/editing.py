"""The office's schedule editor, as data: a draft plan, the changes a person makes to it, undo, and what
was corrected by hand.

A draft holds the plan as the reader read it (None when written from nothing or when the reader refused
the document), the plan as it is now, and one step per form the office sent: the changes it made (field,
from, to, who, when) and the plan before it (so the step can be undone). Rows have a key that stays the
same whatever the office does to their number; the change log names both.

Every function here is pure: it takes a draft and returns a new one (or raises EditError, in Vietnamese,
naming the activity and the field). The web editor (web.office_editor) only turns forms into these calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel

from campaign.dates import ActivityKind, time_of_day
from campaign.duty import PlanReport, UnscheduledChoice, UnscheduledTask
from campaign.escape import CONTROL_CHARACTERS
from campaign.limits import MAX_DUTY_TEXT
from campaign.plan import BLOCKING_FINDINGS, Finding, Plan, PlannedActivity, ResponsibleParty, Role, Window
from campaign.raw import hands_in
from campaign.text import fold, squash
from campaign.units import UnitDirectory, UnitNotFound

KIND_WORDS = {
    ActivityKind.SINGLE_DAY: "Một ngày",
    ActivityKind.RANGE: "Từ ngày … đến ngày …",
    ActivityKind.WHOLE_MONTH: "Cả tháng",
    ActivityKind.DEADLINE: "Hạn chót (trước ngày …)",
    ActivityKind.QUARTER: "Cả quý",
}
# What the change log and the final report call each field.
FIELD_WORDS = {
    "row": "hoạt động",
    "number": "số thứ tự",
    "title": "tên hoạt động",
    "kind": "loại thời gian",
    "start": "ngày bắt đầu",
    "end": "ngày kết thúc",
    "start_time": "giờ bắt đầu",
    "place": "địa điểm",
    "lead": "đơn vị phụ trách",
    "support": "đơn vị phối hợp",
    "unassigned": "tên chưa gán đơn vị",
    "contacts": "người liên hệ",
    "ready_lead": "xác nhận sẵn sàng trước (ngày)",
    "report_due": "hạn báo cáo sau (ngày)",
    "code": "số kế hoạch",
    "plan_title": "tên kế hoạch",
    "issued_on": "ngày ban hành",
    "window_start": "kế hoạch từ ngày",
    "window_end": "kế hoạch đến ngày",
    "plan_report": "thu báo cáo kết quả thực hiện kế hoạch",
    "report_due_date": "hạn báo cáo kết quả thực hiện kế hoạch",
}
UNSCHEDULED_WORDS = {"pending": "chưa xếp lịch", "scheduled": "đã xếp lịch", "left_out": "bỏ qua"}
ROW_POLICY = ("ready_lead", "report_due")
MAX_UNDO = 30  # steps whose plan-before is kept; older steps stay in the log but cannot be undone
MAX_TEXT = 1000  # a title, a place, the contacts as typed
MAX_POLICY_DAYS = 120
# Blocking in the editor besides the lint's own: a row without a name cannot be told apart in a notice.
EDITOR_BLOCKING = frozenset({"no_title"})
_DAY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_NUMBER = re.compile(r"^\d{1,3}(?:\.[0-9a-zđ]{1,3}){0,3}$")


class EditError(ValueError):
    """A value the editor cannot take; the message is Vietnamese and names the activity and the field."""


class Change(BaseModel):
    row: int | None  # the row's key; None for the plan's own fields (code, title, dates)
    number: str  # the activity's number when it was changed; "" for the plan's own fields
    field: str  # a FIELD_WORDS key
    before: str
    after: str
    who: str
    at: datetime


class Snapshot(BaseModel):
    plan: Plan
    keys: list[int]
    policy: dict[int, dict[str, str]]
    task_rows: dict[int, int] = {}


class Step(BaseModel):
    changes: list[Change]
    before: Snapshot | None  # None once too old to undo (MAX_UNDO)


class Draft(BaseModel):
    """A plan being edited. `keys[i]` is the key of `plan.activities[i]`; `policy[key]` the per-activity
    deadline days the office typed ("ready_lead", "report_due": text, as typed)."""

    source: Literal["upload", "refused", "blank"]
    name: str = ""  # the uploaded file's name
    lines: list[str] = []  # the document's text, one entry per line (empty when written from nothing)
    sources: list[str] = []  # where each line came from in a Word file or PDF
    refusal: str = ""  # why the reader refused the document
    read: Plan | None = None  # the plan as read (None: refused or written from nothing)
    notes: list[Finding] = []  # what the reader noticed that the lint does not find again
    plan: Plan
    keys: list[int]
    next_key: int
    policy: dict[int, dict[str, str]] = {}
    steps: list[Step] = []
    start_form: dict[str, str] = {}  # the start form's own fields as typed (campaign id, plan-wide policy, timing)
    task_rows: dict[int, int] = {}  # a task without a row that the office scheduled → the key of its row

    @property
    def changes(self) -> list[Change]:
        return [c for step in self.steps for c in step.changes]

    def row(self, key: int) -> PlannedActivity:
        try:
            return self.plan.activities[self.keys.index(key)]
        except ValueError:
            raise EditError(f"không có hoạt động (dòng sửa {key}); đề nghị tải lại trang") from None

    def snapshot(self) -> Snapshot:
        return Snapshot(plan=self.plan, keys=list(self.keys), policy=dict(self.policy), task_rows=dict(self.task_rows))

    @property
    def can_undo(self) -> bool:
        return bool(self.steps) and self.steps[-1].before is not None


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


# --- reading what the office typed -----------------------------------------------------------------


def day_typed(text: str, what: str) -> date:
    """A day typed dd/mm/yyyy (d/m/yyyy too); never the browser's mm/dd/yyyy."""
    match = _DAY.match(text)
    if match is None:
        raise EditError(f"{what}: “{text.strip()[:30]}” không phải ngày dạng dd/mm/yyyy")
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise EditError(f"{what}: ngày {day:02d}/{month:02d}/{year} không có thật (nhập ngày/tháng/năm)") from None


def time_typed(text: str, what: str) -> time | None:
    if not text.strip():
        return None
    found, problem = time_of_day(text if re.search(r"[hHgG:]", text) else text + "h")
    if problem or found is None:
        raise EditError(f"{what}: “{text.strip()[:20]}” không phải giờ (ví dụ 7:30)")
    return found


def days_typed(text: str, what: str) -> str:
    if not text.strip():
        return ""
    try:
        days = float(text.replace(",", "."))
    except ValueError:
        raise EditError(f"{what}: “{text.strip()[:20]}” không phải số ngày") from None
    if not 0 <= days <= MAX_POLICY_DAYS:
        raise EditError(f"{what}: phải từ 0 đến {MAX_POLICY_DAYS} ngày")
    return text.strip()


def units_typed(text: str, role: Role, directory: UnitDirectory, what: str) -> list[ResponsibleParty]:
    """Units typed by name (with or without diacritics), alias or code, several separated by ";" or new
    lines; "Các đơn vị của <cụm>" (or "cả <cụm>") is every unit of that cluster."""
    parties: list[ResponsibleParty] = []
    for piece in re.split(r"[;\n]", text):
        query = squash(piece)
        if not query:
            continue
        try:
            if (members := directory.cluster_named(query)) is not None:
                cluster, units = members
                if not units:
                    raise EditError(f"{what}: “{cluster.name}” không phải cụm có đơn vị thành viên")
            else:
                units = [directory.find(query)]
        except UnitNotFound as exc:
            raise EditError(f"{what}: {exc}") from None
        for unit in units:
            parties.append(ResponsibleParty(name=unit.name, role=role, unit_code=unit.code))
    return parties


class RowForm(BaseModel):
    """One activity as the editor's form sends it (all text, as typed)."""

    number: str
    title: str
    kind: str
    start: str
    end: str
    start_time: str = ""
    place: str = ""
    lead: list[str] = []  # codes of the lead units kept (ticked)
    support: list[str] = []
    add_lead: str = ""  # units typed to add
    add_support: str = ""
    unassigned: list[str] = []  # names without a unit that stay (ticked)
    groups: dict[int, str] = {}  # an unassigned name's index → the units typed for it
    contacts: str = ""
    ready_lead: str = ""
    report_due: str = ""


class HeadingForm(BaseModel):
    code: str
    title: str
    issued_on: str
    window_start: str
    window_end: str


def _text(value: str, what: str) -> str:
    value = squash(value)
    if len(value) > MAX_TEXT:
        raise EditError(f"{what}: dài {len(value)} ký tự, tối đa {MAX_TEXT}")
    return value


def _names(parties: Sequence[ResponsibleParty], role: Role) -> str:
    return "; ".join(p.name for p in parties if p.role is role and p.unit_code)


def _unassigned(parties: Sequence[ResponsibleParty]) -> str:
    return "; ".join(p.name for p in parties if not p.unit_code)


def _day(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def fields_of(activity: PlannedActivity, policy: Mapping[str, str]) -> dict[str, str]:
    """A row's values as the editor shows them and the change log records them."""
    return {
        "number": activity.number,
        "title": activity.title,
        "kind": KIND_WORDS[activity.kind],
        "start": "" if activity.date_unread else _day(activity.start),
        "end": "" if activity.date_unread else _day(activity.end),
        "start_time": f"{activity.start_time:%H:%M}" if activity.start_time else "",
        "place": activity.place,
        "lead": _names(activity.responsible, Role.LEAD),
        "support": _names(activity.responsible, Role.SUPPORT),
        "unassigned": _unassigned(activity.responsible),
        "contacts": "; ".join(activity.contacts),
        "ready_lead": policy.get("ready_lead", ""),
        "report_due": policy.get("report_due", ""),
    }


def heading_of(plan: Plan) -> dict[str, str]:
    return {
        "code": plan.code,
        "plan_title": plan.title,
        "issued_on": _day(plan.issued_on),
        "window_start": _day(plan.window.start),
        "window_end": _day(plan.window.end),
    }


def _dates(kind: ActivityKind, start: date, end: date, window: Window, old: PlannedActivity) -> tuple[date, date]:
    """The start and end a kind means: one day (the start; or the end when only it was changed), the
    whole month or quarter of the start, a deadline's end (starting with the plan), a range as typed."""
    if kind is ActivityKind.SINGLE_DAY:
        day = end if start == old.start and end != old.end and not old.date_unread else start
        return day, day
    if kind is ActivityKind.DEADLINE:
        return min(window.start, end), end
    if kind is ActivityKind.WHOLE_MONTH:
        first = start.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if kind is ActivityKind.QUARTER:
        first = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        return first, (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    return start, end


def edited_row(old: PlannedActivity, form: RowForm, window: Window, directory: UnitDirectory) -> PlannedActivity:
    """The activity as the form says it now (EditError for what cannot be taken)."""
    shown = old.number
    number = squash(form.number).rstrip(".")
    if not _NUMBER.match(fold(number).replace(" ", "") if number else ""):
        raise EditError(f"Hoạt động {shown}: số thứ tự “{number[:12]}” phải là số (như 3) hoặc mục con (như 3.1)")
    try:
        kind = ActivityKind(form.kind)
    except ValueError:
        raise EditError(f"Hoạt động {shown}: loại thời gian “{form.kind[:20]}” không có") from None
    unset = bool(old.date_unread) and not (form.start.strip() or form.end.strip())  # still waits for its date
    if unset:
        start, end = old.start, old.end
    else:
        start = day_typed(form.start or form.end, f"Hoạt động {shown}: ngày bắt đầu")
        end = day_typed(form.end or form.start, f"Hoạt động {shown}: ngày kết thúc")
        start, end = _dates(kind, start, end, window, old)
    responsible: list[ResponsibleParty] = []
    kept = {Role.LEAD: set(form.lead), Role.SUPPORT: set(form.support)}
    for index, party in enumerate(old.responsible):
        if party.unit_code:
            if party.unit_code in kept[party.role]:
                responsible.append(party)
        elif text := form.groups.get(index, "").strip():
            what = f"Hoạt động {shown}: đơn vị cho “{party.name}”"
            responsible.extend(units_typed(text, party.role, directory, what))
        elif party.name in form.unassigned:
            responsible.append(party)
    for text, role, what in ((form.add_lead, Role.LEAD, "thêm đơn vị phụ trách"),
                             (form.add_support, Role.SUPPORT, "thêm đơn vị phối hợp")):  # fmt: skip
        responsible.extend(units_typed(text, role, directory, f"Hoạt động {shown}: {what}"))
    unique: list[ResponsibleParty] = []
    seen: set[tuple[str, str]] = set()
    for party in responsible:
        key = (party.unit_code or f"?{party.name}", party.role.value)
        if key not in seen:
            seen.add(key)
            unique.append(party)
    changed = old.model_copy(deep=True)
    if number.isdigit():
        changed.no, changed.label = int(number), ""
    else:
        changed.label = number
    changed.title = _text(form.title, f"Hoạt động {shown}: tên")
    changed.kind, changed.start, changed.end = kind, start, end
    changed.date_unread = old.date_unread if unset else ""
    if not changed.duties:  # as the importer reads it: handing something in by a deadline is due that day
        changed.due_given = kind is ActivityKind.DEADLINE and hands_in(changed.title)
    changed.start_time = time_typed(form.start_time, f"Hoạt động {shown}: giờ bắt đầu")
    changed.place = _text(form.place, f"Hoạt động {shown}: địa điểm")
    changed.responsible = unique
    contacts = _text(form.contacts, f"Hoạt động {shown}: người liên hệ")
    changed.contacts = [c for c in (squash(p) for p in contacts.split(";")) if c]
    return changed


def edited_heading(plan: Plan, form: HeadingForm) -> Plan:
    changed = plan.model_copy(deep=True)
    changed.code = _text(form.code, "Số kế hoạch")[:60]
    changed.title = _text(form.title, "Tên kế hoạch")
    changed.issued_on = day_typed(form.issued_on, "Ngày ban hành") if form.issued_on.strip() else None
    start = day_typed(form.window_start, "Kế hoạch từ ngày")
    end = day_typed(form.window_end, "Kế hoạch đến ngày")
    if end < start:
        raise EditError(f"Thời gian kế hoạch: đến ngày {end:%d/%m/%Y} trước từ ngày {start:%d/%m/%Y}")
    changed.window = Window(start=start, end=end)
    return changed


# --- changes ---------------------------------------------------------------------------------------


def _step(draft: Draft, changes: list[Change], after: Draft) -> Draft:
    """`after` with a step recording `changes` (undoable back to `draft`); `draft` itself when nothing changed."""
    if not changes:
        return draft
    steps = [*draft.steps, Step(changes=changes, before=draft.snapshot())]
    for old in steps[:-MAX_UNDO]:
        old.before = None
    return after.model_copy(update={"steps": steps})


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
    Rows the form does not send stay as they are; so does the report on the plan without `report`."""
    changes: list[Change] = []
    plan = draft.plan
    if heading is not None:
        plan = edited_heading(plan, heading)
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
        new = edited_row(old, form, plan.window, directory)
        shown = old.number
        typed = {name: days_typed(getattr(form, name), f"Hoạt động {shown}: {FIELD_WORDS[name]}")
                 for name in ROW_POLICY}  # fmt: skip
        before = fields_of(old, draft.policy.get(key, {}))
        after = fields_of(new, typed)
        changes += [Change(row=key, number=shown, field=f, before=before[f], after=after[f], who=who, at=at)
                    for f in before if before[f] != after[f]]  # fmt: skip
        policy[key] = {k: v for k, v in typed.items() if v}
        activities.append(new)
    _unique_numbers(activities)
    plan = plan.model_copy(update={"activities": activities})
    if report is not None and plan.plan_report is not None:
        new_report = edited_report(plan.plan_report, report, plan.window)
        changes += _plan_changes(report_fields(plan.plan_report), report_fields(new_report), who, at)
        plan = plan.model_copy(update={"plan_report": new_report})
    return _step(draft, changes, draft.model_copy(update={"plan": plan, "policy": policy}))


def _next_no(plan: Plan) -> int:
    return max([a.no for a in plan.activities] + [0]) + 1


def add_row(draft: Draft, who: str, at: datetime) -> Draft:
    """A new empty activity at the end, numbered after the last, on the plan's first day."""
    no = _next_no(draft.plan)
    day = draft.plan.window.start
    activity = PlannedActivity(no=no, title="", kind=ActivityKind.SINGLE_DAY, start=day, end=day)
    plan = draft.plan.model_copy(update={"activities": [*draft.plan.activities, activity]})
    key = draft.next_key
    change = Change(row=key, number=str(no), field="row", before="", after="thêm mới", who=who, at=at)
    after = draft.model_copy(update={"plan": plan, "keys": [*draft.keys, key], "next_key": key + 1})
    return _step(draft, [change], after)


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
            plan = _with_task(plan, task_key, "pending", None)
            changes.append(_task_change(task_key, f"xếp lịch: hoạt động {activity.number}", "pending", who, at))
    after = draft.model_copy(update={"plan": plan, "keys": keys, "policy": policy, "task_rows": task_rows})
    return _step(draft, changes, after)


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
    child.no, child.label, child.parent, child.title = _next_no(draft.plan), label, parent.no, ""
    child.line, child.source_lines, child.from_body = None, [], False
    activities = list(draft.plan.activities)
    activities.insert(at_index, child)
    new_key = draft.next_key
    keys = list(draft.keys)
    keys.insert(at_index, new_key)
    change = Change(row=new_key, number=label, field="row", before="", after=f"tách từ hoạt động {parent.number}",
                    who=who, at=at)  # fmt: skip
    plan = draft.plan.model_copy(update={"activities": activities})
    return _step(draft, [change], draft.model_copy(update={"plan": plan, "keys": keys, "next_key": new_key + 1}))


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


# --- the report on the plan and the tasks without a row (campaign.duties) ---------------------------


def field_words(field: str) -> str:
    """What the change log and the final report call a field: FIELD_WORDS, a duty ("duty-3") or a task
    without a row ("task-2")."""
    if field.startswith("duty-"):
        return f"nhiệm vụ {field[5:]} của báo cáo kết quả thực hiện kế hoạch"
    if field.startswith("task-"):
        return f"việc chưa xếp lịch {field[5:]}"
    return FIELD_WORDS.get(field, field)


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
        "report_due_date": _day(report.due),
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


def _plan_changes(before: dict[str, str], after: dict[str, str], who: str, at: datetime) -> list[Change]:
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
    return _step(draft, [change], draft.model_copy(update={"plan": plan}))


def _task(draft: Draft, key: int) -> UnscheduledTask:
    for task in draft.plan.unscheduled:
        if task.key == key:
            return task
    raise EditError(f"không có việc chưa xếp lịch số {key}; đề nghị tải lại trang")


def _with_task(plan: Plan, key: int, choice: UnscheduledChoice, activity: int | None) -> Plan:
    tasks = [t.model_copy(update={"choice": choice, "activity": activity}) if t.key == key else t
             for t in plan.unscheduled]  # fmt: skip
    return plan.model_copy(update={"unscheduled": tasks})


def _task_change(key: int, before: str, choice: UnscheduledChoice, who: str, at: datetime, after: str = "") -> Change:
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
    units = units_typed(form.units, Role.LEAD, directory, f"{what}: đơn vị phụ trách")
    no = _next_no(draft.plan)
    activity = PlannedActivity(no=no, title=_text(task.text, f"{what}: tên"), kind=kind, start=start, end=end,
                               responsible=units, line=task.line, source_lines=[task.line], from_body=True)  # fmt: skip
    plan = _with_task(draft.plan, key, "scheduled", no)
    plan = plan.model_copy(update={"activities": [*plan.activities, activity]})
    row = draft.next_key
    changes = [
        Change(row=row, number=str(no), field="row", before="", after=f"xếp lịch từ việc chưa xếp lịch {key}",
               who=who, at=at),
        _task_change(key, UNSCHEDULED_WORDS["pending"], "scheduled", who, at, f"xếp lịch: hoạt động {no}"),
    ]  # fmt: skip
    after = draft.model_copy(update={"plan": plan, "keys": [*draft.keys, row], "next_key": row + 1,
                                     "task_rows": {**draft.task_rows, key: row}})  # fmt: skip
    return _step(draft, changes, after)


def leave_out_task(draft: Draft, key: int, who: str, at: datetime) -> Draft:
    """A task without a row the campaign will not follow (recorded as left out)."""
    task = _task(draft, key)
    if task.choice != "pending":
        raise EditError(
            f"Việc chưa xếp lịch {key} đã có quyết định ({UNSCHEDULED_WORDS[task.choice]}); đề nghị tải lại trang"
        )
    change = _task_change(key, UNSCHEDULED_WORDS["pending"], "left_out", who, at)
    return _step(draft, [change], draft.model_copy(update={"plan": _with_task(draft.plan, key, "left_out", None)}))


def restore_task(draft: Draft, key: int, who: str, at: datetime) -> Draft:
    """A task left out, back on the list to decide."""
    task = _task(draft, key)
    if task.choice != "left_out":
        raise EditError(f"Việc chưa xếp lịch {key} không ở trạng thái bỏ qua; đề nghị tải lại trang")
    change = _task_change(key, UNSCHEDULED_WORDS["left_out"], "pending", who, at)
    return _step(draft, [change], draft.model_copy(update={"plan": _with_task(draft.plan, key, "pending", None)}))
