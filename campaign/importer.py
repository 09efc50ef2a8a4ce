"""The plan importer: numbered lines of a Kế hoạch → a Plan with findings.

Built for the conventions such plans share, not for one file:

    lines --heading--> issuer, code, issue date, title, window        (campaign.heading)
    lines --schedule table | body items--> raw activities              (campaign.schedule, campaign.body)
    raw activities --dates, parties (written once for both)--> PlannedActivity + findings   (campaign.raw)

A plan with a LỊCH HOẠT ĐỘNG table is read from it; a body item that gives a dated activity the table
lacks joins it. A plan without a table is read from its body. Only when neither gives an activity is
the plan refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from campaign import heading
from campaign.body import body_activities
from campaign.dates import ActivityKind, DateError, format_when, parse_when
from campaign.documents import read_document
from campaign.duties import read_plan_report, read_unscheduled
from campaign.formats import PlanReadError
from campaign.limits import MAX_ACTIVITIES, MAX_DAYS_FROM_ISSUE, MAX_LINE_CHARS, MAX_PLAN_LINES
from campaign.lint import lint, spoken_of
from campaign.plan import Finding, Plan, PlannedActivity, Window
from campaign.raw import Context, RawActivity, read_activity
from campaign.schedule import IncompleteSchedule, Schedule, find_schedule, split_cells, table_activities, table_end
from campaign.text import fold
from campaign.units import UnitDirectory

__all__ = ["import_lines", "import_plan", "split_cells"]

NOTHING_TO_READ = (
    "không tìm thấy bảng lịch hoạt động "
    "(cần dòng tiêu đề có các cột TT, HOẠT ĐỘNG, THỜI GIAN, ĐƠN VỊ PHỤ TRÁCH) "
    "và không có hoạt động nào ghi trong nội dung (mục đánh số như “1. Hội thi …” "
    "kèm dòng “- Thời gian: …”, “- Phụ trách: …”, hoặc một câu có ngày tổ chức)"
)
_SIGNATURE = re.compile(r"^(noi nhan|tm |t m |kt |ban thuong vu|lich hoat dong)")


def _cut_long_lines(lines: list[str], findings: list[Finding]) -> list[str]:
    """Lines longer than any a plan has are cut (with a finding), so reading stays fast for any input."""
    cut = []
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            findings.append(
                Finding(
                    kind="long_line",
                    line=number,
                    message=f"dòng dài {len(line)} ký tự; chỉ đọc {MAX_LINE_CHARS} ký tự đầu",
                )
            )
            line = line[:MAX_LINE_CHARS]
        cut.append(line)
    return cut


def _text_end(lines: list[str], start: int, end: int) -> int:
    """Where the body's text ends: "Nơi nhận", the signature block or the schedule's heading."""
    for i in range(start, end):
        key = fold(lines[i])
        if _SIGNATURE.match(key) and (key.startswith("noi nhan") or len(key.split()) <= 8):
            return i
    return end


def _numbered(raws: list[RawActivity]) -> list[tuple[int, RawActivity]]:
    """Body activities keep the plan's numbers when they are "1.", "2.", … once each; else they are
    numbered in order and show the number as written ("2.1", "3.b")."""
    labels = [r.label for r in raws]
    if all(label.isdigit() for label in labels) and len(set(labels)) == len(labels):
        numbers = [int(label) for label in labels]
        if numbers == sorted(numbers) and all(1 <= n <= 999 for n in numbers):
            for raw in raws:
                raw.label = ""
            return list(zip(numbers, raws, strict=True))
    out = []
    for no, raw in enumerate(raws, start=1):
        raw.label = raw.label if raw.label != str(no) else ""
        out.append((no, raw))
    return out


def _year_typos(activities: list[PlannedActivity], issued_on: date | None, window: Window | None) -> dict[int, Finding]:
    """Activities whose year looks mistyped: dated before the plan's issue date, or a year apart from
    every other date of the plan, when the year shifted by one puts it inside the plan's window (or,
    with no window, among the other activities). One already far enough to be refused is left to far_date."""
    suspects: dict[int, Finding] = {}
    activities = _dated(activities)
    for a in activities:
        if issued_on and a.end < issued_on - timedelta(days=MAX_DAYS_FROM_ISSUE):
            continue
        others = [b for b in activities if b is not a]
        if window is not None:
            low, high = window.start, window.end
        elif others:  # with no window, the other activities' span, from the issue date on
            low, high = min(b.start for b in others), max(b.end for b in others)
            low = min(low, issued_on) if issued_on else low
        else:
            continue
        years = {b.end.year for b in others} | ({issued_on.year} if issued_on else set())
        if issued_on and a.end < issued_on:
            why = f"trước ngày ban hành {issued_on:%d/%m/%Y}"
        elif a.end.year not in years and not low <= a.end <= high:
            why = "cách một năm so với các ngày khác của kế hoạch"
        else:
            continue
        fits = [d for d in (_shift(a.end, 1), _shift(a.end, -1)) if d and low <= d <= high]
        if not fits:
            continue
        suspects[a.no] = Finding(
            kind="year_typo",
            line=a.line,
            message=f"hoạt động {a.number}: ngày {a.end:%d/%m/%Y} {why}; có phải năm {fits[0].year}?",
        )
    return suspects


def _shift(day: date, years: int) -> date | None:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return None


def _dated(activities: list[PlannedActivity]) -> list[PlannedActivity]:
    """The activities with dates of their own (not those whose date could not be read)."""
    return [a for a in activities if not a.date_unread]


def _span_window(activities: list[PlannedActivity], typos: dict[int, Finding]) -> Window:
    activities = _dated(activities)
    kept = [a for a in activities if a.no not in typos] or activities
    return Window(start=min(a.start for a in kept), end=max(a.end for a in kept))


def import_lines(lines: list[str], directory: UnitDirectory | None = None, found: Sequence[Finding] = ()) -> Plan:
    """`found`: what the format reader noticed about the file (tracked changes, OCR, encodings)."""
    if not any(line.strip() for line in lines):
        raise PlanReadError("tệp trống")
    if len(lines) > MAX_PLAN_LINES:
        raise PlanReadError(f"văn bản có {len(lines)} dòng, tối đa {MAX_PLAN_LINES}")
    findings: list[Finding] = list(found)
    lines = _cut_long_lines(lines, findings)
    incomplete: PlanReadError | None = None
    try:
        schedule = find_schedule(lines)
    except IncompleteSchedule as exc:
        schedule, incomplete = None, exc.refusal
    if schedule is not None:
        if len(schedule.rows) > MAX_ACTIVITIES:
            raise PlanReadError(
                f"dòng {schedule.header_line}: bảng lịch có {len(schedule.rows)} hoạt động, tối đa {MAX_ACTIVITIES}"
            )
        findings.extend(schedule.findings)
    body_end = table_end(lines, schedule) if schedule else len(lines)
    header_end = heading.body_start(lines)

    code, _ = heading.plan_code(lines)
    if code is None:
        findings.append(Finding(kind="missing_code", line=None, message="không tìm thấy số kế hoạch (dạng 54-KH/ĐTN)"))
    issued_on = heading.issue_date(lines, header_end)
    if issued_on is None:
        findings.append(Finding(kind="no_issue_date", line=None, message="không tìm thấy ngày ban hành kế hoạch"))
    title = heading.title(lines, body_end)
    window, problem = heading.header_window(lines, header_end, issued_on.year if issued_on else None)
    if problem:
        findings.append(problem)
    if window is None and problem is None:
        window, _ = heading.title_window(title, issued_on)
    default_year = window.end.year if window else issued_on.year if issued_on else None
    issuer = heading.issuer(lines)
    own = heading.issued_by(issuer, directory)
    if not own and directory is not None:
        findings.append(
            Finding(
                kind="other_issuer",
                line=None,
                message=f"kế hoạch do “{issuer}” ban hành, danh bạ đơn vị là của {directory.organisation}; "
                "các nhóm như “Các chi đoàn” không tự lấy theo danh bạ",
            )
        )
    context = Context(default_year, window, directory, own)

    text_end = _text_end(lines, header_end, body_end)
    plan_report = read_plan_report(lines, header_end, text_end, default_year)
    body = body_activities(lines, header_end, text_end, title, default_year)
    if plan_report is not None and plan_report.due_line is not None:  # the units' report on the plan, not a row
        body = [raw for raw in body if plan_report.due_line not in (raw.line, *raw.source_lines)]
    if schedule is None and not body:
        raise incomplete or PlanReadError(NOTHING_TO_READ)
    if schedule is not None:
        activities = _with_table(schedule, body, context, findings)
    else:
        activities, window = _from_body(body, context, findings)
    if len(activities) > MAX_ACTIVITIES:
        raise PlanReadError(f"kế hoạch có {len(activities)} hoạt động, tối đa {MAX_ACTIVITIES}")

    typos = _year_typos(activities, issued_on, window)
    findings.extend(typos.values())
    if window is None:
        if not _dated(activities):
            raise PlanReadError("không xác định được thời gian của kế hoạch và không có hoạt động đọc được")
        window = _span_window(activities, typos)
        findings.append(
            Finding(
                kind="no_window",
                line=None,
                message="không thấy dòng “Từ ngày … đến ngày …”; lấy theo lịch: "
                f"{window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}",
            )
        )
        for activity in activities:
            if activity.kind is ActivityKind.DEADLINE:
                activity.start = min(window.start, activity.end)
    for activity in activities:
        if activity.date_unread:  # no dates of its own: it stands on the plan's first day until the office types them
            activity.start = activity.end = window.start

    plan = Plan(
        code=code or "",
        issued_on=issued_on,
        title=title,
        window=window,
        recipients=heading.recipients(lines),
        activities=activities,
        findings=findings,
        columns=dict(schedule.header.headers) if schedule else {},
        issuer=issuer,
        plan_report=plan_report,
        unscheduled=read_unscheduled(lines, header_end, text_end, activities, _issuer_name(issuer, directory)),
    )
    plan.findings.extend(lint(lines, plan, body_end))
    plan.findings.sort(key=lambda f: (f.line is None, f.line or 0))
    return plan


def _issuer_name(issuer: str, directory: UnitDirectory | None) -> str:
    """Who owns the issuer's own tasks: the heading's issuer, else the directory's organisation."""
    return issuer or (directory.organisation if directory else "") or "đơn vị ban hành kế hoạch"


