"""The imported plan: what the Standing Committee decided, as data."""

from __future__ import annotations

from datetime import date, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from campaign.dates import ActivityKind, When, format_when
from campaign.duty import Duty, PlanReport, UnscheduledTask
from campaign.limits import MAX_ACTIVITIES, MAX_ACTIVITY_NO, MAX_DAYS_FROM_ISSUE


class UnitRole(StrEnum):
    """A unit's part in an activity (phụ trách / phối hợp); a person's role is access.roles.Role."""

    LEAD = "lead"  # phụ trách / chủ trì / thực hiện
    SUPPORT = "support"  # phối hợp


class ResponsibleParty(BaseModel):
    name: str  # as the plan writes it, or the directory's name when expanded
    role: UnitRole = UnitRole.LEAD
    unit_code: str | None = None  # None when the directory has no such unit
    group: bool = False  # a described group ("Các cơ sở Đoàn có chuyên môn …") to assign


class PlannedActivity(BaseModel):
    no: int
    title: str
    kind: ActivityKind
    start: date
    end: date
    place: str = ""
    responsible: list[ResponsibleParty] = []
    line: int | None = None  # line of the schedule row in the document
    label: str = ""  # a sub-item that is an activity of its own: its number as written ("3.1")
    parent: int | None = None  # and the activity it is written under
    start_time: time | None = None  # the time of day the event starts, when the plan gives one
    contacts: list[str] = []  # people the plan names for it ("thầy Minh (môn Sử)", "đ/c Hải"), as written
    source_lines: list[int] = []  # every line it was read from (a body item's labelled lines, a wrapped row)
    from_body: bool = False  # read from the plan's body (numbered item, bullet), not its schedule table
    # The units' report on the plan (campaign.duties): the duties each unit answers; empty for any other
    duties: list[Duty] = []
    due_given: bool = False  # its report is due on its end day (a date the plan gives), not report days after
    # Why it has no dates yet ("ngày 31/11/2026 không tồn tại"): the plan's date could not be read. Its start
    # and end then only hold the plan's first day; it blocks the start until the office types its dates.
    date_unread: str = ""

    @property
    def number(self) -> str:
        """The activity's number as people read it in the plan."""
        return self.label or str(self.no)

    @property
    def when(self) -> When:
        return When(self.kind, self.start, self.end)

    @property
    def schedule_text(self) -> str:
        """Its THỜI GIAN as the schedule shows it: the canonical dates, and the start time if any."""
        if self.date_unread:
            return f"chưa có ngày ({self.date_unread})"
        return format_when(self.when) + (f", {self.start_time:%H:%M}" if self.start_time else "")

    @property
    def unit_codes(self) -> list[str]:
        return [p.unit_code for p in self.responsible if p.unit_code]


class Window(BaseModel):
    start: date
    end: date


class Finding(BaseModel):
    kind: str
    line: int | None
    message: str
    activity: int | None = None  # the activity (its no) a finding is about, when it is about one


# Findings that mean a schedule row could not be taken into the plan, or the plan cannot run.
BLOCKING_FINDINGS = frozenset(
    {"unreadable_date", "missing_column", "bad_row", "duplicate_no", "far_date", "reversed_dates", "too_many"}
)


class Plan(BaseModel):
    code: str
    issued_on: date | None
    title: str
    window: Window
    recipients: list[str] = []
    activities: list[PlannedActivity]
    findings: list[Finding] = []
    columns: dict[str, str] = {}  # schedule column → the header the plan gives it
    issuer: str = ""  # the organisation its header names ("BCH ĐOÀN TRƯỜNG THPT …"), when it names one
    plan_report: PlanReport | None = None  # what the body asks every grassroots unit (campaign.duties)
    unscheduled: list[UnscheduledTask] = []  # the issuer's own tasks with no schedule row and no date

    @property
    def starts_on(self) -> date:
        """When a campaign of this plan starts: the day it is issued (preparation starts then), else its window."""
        return self.issued_on or self.window.start

    def activity(self, no: int) -> PlannedActivity:
        for activity in self.activities:
            if activity.no == no:
                return activity
        raise KeyError(no)

    @property
    def blocking_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.kind in BLOCKING_FINDINGS]

    def contract(self) -> dict[str, Any]:
        """The `plan import --json` shape, exactly."""
        return {
            "code": self.code,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "title": self.title,
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "recipients": list(self.recipients),
            "activities": [
                {
                    "no": a.no,
                    "title": a.title,
                    "kind": a.kind.value,
                    "start": None if a.date_unread else a.start.isoformat(),
                    "end": None if a.date_unread else a.end.isoformat(),
                    "place": a.place,
                    "responsible": [
                        {"name": p.name, "role": p.role.value, "unit_code": p.unit_code} for p in a.responsible
                    ],
                    "number": a.number,
                    "start_time": a.start_time.strftime("%H:%M") if a.start_time else None,
                }
                for a in self.activities
            ],
            "findings": findings_contract(self.findings),
            "columns": dict(self.columns),
        }


