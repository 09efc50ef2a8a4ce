"""The plan importer: numbered lines of a Kế hoạch → a Plan with findings.

Built for the conventions such plans share, not for one file: the header
(code, date, title, window), the "Nơi nhận" list and the LỊCH HOẠT ĐỘNG table
whose header may repeat and whose column names vary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from campaign.dates import ActivityKind, DateError, format_when, parse_when, time_of_day
from campaign.documents import PlanReadError, read_document
from campaign.headers import COLUMN_WORDS, REQUIRED, HeaderRow, columns_read, header_row
from campaign.limits import MAX_ACTIVITIES, MAX_LINE_CHARS, MAX_PLAN_LINES
from campaign.lint import lint
from campaign.parties import read_responsible
from campaign.plan import Finding, Plan, PlannedActivity, ResponsibleParty, Role, Window
from campaign.text import fold, squash, strip_markup
from campaign.units import UnitDirectory

_CODE = re.compile(r"\b(\d+\s*-\s*KH\s*/\s*[A-Za-zĐđ0-9]+(?:\s*/\s*[A-Za-zĐđ0-9]+)*)")
_WORDED_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_CODE_THEN_DATE = re.compile(r"KH\s*/\s*[\wĐđ/]+\s+ngày\s+(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})", re.IGNORECASE)
# "Từ ngày 01/5 đến ngày 31/5/2023"; what lies between is bounded so a long line stays linear.
_WINDOW = re.compile(
    r"từ\s+(ngày\s+)?\d{1,2}\s*/\s*\d{1,2}(\s*/\s*\d{2,4})?.{0,120}?đến\s+(ngày\s+)?\d{1,2}\s*/\s*\d{1,2}(\s*/\s*\d{2,4})?",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*[-+•–]\s*")
_ROW_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?\s*$")
_SUB_ITEM = re.compile(r"^\s*(\d{1,3}\s*\.\s*\d{1,3}\s*[.)]?|[a-zđ]\s*[.)]|[ivx]{1,4}\s*[.)])\s*$", re.IGNORECASE)
_SUB_DIGITS = re.compile(r"^\s*\d{1,3}\s*\.\s*(\d{1,3})")


def split_cells(line: str) -> list[str] | None:
    """Cells of a table line (tab-separated, or a |pipe| row); None for plain text."""
    if "\t" in line:
        return [squash(strip_markup(c)) for c in line.split("\t")]
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return [squash(strip_markup(c)) for c in stripped.strip("|").split("|")]
    return None


@dataclass
class _Row:
    line: int
    cells: list[str]
    no: int | None = None  # a numbered row's number
    label: str = ""  # a sub-item with its own date: its number as written ("3.1", "3.a")
    parent: int | None = None


@dataclass
class _Schedule:
    header_line: int
    header: HeaderRow
    rows: list[_Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def columns(self) -> dict[str, int]:
        return self.header.columns


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and 0 <= index < len(cells) else ""


def _sub_label(number_cell: str, parent: int) -> str:
    """ "3.1" stays "3.1"; a letter or roman numeral under row 3 becomes "3.a" / "3.ii"."""
    if digits := _SUB_DIGITS.match(number_cell):
        return f"{parent}.{int(digits[1])}"
    return f"{parent}.{number_cell.strip().rstrip('.)').strip().lower()}"


def _missing_columns(number: int, header: HeaderRow) -> PlanReadError:
    read = columns_read(header.headers)
    unplaced = f"; không xếp được: {', '.join(f'“{h}”' for h in header.unplaced)}" if header.unplaced else ""
    missing = ", ".join(COLUMN_WORDS[c] for c in header.missing)
    return PlanReadError(f"dòng {number}: bảng lịch hoạt động thiếu cột {missing} (đã đọc: {read}{unplaced})")


def _find_schedule(lines: list[str]) -> _Schedule:
    schedule: _Schedule | None = None
    main: _Row | None = None  # the last numbered row: the parent of the sub-items that follow
    incomplete: tuple[int, HeaderRow] | None = None  # the first header row that lacked a column
    for number, line in enumerate(lines, start=1):
        cells = split_cells(line)
        if cells is None:
            lone = line.strip().strip("|").strip()
            if schedule is not None and lone and _ROW_NUMBER.match(lone):
                schedule.findings.append(
                    Finding(kind="lone_row_number", line=number, message=f"dòng chỉ có số “{lone}”, bỏ qua")
                )
            continue
        if set("".join(cells)) <= set("-: "):  # a |---|---| separator row
            continue
        header = header_row(cells)
        if header is not None:
            if schedule is None:
                if header.missing:  # another table of the plan (a budget, say); the schedule may come later
                    incomplete = incomplete or (number, header)
                    continue
                schedule = _Schedule(number, header)
            continue  # a header repeated after a page break
        if schedule is None:
            continue
        number_cell = _cell(cells, schedule.columns["no"])
        if row_number := _ROW_NUMBER.match(number_cell):
            main = _Row(number, cells, no=int(row_number[1]))
            schedule.rows.append(main)
        elif _SUB_ITEM.match(number_cell) and main is not None and main.no is not None:
            parent = main.no
            time_column = schedule.columns["time"]
            if _cell(cells, time_column).strip():  # its own date: an activity of its own
                schedule.rows.append(_Row(number, cells, label=_sub_label(number_cell, parent), parent=parent))
                continue
            merged = f"mục con “{number_cell}” được gộp vào hoạt động {parent}"
            schedule.findings.append(Finding(kind="sub_item", line=number, message=merged))
            # its units (and place) join the parent's; its words are a step of the parent, not a new title
            _continue_row(main, cells, schedule.columns["no"], time_column, schedule.columns.get("title", -1))
        elif number_cell:
            schedule.findings.append(
                Finding(
                    kind="unread_row",
                    line=number,
                    message=f"hàng có số thứ tự “{number_cell[:20]}” không đọc được; bỏ qua hàng này",
                )
            )
        elif schedule.rows and any(cells):
            _continue_row(schedule.rows[-1], cells, schedule.columns["no"])  # a wrapped row
    if schedule is None and incomplete is not None:
        raise _missing_columns(*incomplete)
    if schedule is None:
        raise PlanReadError(
            "không tìm thấy bảng lịch hoạt động "
            "(cần dòng tiêu đề có các cột TT, HOẠT ĐỘNG, THỜI GIAN, ĐƠN VỊ PHỤ TRÁCH)"
        )
    if not schedule.rows:
        raise PlanReadError(f"dòng {schedule.header_line}: bảng lịch hoạt động không có hoạt động nào")
    return schedule


def _continue_row(row: _Row, cells: list[str], *keep: int) -> None:
    """A wrapped row: its cells continue the previous row's (the columns in `keep` stay as they are)."""
    for index, text in enumerate(cells):
        if text and index < len(row.cells) and index not in keep:
            row.cells[index] = squash(f"{row.cells[index]} {text}")