def _with_table(
    schedule: Schedule, body: list[RawActivity], context: Context, findings: list[Finding]
) -> list[PlannedActivity]:
    """The table's activities, and each dated body item the table does not name (after them)."""
    activities = table_activities(schedule, context, findings)
    table = list(activities)
    next_no = max((a.no for a in activities), default=0) + 1
    for raw in body:
        if raw.undated:
            continue
        if named := spoken_of(raw.title, table):
            findings.extend(_contradiction(raw, named, context))
            continue
        raw.label = ""
        added: list[Finding] = []
        activity = read_activity(raw, next_no, context, added)
        if activity is None or activity.date_unread:
            continue  # the table is the schedule: a body line it cannot read is not a refusal
        findings.extend(added)
        findings.append(
            Finding(
                kind="from_body",
                line=raw.line,
                message=f"hoạt động {next_no} “{activity.title}” lấy từ nội dung kế hoạch; bảng lịch không có",
            )
        )
        activities.append(activity)
        next_no += 1
    return activities


def _contradiction(raw: RawActivity, named: list[PlannedActivity], context: Context) -> list[Finding]:
    """A body item's date against the table row that names the same activity (the table wins)."""
    try:
        when = parse_when(raw.time, context.default_year)
    except DateError:
        return []
    start = when.start or when.end
    found = []
    for activity in _dated(named):
        if start <= activity.end and activity.start <= when.end:
            continue
        found.append(
            Finding(
                kind="date_conflict",
                line=raw.line,
                message=f"nội dung ghi {format_when(when)} cho hoạt động {activity.number} “{activity.title}”, "
                f"nhưng lịch hoạt động (dòng {activity.line}) ghi {format_when(activity.when)}",
            )
        )
    return found


