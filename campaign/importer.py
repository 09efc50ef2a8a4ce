"""The plan importer: numbered lines of a Kế hoạch → a Plan with findings.

Built for the conventions such plans share, not for one file: the header
(code, date, title, window), the "Nơi nhận" list and the LỊCH HOẠT ĐỘNG table
whose header may repeat and whose column names vary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from campaign.dates import ActivityKind, DateError, parse_when
from campaign.documents import PlanReadError, read_lines
from campaign.limits import MAX_ACTIVITIES, MAX_LINE_CHARS, MAX_PLAN_LINES
from campaign.lint import lint
from campaign.parties import read_responsible
from campaign.plan import Finding, Plan, PlannedActivity, Window
from campaign.text import fold, squash, strip_markup
from campaign.units import UnitDirectory

_COLUMNS = {
    "no": ("tt", "stt", "so tt", "so thu tu"),
    "title": ("hoat dong", "noi dung", "ten hoat dong", "noi dung hoat dong"),
    "time": ("thoi gian", "thoi gian thuc hien", "thoi gian to chuc"),
    "place": ("dia diem", "dia diem to chuc"),
    "responsible": (
        "ghi chu",
        "don vi phu trach",
        "don vi thuc hien",
        "phu trach",
        "don vi chu tri",
        "don vi",
    ),
}
_COLUMN_LABELS = {
    "no": "TT",
    "title": "HOẠT ĐỘNG",
    "time": "THỜI GIAN",
    "place": "ĐỊA ĐIỂM",
    "responsible": "GHI CHÚ / ĐƠN VỊ PHỤ TRÁCH",
}
_REQUIRED = ("no", "title", "time", "responsible")

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


def split_cells(line: str) -> list[str] | None:
    """Cells of a table line (tab-separated, or a |pipe| row); None for plain text."""
    if "\t" in line:
        return [squash(strip_markup(c)) for c in line.split("\t")]
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 3:
        return [squash(strip_markup(c)) for c in stripped.strip("|").split("|")]
    return None


def _column_of(header: str) -> str | None:
    key = fold(header)
    for column, names in _COLUMNS.items():
        if key in names:
            return column
    return None


def _header_columns(cells: list[str]) -> dict[str, int] | None:
    """Column positions if these cells are the schedule's header row."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        column = _column_of(cell)
        if column and column not in found:
            found[column] = index
    if "no" in found and ("title" in found or "time" in found):
        return found
    return None


@dataclass
class _Row:
    line: int
    cells: list[str]


@dataclass
class _Schedule:
    header_line: int
    columns: dict[str, int]
    rows: list[_Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _find_schedule(lines: list[str]) -> _Schedule:
    schedule: _Schedule | None = None
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
        columns = _header_columns(cells)
        if columns is not None:
            if schedule is None:
                missing = [_COLUMN_LABELS[c] for c in _REQUIRED if c not in columns]
                if missing:
                    raise PlanReadError(f"dòng {number}: bảng lịch hoạt động thiếu cột {', '.join(missing)}")
                schedule = _Schedule(number, columns)
            continue  # a header repeated after a page break
        if schedule is None:
            continue
        number_cell = cells[schedule.columns["no"]] if len(cells) > schedule.columns["no"] else ""
        if _ROW_NUMBER.match(number_cell):
            schedule.rows.append(_Row(number, cells))
        elif _SUB_ITEM.match(number_cell) and schedule.rows:
            parent = _ROW_NUMBER.match(schedule.rows[-1].cells[schedule.columns["no"]])
            time_column = schedule.columns.get("time", -1)
            own_date = time_column < len(cells) and time_column >= 0 and cells[time_column].strip()
            note = f" (ngày riêng “{cells[time_column][:40]}” không được tính)" if own_date else ""
            schedule.findings.append(
                Finding(
                    kind="sub_item",
                    line=number,
                    message=f"mục con “{number_cell}” được gộp vào hoạt động {parent[1] if parent else '?'}{note}",
                )
            )
            _continue_row(schedule.rows[-1], cells, schedule.columns["no"], time_column)
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
    if schedule is None:
        raise PlanReadError("không tìm thấy bảng lịch hoạt động (cần dòng tiêu đề có các cột TT, HOẠT ĐỘNG, THỜI GIAN)")
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


def import_lines(lines: list[str], directory: UnitDirectory | None = None) -> Plan:
    if not any(line.strip() for line in lines):
        raise PlanReadError("tệp trống")
    if len(lines) > MAX_PLAN_LINES:
        raise PlanReadError(f"văn bản có {len(lines)} dòng, tối đa {MAX_PLAN_LINES}")
    findings: list[Finding] = []
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

    activities = []
    for row in schedule.rows:
        activity = _activity(row, schedule.columns, default_year, window, directory, findings)
        if activity is not None:
            activities.append(activity)

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
    )
    plan.findings.extend(lint(lines, plan, body_end))
    plan.findings.sort(key=lambda f: (f.line is None, f.line or 0))
    return plan


def _activity(
    row: _Row,
    columns: dict[str, int],
    default_year: int | None,
    window: Window | None,
    directory: UnitDirectory | None,
    findings: list[Finding],
) -> PlannedActivity | None:
    cells = row.cells

    def cell(column: str) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    no = int(_ROW_NUMBER.match(cell("no"))[1])  # type: ignore[index]
    needed = max(columns[c] for c in _REQUIRED) + 1
    if len(cells) < needed:
        findings.append(
            Finding(
                kind="missing_column",
                line=row.line,
                message=f"hoạt động {no}: dòng chỉ có {len(cells)} cột, bảng cần {needed}",
            )
        )
        return None
    try:
        when = parse_when(cell("time"), default_year)
    except DateError as exc:
        findings.append(Finding(kind="unreadable_date", line=row.line, message=f"hoạt động {no}: {exc}"))
        return None
    start = when.start
    if start is None:  # a deadline runs from the campaign's start
        start = min(window.start, when.end) if window else when.end
    reading = read_responsible(cell("responsible"), directory)
    for kind, message in reading.problems:
        findings.append(Finding(kind=kind, line=row.line, message=f"hoạt động {no}: {message}"))
    if not reading.parties:
        findings.append(
            Finding(kind="no_responsible", line=row.line, message=f"hoạt động {no}: chưa ghi đơn vị phụ trách")
        )
    return PlannedActivity(
        no=no,
        title=cell("title").rstrip(),
        kind=when.kind,
        start=start,
        end=when.end,
        place=cell("place"),
        responsible=reading.parties,
        line=row.line,
    )


def import_plan(path: str | Path, directory: UnitDirectory | None = None) -> Plan:
    """Read and import a plan document; raises PlanReadError when it is not a plan."""
    return import_lines(read_lines(path), directory)