def findings_contract(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "line": f.line, "message": f.message} for f in findings]


def schedule_problems(plan: Plan) -> list[Finding]:
    """What makes a plan impossible to run, found from its data alone (the importer's lint and the
    campaign workflow both ask): an activity whose date could not be read (kept without dates), numbers
    used twice, dates that end before they start or lie far from the plan's issue date, more activities
    than a campaign runs."""
    problems: list[Finding] = []
    if len(plan.activities) > MAX_ACTIVITIES:
        problems.append(
            Finding(kind="too_many", line=None, message=f"{len(plan.activities)} hoạt động, tối đa {MAX_ACTIVITIES}")
        )
    anchor = plan.issued_on or plan.window.start
    earliest, latest = anchor - timedelta(days=MAX_DAYS_FROM_ISSUE), anchor + timedelta(days=MAX_DAYS_FROM_ISSUE)
    what = f"ngày ban hành {anchor:%d/%m/%Y}" if plan.issued_on else f"ngày bắt đầu kế hoạch {anchor:%d/%m/%Y}"

    def far(start: date, end: date) -> bool:
        return not (earliest <= start <= latest and earliest <= end <= latest)

    if far(plan.window.start, plan.window.end):
        problems.append(
            Finding(
                kind="far_date",
                line=None,
                message=f"thời gian kế hoạch {_span(plan.window.start, plan.window.end)} cách {what} "
                f"quá {MAX_DAYS_FROM_ISSUE} ngày",
            )
        )
    seen: dict[int, PlannedActivity] = {}
    for a in plan.activities:
        if a.date_unread:
            problems.append(
                Finding(
                    kind="unreadable_date",
                    line=a.line,
                    activity=a.no,
                    message=f"hoạt động {a.number}: {a.date_unread}; chưa có ngày, hãy nhập ngày trước khi khởi động",
                )
            )
        if a.no in seen:
            earlier = seen[a.no]
            problems.append(
                Finding(
                    kind="duplicate_no",
                    line=a.line,
                    activity=a.no,
                    message=f"số thứ tự {a.no} trùng với hoạt động ở dòng {earlier.line or '?'}; "
                    "mỗi hoạt động cần một số riêng",
                )
            )
        seen.setdefault(a.no, a)
        if not 1 <= a.no <= MAX_ACTIVITY_NO:
            problems.append(
                Finding(
                    kind="bad_row",
                    line=a.line,
                    activity=a.no,
                    message=f"số thứ tự {a.no} ngoài khoảng 1–{MAX_ACTIVITY_NO}",
                )
            )
        if a.date_unread:
            continue  # its dates are the plan's first day, not the plan's
        if a.end < a.start:
            problems.append(
                Finding(
                    kind="reversed_dates",
                    line=a.line,
                    activity=a.no,
                    message=f"hoạt động {a.no}: kết thúc trước khi bắt đầu",
                )
            )
        if far(a.start, a.end):
            problems.append(
                Finding(
                    kind="far_date",
                    line=a.line,
                    activity=a.no,
                    message=f"hoạt động {a.no}: ngày {_span(a.start, a.end)} cách {what} "
                    f"quá {MAX_DAYS_FROM_ISSUE} ngày",
                )
            )
    return problems


def _span(start: date, end: date) -> str:
    return f"{start:%d/%m/%Y}" if start == end else f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"