def _from_body(
    body: list[RawActivity], context: Context, findings: list[Finding]
) -> tuple[list[PlannedActivity], Window | None]:
    """The body's activities in the plan's order; tasks with no date span the window (from the heading,
    else the dated activities' span, without those whose year looks mistyped)."""
    numbered = _numbered(body)
    dated: dict[int, PlannedActivity] = {}
    for no, raw in numbered:
        if not raw.undated and (activity := read_activity(raw, no, context, findings)):
            dated[no] = activity
    window = context.window
    if window is None and _dated(list(dated.values())) and any(raw.undated for _, raw in numbered):
        window = _span_window(list(dated.values()), _year_typos(list(dated.values()), None, None))
        findings.append(
            Finding(
                kind="no_window",
                line=None,
                message="không thấy thời gian kế hoạch ở phần đầu hay tên kế hoạch; lấy theo các hoạt động có ngày: "
                f"{window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}",
            )
        )
        context = Context(context.default_year, window, context.directory, context.own_directory)
        for activity in dated.values():
            if activity.kind is ActivityKind.DEADLINE:
                activity.start = min(window.start, activity.end)
    activities = []
    for no, raw in numbered:
        if no in dated:
            activities.append(dated[no])
        elif raw.undated and (activity := read_activity(raw, no, context, findings)):
            activities.append(activity)
    return activities, window


def import_plan(path: str | Path, directory: UnitDirectory | None = None) -> Plan:
    """Read and import a plan document; raises PlanReadError when it is not a plan."""
    document = read_document(path)
    return import_lines(document.lines, directory, document.findings)


def lint_again(lines: list[str], plan: Plan) -> list[Finding]:
    """The importer's lint on a plan changed after it was read (the office's editor): the same rules over
    the same document lines (cut as the importer cuts them); `lines` empty for a plan written by hand."""
    lines = [line[:MAX_LINE_CHARS] for line in lines]
    try:
        schedule = find_schedule(lines)
    except (IncompleteSchedule, PlanReadError):
        schedule = None
    body_end = table_end(lines, schedule) if schedule else len(lines)
    return lint(lines, plan, body_end)
