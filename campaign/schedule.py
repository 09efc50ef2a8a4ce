"""The schedule table (LỊCH HOẠT ĐỘNG): its header row, wherever it repeats, its numbered rows,
sub-items and wrapped rows, as raw activities (campaign.raw) the importer reads like the body's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from campaign.dates import format_when
from campaign.formats import PlanReadError
from campaign.headers import COLUMN_WORDS, REQUIRED, HeaderRow, columns_read, header_row
from campaign.parties import read_responsible
from campaign.plan import Finding, PlannedActivity, ResponsibleParty
from campaign.raw import Context, RawActivity, read_activity
from campaign.text import fold, squash, strip_markup

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
    more_lines: list[int] = field(default_factory=list)  # lines that continue it (a wrapped row, a sub-item)


@dataclass
class Schedule:
    """The table as read: its header, numbered rows and what the reader noticed."""

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


def find_schedule(lines: list[str]) -> Schedule | None:
    """The schedule table, or None when the plan has none; raises PlanReadError when its only
    candidate lacks a column (and the body gives no activities either: see `incomplete`)."""
    schedule: Schedule | None = None
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
                schedule = Schedule(number, header)
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
            _continue_row(main, number, cells, schedule.columns["no"], time_column, schedule.columns.get("title", -1))
        elif number_cell:
            schedule.findings.append(
                Finding(
                    kind="unread_row",
                    line=number,
                    message=f"hàng có số thứ tự “{number_cell[:20]}” không đọc được; bỏ qua hàng này",
                )
            )
        elif schedule.rows and any(cells):
            _continue_row(schedule.rows[-1], number, cells, schedule.columns["no"])  # a wrapped row
    if schedule is None:
        if incomplete is not None:
            raise IncompleteSchedule(_missing_columns(*incomplete))
        return None
    if not schedule.rows:
        raise PlanReadError(f"dòng {schedule.header_line}: bảng lịch hoạt động không có hoạt động nào")
    return schedule


def _continue_row(row: _Row, number: int, cells: list[str], *keep: int) -> None:
    """A wrapped row: its cells continue the previous row's (the columns in `keep` stay as they are)."""
    row.more_lines.append(number)
    for index, text in enumerate(cells):
        if text and index < len(row.cells) and index not in keep:
            row.cells[index] = squash(f"{row.cells[index]} {text}")


class IncompleteSchedule(Exception):
    """The plan's only schedule-like table lacks a column; `refusal` is what to say if the body gives
    no activities either."""

    def __init__(self, refusal: PlanReadError):
        super().__init__(str(refusal))
        self.refusal = refusal


def table_end(lines: list[str], schedule: Schedule) -> int:
    """Index of the line where the schedule's own heading starts (LỊCH HOẠT ĐỘNG)."""
    for i in range(schedule.header_line - 1, -1, -1):
        if fold(lines[i]).startswith("lich hoat dong"):
            return i
    return schedule.header_line - 1


def _raw(row: _Row, shown: str, columns: dict[str, int], findings: list[Finding]) -> RawActivity | None:
    """A row's cells as a raw activity; None (with a finding) when it lacks the columns it needs."""
    needed = max(columns[c] for c in REQUIRED) + 1
    if len(row.cells) < needed:
        findings.append(
            Finding(
                kind="missing_column",
                line=row.line,
                message=f"hoạt động {shown}: dòng chỉ có {len(row.cells)} cột, bảng cần {needed}",
            )
        )
        return None

    def cell(column: str) -> str:
        return _cell(row.cells, columns.get(column))

    return RawActivity(
        title=cell("title"),
        time=cell("time"),
        line=row.line,
        place=cell("place"),
        lead=cell("lead"),
        support=cell("support") if "support" in columns else None,
        source_lines=list(row.more_lines),
        label=row.label,
        parent=row.parent,
    )


def table_activities(schedule: Schedule, context: Context, findings: list[Finding]) -> list[PlannedActivity]:
    """One activity per numbered row, and per sub-item with its own date (numbered after the rows,
    shown as written); a numbered row whose only dates are its sub-items' is their heading."""
    columns = schedule.columns
    headings = {row.parent for row in schedule.rows if row.parent is not None}
    spare = iter(range(max((r.no for r in schedule.rows if r.no is not None), default=0) + 1, 10**6))
    activities: list[PlannedActivity] = []
    by_no: dict[int, PlannedActivity] = {}
    heading_units: dict[int, list[ResponsibleParty]] = {}  # a heading row's units, for its sub-items
    for row in schedule.rows:
        no = next(spare) if row.no is None else row.no
        if row.no is not None and no in headings and not _cell(row.cells, columns["time"]).strip():
            lead = _cell(row.cells, columns["lead"])
            heading_units[no] = read_responsible(lead, context.directory, own_directory=context.own_directory).parties
            continue
        parent: PlannedActivity | None = None
        inherited: list[ResponsibleParty] = []
        if row.parent is not None:  # a sub-item: its parent's units, or its heading row's
            parent = by_no.get(row.parent)
            inherited = parent.responsible if parent else heading_units.get(row.parent, [])
        raw = _raw(row, row.label or str(no), columns, findings)
        activity = read_activity(raw, no, context, findings, inherited, COLUMN_WORDS["lead"]) if raw else None
        if activity is None:
            continue
        activities.append(activity)
        if row.no is not None:
            by_no.setdefault(no, activity)
        if (
            parent
            and not (parent.date_unread or activity.date_unread)
            and not (parent.start <= activity.start and activity.end <= parent.end)
        ):
            findings.append(
                Finding(
                    kind="sub_item_outside",
                    line=activity.line,
                    message=f"mục {activity.label} ({format_when(activity.when)}) "
                    f"nằm ngoài thời gian của hoạt động {parent.no} ({format_when(parent.when)})",
                )
            )
    return activities
