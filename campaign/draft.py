"""A draft plan in the office's schedule editor, as data: the plan as read and as it is now, the change
log (field, from, to, who, when) with the plan before each step for undo, and the words the log uses.

Rows have a key that stays the same whatever the office does to their number; the change log names both.
The editing itself is campaign.editing (rows and undo), campaign.edit_forms (what the office typed) and
campaign.duty_editing (the report on the plan, the tasks without a row).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from campaign.dates import ActivityKind
from campaign.plan import Finding, Plan, PlannedActivity

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


def field_words(field: str) -> str:
    """What the change log and the final report call a field: FIELD_WORDS, a duty ("duty-3") or a task
    without a row ("task-2")."""
    if field.startswith("duty-"):
        return f"nhiệm vụ {field[5:]} của báo cáo kết quả thực hiện kế hoạch"
    if field.startswith("task-"):
        return f"việc chưa xếp lịch {field[5:]}"
    return FIELD_WORDS.get(field, field)


def with_step(draft: Draft, changes: list[Change], after: Draft) -> Draft:
    """`after` with a step recording `changes` (undoable back to `draft`); `draft` itself when nothing changed."""
    if not changes:
        return draft
    steps = [*draft.steps, Step(changes=changes, before=draft.snapshot())]
    for old in steps[:-MAX_UNDO]:
        old.before = None
    return after.model_copy(update={"steps": steps})


def next_no(plan: Plan) -> int:
    return max([a.no for a in plan.activities] + [0]) + 1
