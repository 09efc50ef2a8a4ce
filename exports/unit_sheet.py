"""The unit directory as an .xlsx sheet, the way offices keep the list: one row per unit, the columns of
campaign.directory_rules.COLUMNS (Mã, Tên đơn vị, Tên khác, E-mail, Cụm, Loại, Người liên hệ).

Reading finds the heading row among the first rows (headings matched without diacritics, so "Ma don vi"
or "E-mail" in any case will do), keeps each row's line number for the messages, and leaves a column the
sheet lacks as "not given" (the unit's current value stays).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from campaign.directory_rules import COLUMNS, Typed, shown
from campaign.text import fold
from campaign.units import Unit

MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000
HEADING_ROWS = 10  # the heading row is one of the first rows (a title may sit above it)
SHEET_TITLE = "Danh bạ đơn vị"
# Folded headings each column is known by.
HEADINGS: dict[str, set[str]] = {
    "code": {"ma", "ma don vi", "ma dv", "code"},
    "name": {"ten", "ten don vi", "don vi", "name"},
    "aliases": {"ten khac", "bi danh", "ten goi khac", "aliases"},
    "email": {"e mail", "email", "thu dien tu", "dia chi e mail", "dia chi email"},
    "cluster": {"cum", "cum hoat dong", "thuoc cum", "cluster"},
    "kind": {"loai", "loai don vi", "kind"},
    "contact": {"nguoi lien he", "lien he", "contact"},
}


class SheetError(ValueError):
    """A file that cannot be read as the directory's sheet; the message is Vietnamese."""


def units_workbook(units: Sequence[Unit]) -> bytes:
    """The units as an .xlsx file: a heading row, then one row per unit (every value kept as text)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append([heading for _, heading in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for unit in units:
        sheet.append([shown(unit, name) or None for name, _ in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name beginning with "=" stays a name, not a formula
    for index, width in enumerate((16, 44, 40, 30, 12, 16, 30), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


def _columns(row: Sequence[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, value in enumerate(row):
        key = fold(_text(value))
        for name, words in HEADINGS.items():
            if key in words and name not in found:
                found[name] = index
    return found


def sheet_rows(data: bytes) -> tuple[list[Typed], dict[str, str]]:
    """Each unit row of the first sheet (empty rows skipped) and the column letter of each field found.

    Raises SheetError when the file is not an .xlsx, is too large, or has no heading row naming at least
    the code and the name columns."""
    if len(data) > MAX_SHEET_BYTES:
        raise SheetError(f"tệp lớn quá {MAX_SHEET_BYTES // 2**20} MB")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SheetError("tệp không phải bảng tính Excel .xlsx (nếu là .xls hay .csv, mở bằng Excel rồi lưu "
                         "thành .xlsx)") from None  # fmt: skip
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise SheetError("bảng tính không có trang nào")
        rows = sheet.iter_rows(values_only=True)
        columns: dict[str, int] = {}
        line = 0
        for line, row in enumerate(rows, start=1):
            columns = _columns(row)
            if "code" in columns and "name" in columns:
                break
            if line >= HEADING_ROWS:
                break
        if "code" not in columns or "name" not in columns:
            raise SheetError(f"không thấy hàng tiêu đề có cột “Mã” và “Tên đơn vị” trong {HEADING_ROWS} dòng đầu "
                             "(tải tệp mẫu bằng nút Xuất .xlsx)")  # fmt: skip
        typed: list[Typed] = []
        for number, row in enumerate(rows, start=line + 1):
            values = {name: _text(row[index]) if index < len(row) else "" for name, index in columns.items()}
            if not any(values.values()):
                continue
            if len(typed) >= MAX_ROWS:
                raise SheetError(f"bảng tính có quá {MAX_ROWS} đơn vị")
            typed.append(Typed(**values, line=number))
    finally:
        book.close()
    letters = {name: get_column_letter(index + 1) for name, index in columns.items()}
    return typed, letters
