"""Crafted plan documents in the seed's conventions, as .txt and .docx."""

from __future__ import annotations

from pathlib import Path

import docx

HEADER = ["TT", "HOẠT ĐỘNG", "THỜI GIAN", "ĐỊA ĐIỂM", "GHI CHÚ"]


def plan_text(
    rows: list[list[str]], header: list[str] = HEADER, body: list[str] = (), repeat_at: int | None = None
) -> list[str]:
    """Lines of a small plan: heading, window, body, Nơi nhận, and the schedule."""
    lines = [
        "ĐOÀN KHỐI",
        "Số: 12-KH/ĐTN",
        "TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2024",
        "",
        "KẾ HOẠCH",
        "Tổ chức Tháng Thanh niên năm 2024",
        "(Từ ngày 01/3 đến ngày 31/3/2024)",
        "",
        "I. MỤC ĐÍCH - YÊU CẦU:",
        *body,
        "Nơi nhận:",
        "- BTV Đoàn Khối;",
        "- Cơ sở Đoàn;",
        "- Lưu: VP.",
        "",
        "LỊCH HOẠT ĐỘNG",
    ]
    table = [header, *rows]
    if repeat_at is not None:
        table.insert(repeat_at + 1, header)
    return lines, table


def write_txt(path: Path, rows: list[list[str]], **kwargs) -> Path:
    lines, table = plan_text(rows, **kwargs)
    path.write_text("\n".join(lines + ["\t".join(r) for r in table]) + "\n", encoding="utf-8")
    return path


def write_docx(path: Path, rows: list[list[str]], **kwargs) -> Path:
    lines, table = plan_text(rows, **kwargs)
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    grid = document.add_table(rows=0, cols=len(table[0]))
    for row in table:
        cells = grid.add_row().cells
        for cell, text in zip(cells, row, strict=False):
            cell.text = text
    document.save(str(path))
    return path


WRITERS = {"txt": write_txt, "docx": write_docx}
