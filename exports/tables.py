"""XLSX (a summary sheet, one sheet per activity) and CSV (one row per activity and unit)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from campaign.duty import STATUS_WORDS, Duty, DutyAnswer
from campaign.escape import spreadsheet_text
from campaign.final_report import (
    ROLE_WORDS,
    SUMMARY_HEADINGS,
    UNIT_HEADINGS,
    CampaignReport,
    outcome_words,
    summary_row,
    total_row,
    totals,
    unit_row,
)
from campaign.tracker import phase_words

BOLD = Font(bold=True)


def _sheet_title(no: int, title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title)
    return f"{no}. {cleaned}"[:31].strip()


def _as_text(sheet: Worksheet) -> None:
    """The last row's text stays text: a value beginning with "=" is not run as a formula."""
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"


def _append(sheet: Worksheet, row: Sequence[object]) -> None:
    sheet.append(row)
    _as_text(sheet)


def write_xlsx(report: CampaignReport, path: Path, chart: Path | None = None) -> Path:
    book = Workbook()
    summary = book.active
    summary.title = "Tổng hợp"
    _append(summary, [f"Báo cáo kết quả Kế hoạch {report.plan_code}"])
    summary["A1"].font = Font(bold=True, size=14)
    _append(summary, [report.title])
    _append(
        summary,
        [f"Từ {report.window_start:%d/%m/%Y} đến {report.window_end:%d/%m/%Y}; chiến dịch {report.campaign_id}"],
    )
    _append(summary, [])
    _append(summary, SUMMARY_HEADINGS)
    for cell in summary[5]:
        cell.font = BOLD
    rows = [totals(a) for a in report.activities]
    for t in rows:
        _append(summary, summary_row(t))
    _append(summary, total_row(rows))
    for cell in summary[summary.max_row]:
        cell.font = BOLD
    summary.column_dimensions["B"].width = 60
    if chart is not None:
        summary.add_image(Image(str(chart)), f"A{summary.max_row + 3}")
    for activity in report.activities:
        sheet = book.create_sheet(_sheet_title(activity.no, activity.title))
        _append(sheet, [f"{activity.no}. {activity.title}"])
        sheet["A1"].font = BOLD
        _append(
            sheet, [f"{activity.start:%d/%m/%Y}–{activity.end:%d/%m/%Y}", activity.place, phase_words(activity.phase)]
        )
        _append(sheet, [])
        _append(sheet, [*UNIT_HEADINGS, "Nội dung báo cáo", *duty_headings(activity.duties)])
        for cell in sheet[4]:
            cell.font = BOLD
        for u in activity.units:
            _append(sheet, [*unit_row(u), u.summary or None, *duty_cells(activity.duties, u.duties)])
        sheet.column_dimensions["A"].width = 40
        sheet.column_dimensions["H"].width = 60
    book.save(path)
    return path


def duty_headings(duties: Sequence[Duty]) -> list[str]:
    """The report on the plan's columns, per duty: its answer, the note, participants, and its count when
    the plan names one."""
    headings: list[str] = []
    for d in duties:
        headings += [f"NV{d.no}: {d.short}", f"NV{d.no}: ghi chú", f"NV{d.no}: người tham gia"]
        headings += [f"NV{d.no}: số {d.count_label}"] if d.count_label else []
    return headings


def duty_cells(duties: Sequence[Duty], answers: Sequence[DutyAnswer]) -> list[object]:
    """A unit's answers in the columns of `duty_headings` (empty where it sent no answer)."""
    by_no = {a.duty: a for a in answers}
    cells: list[object] = []
    for d in duties:
        a = by_no.get(d.no)
        cells += [STATUS_WORDS[a.status] if a else None, (a.note or None) if a else None,
                  a.participants if a else None]  # fmt: skip
        cells += [a.count if a else None] if d.count_label else []
    return cells


# Headings a clerk reads in Excel; "Kết quả (mã)" keeps the outcome's code for whoever filters by it.
CSV_HEADINGS = ["Mã chiến dịch", "TT hoạt động", "Hoạt động", "Giai đoạn", "Mã đơn vị", "Đơn vị", "Vai trò",
                "Kết quả (mã)", "Kết quả", "Lần báo cáo", "Số người tham gia", "Số người được hưởng lợi",
                "Mức báo cáo Ban Thường vụ", "Tóm tắt kết quả"]  # fmt: skip


def render_csv(report: CampaignReport) -> str:
    """One row per unit and activity; the report on the plan's duties in the last columns (as in the
    workbook's sheet for that activity), empty on the other activities' rows."""
    duties = next((a.duties for a in report.activities if a.duties), [])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_HEADINGS, *duty_headings(duties)])
    for a in report.activities:
        for u in a.units:
            outcome = u.outcome.value if u.outcome else ""
            row = [
                *(
                    report.campaign_id,
                    a.no,
                    a.title,
                    phase_words(a.phase),
                    u.code,
                    u.name,
                    ROLE_WORDS.get(u.role, u.role),
                ),
                outcome,
                *(outcome_words(u.outcome), u.revision, u.participants, u.beneficiaries, u.escalation_level, u.summary),
                *duty_cells(duties, u.duties if a.duties else []),
            ]
            writer.writerow([spreadsheet_text(v) for v in row])
    return out.getvalue()
