"""One activity as a plan writes it, before its dates and parties are read, and how it is read.

The schedule table (campaign.schedule) and the body (campaign.body) both produce a RawActivity: the
words of its title, time, place and responsible units as written, and the lines they came from. Dates
(campaign.dates) and parties (campaign.parties) are read here, once, for both.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from campaign.dates import ActivityKind, DateError, When, parse_when, time_of_day
from campaign.parties import read_responsible
from campaign.plan import Finding, PlannedActivity, ResponsibleParty, UnitRole, Window
from campaign.text import fold
from campaign.units import UnitDirectory

# A task that is itself handing something in ("Các cơ sở Đoàn báo cáo …", "Nộp bài dự thi …", "Gửi danh
# sách …"): by a deadline, the handing in is the report, due on the plan's date.
_HANDING_IN = re.compile(r"\b(bao cao|nop|gui|goi|dang ky)\b(?! vien)")


def hands_in(title: str) -> bool:
    """Whether an activity's title says the task is to report, submit or send something."""
    return _HANDING_IN.search(fold(title)) is not None


@dataclass
class RawActivity:
    title: str
    time: str  # the time as written ("" for a body task that gives none: see `undated`)
    line: int  # where it starts (1-based)
    place: str = ""
    lead: str = ""  # who leads, as written (may carry role words: "X chủ trì, Y phối hợp")
    support: str | None = None  # a separate "phối hợp" column or line; None when the plan has none
    source_lines: list[int] = field(default_factory=list)  # every line it was read from
    label: str = ""  # its number as written, when that is not its activity number ("3.1", "2.b")
    parent: int | None = None  # a schedule sub-item's row
    from_body: bool = False
    deadline: bool = False  # written under a deadline label ("Thời hạn:", "Hạn chót:")
    undated: str = ""  # why it has no date of its own (a body task): it spans the plan's window
    notes: list[tuple[str, str]] = field(default_factory=list)  # (finding kind, message) its reader noticed


@dataclass(frozen=True)
class Context:
    """What reading an activity needs from the rest of the plan."""

    default_year: int | None
    window: Window | None
    directory: UnitDirectory | None
    own_directory: bool = True  # the plan was issued by the directory's organisation


def window_when(window: Window) -> When:
    """The plan's window as an activity's time: a whole month or quarter when it is one."""
    start, end = window.start, window.end
    last_day = calendar.monthrange(end.year, end.month)[1]
    if start.day == 1 and end.day == last_day and start.year == end.year:
        if start.month == end.month:
            return When(ActivityKind.WHOLE_MONTH, start, end)
        if end.month - start.month == 2 and start.month % 3 == 1:
            return When(ActivityKind.QUARTER, start, end)
    return When(ActivityKind.RANGE, start, end)


def _span(start: date, end: date) -> str:
    return f"{start:%d/%m/%Y}" if start == end else f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


def _first_day(year: int | None) -> date:
    """A stand-in start for an activity without dates in a plan whose window is not known yet (the
    importer moves it to the window's first day)."""
    return date(year or 2000, 1, 1)


def read_activity(
    raw: RawActivity,
    no: int,
    context: Context,
    findings: list[Finding],
    inherited: list[ResponsibleParty] | None = None,
    lead_word: str = "ĐƠN VỊ PHỤ TRÁCH",
) -> PlannedActivity | None:
    """The activity `raw` describes, numbered `no`. A date that cannot be read ("31/11/2026") leaves it
    without dates (`date_unread` says why); a task with no date and no window to span is None (with a finding).

    A task with no date spans the plan's window (a finding says so); a sub-item that names no unit is
    its parent's units' to do (`inherited`). `lead_word` names the lead column in messages.
    """
    shown = raw.label or str(no)
    unread = ""
    for kind, message in raw.notes:
        findings.append(Finding(kind=kind, line=raw.line, message=f"hoạt động {shown}: {message}"))
    if raw.undated:
        if context.window is None:
            findings.append(Finding(kind="unreadable_date", line=raw.line, message=f"hoạt động {shown}: {raw.undated}"))
            return None
        when = window_when(context.window)
        findings.append(
            Finding(
                kind="undated_task",
                line=raw.line,
                message=f"hoạt động {shown}: {raw.undated}; lấy cả thời gian kế hoạch "
                f"{_span(context.window.start, context.window.end)}",
            )
        )
    else:
        try:
            when = parse_when(raw.time, context.default_year)
        except DateError as exc:
            # kept without dates, its title, place and units as written: the office types the date (the
            # lint's campaign.plan.schedule_problems names the row and blocks the start until then)
            unread = str(exc)
            first = context.window.start if context.window else _first_day(context.default_year)
            when = When(ActivityKind.SINGLE_DAY, first, first)
        if raw.deadline and when.kind is ActivityKind.SINGLE_DAY:
            when = When(ActivityKind.DEADLINE, None, when.end)
    # "báo cáo … hạn chót 28/12": the report is due on that day, not report days after it
    due_given = when.kind is ActivityKind.DEADLINE and hands_in(raw.title)
    start = when.start
    if start is None:  # a deadline runs from the campaign's start
        start = min(context.window.start, when.end) if context.window else when.end
    lead = read_responsible(raw.lead, context.directory, own_directory=context.own_directory)
    support = (
        read_responsible(raw.support, context.directory, own_directory=context.own_directory)
        if raw.support is not None
        else None
    )
    parties = list(lead.parties)
    contacts = list(lead.contacts)
    for reading in (lead, support):
        for kind, message in reading.problems if reading else []:
            findings.append(Finding(kind=kind, line=raw.line, message=f"hoạt động {shown}: {message}"))
    if support is not None:
        parties += [p.model_copy(update={"role": UnitRole.SUPPORT}) for p in support.parties]
        contacts += [c for c in support.contacts if c not in contacts]
        if not lead.parties and support.parties:
            empty = f"cột {lead_word}" if not raw.from_body else "dòng chủ trì/phụ trách"
            findings.append(
                Finding(
                    kind="lead_empty",
                    line=raw.line,
                    message=f"hoạt động {shown}: {empty} để trống, chỉ có đơn vị phối hợp",
                )
            )
    if not parties and inherited and not raw.lead.strip():
        parties = [p.model_copy() for p in inherited]
    if not parties:
        who = f" (chỉ ghi người liên hệ: {', '.join(contacts)})" if contacts else ""
        findings.append(
            Finding(kind="no_responsible", line=raw.line, message=f"hoạt động {shown}: chưa ghi đơn vị phụ trách{who}")
        )
    starts_at, problem = time_of_day(raw.time)
    if problem:
        findings.append(Finding(kind="invalid_time", line=raw.line, message=f"hoạt động {shown}: {problem}"))
    return PlannedActivity(
        no=no,
        title=raw.title.rstrip(),
        kind=when.kind,
        start=start,
        end=when.end,
        place=raw.place,
        responsible=parties,
        line=raw.line,
        label=raw.label,
        parent=raw.parent,
        start_time=starts_at,
        contacts=contacts,
        source_lines=sorted({raw.line, *raw.source_lines}),
        from_body=raw.from_body,
        due_given=due_given,
        date_unread=unread,
    )