def _plan_code(lines: list[str]) -> str | None:
    for line in lines:
        if m := _CODE.search(line):
            return re.sub(r"\s+", "", m[1])
    return None


def _issue_date(lines: list[str]) -> date | None:
    for pattern in (_WORDED_DATE, _CODE_THEN_DATE):
        for line in lines:
            if m := pattern.search(line):
                try:
                    return date(int(m[3]), int(m[2]), int(m[1]))
                except ValueError:
                    continue
    return None


def _title_and_window(lines: list[str], last: int) -> tuple[str, int | None]:
    """Title lines after the "KẾ HOẠCH" heading, and the line of the window."""
    start = next((i for i, line in enumerate(lines[:last]) if fold(line) == "ke hoach"), None)
    window_line = next((i for i, line in enumerate(lines[:last]) if _WINDOW.search(line)), None)
    if start is None:
        return "", window_line
    title: list[str] = []
    for line in lines[start + 1 : last]:
        text = squash(strip_markup(line))
        if not text:
            continue
        if _WINDOW.search(text) or text.startswith("(") or len(text) > 200 or len(title) >= 4:
            break
        if re.match(r"^(I\.|1\.|Căn cứ|Thực hiện)", text):
            break
        title.append(text)
    return " ".join(title), window_line


def _recipients(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if fold(line).startswith("noi nhan")), None)
    if start is None:
        return []
    names: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        if not _BULLET.match(line):
            break
        names.append(_BULLET.sub("", squash(line)).rstrip(";.,"))
    return names


def _body_end(lines: list[str], schedule: _Schedule) -> int:
    """Index of the line where the schedule's own heading starts (LỊCH HOẠT ĐỘNG)."""
    for i in range(schedule.header_line - 1, -1, -1):
        if fold(lines[i]).startswith("lich hoat dong"):
            return i
    return schedule.header_line - 1


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


def import_lines(lines: list[str], directory: UnitDirectory | None = None, found: Sequence[Finding] = ()) -> Plan:
    """`found`: what the format reader noticed about the file (tracked changes, OCR, encodings)."""
    if not any(line.strip() for line in lines):
        raise PlanReadError("tệp trống")
    if len(lines) > MAX_PLAN_LINES:
        raise PlanReadError(f"văn bản có {len(lines)} dòng, tối đa {MAX_PLAN_LINES}")
    findings: list[Finding] = list(found)
    lines = _cut_long_lines(lines, findings)
    schedule = _find_schedule(lines)
    if len(schedule.rows) > MAX_ACTIVITIES:
        raise PlanReadError(
            f"dòng {schedule.header_line}: bảng lịch có {len(schedule.rows)} hoạt động, tối đa {MAX_ACTIVITIES}"
        )
    findings.extend(schedule.findings)
    body_end = _body_end(lines, schedule)

    code = _plan_code(lines)
    if code is None:
        findings.append(Finding(kind="missing_code", line=None, message="không tìm thấy số kế hoạch (dạng 54-KH/ĐTN)"))
    issued_on = _issue_date(lines)
    if issued_on is None:
        findings.append(Finding(kind="no_issue_date", line=None, message="không tìm thấy ngày ban hành kế hoạch"))
    title, window_line = _title_and_window(lines, body_end)

    window: Window | None = None
    if window_line is not None:
        try:
            when = parse_when(_WINDOW.search(lines[window_line])[0], issued_on.year if issued_on else None)  # type: ignore[index]
            if when.start is not None:
                window = Window(start=when.start, end=when.end)
        except DateError as exc:
            findings.append(Finding(kind="invalid_date", line=window_line + 1, message=f"thời gian kế hoạch: {exc}"))
    default_year = window.end.year if window else issued_on.year if issued_on else None

    activities = _activities(schedule, default_year, window, directory, findings)

    if window is None:
        if not activities:
            raise PlanReadError("không xác định được thời gian của kế hoạch và không có hoạt động đọc được")
        window = Window(start=min(a.start for a in activities), end=max(a.end for a in activities))
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

    plan = Plan(
        code=code or "",
        issued_on=issued_on,
        title=title,
        window=window,
        recipients=_recipients(lines),
        activities=activities,
        findings=findings,
        columns=dict(schedule.header.headers),
    )
    plan.findings.extend(lint(lines, plan, body_end))
    plan.findings.sort(key=lambda f: (f.line is None, f.line or 0))
    return plan


def _activities(
    schedule: _Schedule,
    default_year: int | None,
    window: Window | None,
    directory: UnitDirectory | None,
    findings: list[Finding],
) -> list[PlannedActivity]:
    """One activity per numbered row, and per sub-item with its own date (numbered after the rows,
    shown as written); a numbered row whose only dates are its sub-items' is their heading."""
    headings = {row.parent for row in schedule.rows if row.parent is not None}
    spare = iter(range(max((r.no for r in schedule.rows if r.no is not None), default=0) + 1, 10**6))
    activities: list[PlannedActivity] = []
    by_no: dict[int, PlannedActivity] = {}
    heading_units: dict[int, list[ResponsibleParty]] = {}  # a heading row's units, for its sub-items
    for row in schedule.rows:
        no = next(spare) if row.no is None else row.no
        if row.no is not None and no in headings and not _cell(row.cells, schedule.columns["time"]).strip():
            heading_units[no] = read_responsible(_cell(row.cells, schedule.columns["lead"]), directory).parties
            continue
        parent: PlannedActivity | None = None
        inherited: list[ResponsibleParty] = []
        if row.parent is not None:  # a sub-item: its parent's units, or its heading row's
            parent = by_no.get(row.parent)
            inherited = parent.responsible if parent else heading_units.get(row.parent, [])
        activity = _activity(row, no, schedule.columns, default_year, window, directory, findings, inherited)
        if activity is None:
            continue
        activities.append(activity)
        if row.no is not None:
            by_no.setdefault(no, activity)
        if parent and not (parent.start <= activity.start and activity.end <= parent.end):
            findings.append(
                Finding(
                    kind="sub_item_outside",
                    line=activity.line,
                    message=f"mục {activity.label} ({format_when(activity.when)}) "
                    f"nằm ngoài thời gian của hoạt động {parent.no} ({format_when(parent.when)})",
                )
            )
    return activities


def _activity(
    row: _Row,
    no: int,
    columns: dict[str, int],
    default_year: int | None,
    window: Window | None,
    directory: UnitDirectory | None,
    findings: list[Finding],
    inherited: list[ResponsibleParty] | None = None,
) -> PlannedActivity | None:
    """The activity a row describes; a sub-item that names no unit is its parent's units' to do."""
    cells = row.cells
    shown = row.label or str(no)

    def cell(column: str) -> str:
        return _cell(cells, columns.get(column))

    needed = max(columns[c] for c in REQUIRED) + 1
    if len(cells) < needed:
        findings.append(
            Finding(
                kind="missing_column",
                line=row.line,
                message=f"hoạt động {shown}: dòng chỉ có {len(cells)} cột, bảng cần {needed}",
            )
        )
        return None
    try:
        when = parse_when(cell("time"), default_year)
    except DateError as exc:
        findings.append(Finding(kind="unreadable_date", line=row.line, message=f"hoạt động {shown}: {exc}"))
        return None
    start = when.start
    if start is None:  # a deadline runs from the campaign's start
        start = min(window.start, when.end) if window else when.end
    lead = read_responsible(cell("lead"), directory)
    support = read_responsible(cell("support"), directory) if "support" in columns else None
    parties = list(lead.parties)
    for reading in (lead, support):
        for kind, message in reading.problems if reading else []:
            findings.append(Finding(kind=kind, line=row.line, message=f"hoạt động {shown}: {message}"))
    if support is not None:
        parties += [p.model_copy(update={"role": Role.SUPPORT}) for p in support.parties]
        if not lead.parties and support.parties:
            findings.append(
                Finding(
                    kind="lead_empty",
                    line=row.line,
                    message=f"hoạt động {shown}: cột {COLUMN_WORDS['lead']} để trống, chỉ có đơn vị phối hợp",
                )
            )
    if not parties and inherited and not cell("lead").strip():
        parties = [p.model_copy() for p in inherited]
    if not parties:
        findings.append(
            Finding(kind="no_responsible", line=row.line, message=f"hoạt động {shown}: chưa ghi đơn vị phụ trách")
        )
    starts_at, problem = time_of_day(cell("time"))
    if problem:
        findings.append(Finding(kind="invalid_time", line=row.line, message=f"hoạt động {shown}: {problem}"))
    return PlannedActivity(
        no=no,
        title=cell("title").rstrip(),
        kind=when.kind,
        start=start,
        end=when.end,
        place=cell("place"),
        responsible=parties,
        line=row.line,
        label=row.label,
        parent=row.parent,
        start_time=starts_at,
    )


def import_plan(path: str | Path, directory: UnitDirectory | None = None) -> Plan:
    """Read and import a plan document; raises PlanReadError when it is not a plan."""
    document = read_document(path)
    return import_lines(document.lines, directory, document.findings)
