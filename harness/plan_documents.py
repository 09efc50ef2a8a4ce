"""Crafted plan documents in the seed's conventions, as .txt and .docx."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import docx

HEADER = ["TT", "HOẠT ĐỘNG", "THỜI GIAN", "ĐỊA ĐIỂM", "GHI CHÚ"]


def plan_text(
    rows: list[list[str]], header: list[str] = HEADER, body: Sequence[str] = (), repeat_at: int | None = None
) -> tuple[list[str], list[list[str]]]:
    """A small plan: its lines (heading, window, body, Nơi nhận, the schedule's title) and its table's rows."""
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
    path.write_text("\n".join([*lines, *("\t".join(r) for r in table)]) + "\n", encoding="utf-8")
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


def write_pipe(path: Path, rows: list[list[str]], **kwargs) -> Path:
    """A Markdown-like pipe table, with its |---| rule line."""
    lines, table = plan_text(rows, **kwargs)
    pipe = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    pipe += ["| " + " | ".join(row) + " |" for row in table[1:]]
    path.write_text("\n".join([*lines, *pipe]) + "\n", encoding="utf-8")
    return path


def write_word_tables(path: Path, tables: list[list[list[str]]], merged_down: Sequence[tuple[int, int, int, int]] = (),
                      **kwargs) -> Path:  # fmt: skip
    """A .docx whose schedule is one or more Word tables (a table continued on the next page);
    `merged_down` holds (table, column, first row, last row) cells merged vertically, the text in the first."""
    lines, _ = plan_text([], **kwargs)
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    for number, table in enumerate(tables):
        if number:
            document.add_page_break()
        grid = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            for cell, text in zip(grid.add_row().cells, row, strict=False):
                cell.text = text
        for which, column, first, last in merged_down:
            if which == number:
                top = grid.cell(first, column)
                text = top.text
                top.merge(grid.cell(last, column))
                top.text = text
    document.save(str(path))
    return path


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def write_pdf(path: Path, rows: list[list[str]], **kwargs) -> Path:
    """A PDF with a text layer (reportlab, a Unicode font): the plan's lines, then the schedule as a ruled table."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(TTFont("DejaVu", str(DEJAVU)))
    style = ParagraphStyle("plan", fontName="DejaVu", fontSize=10, leading=13)
    lines, table = plan_text(rows, **kwargs)
    story: list = [Paragraph(line or "&nbsp;", style) for line in lines]
    grid = Table([[Paragraph(cell, style) for cell in row] for row in table], colWidths=[40, 200, 110, 140, 200])
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("FONTNAME", (0, 0), (-1, -1), "DejaVu")]))
    story.append(grid)
    SimpleDocTemplate(str(path), pagesize=landscape(A4)).build(story)
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF page with only a picture of text (no text layer), as a scanner makes it."""
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path))
    for y in range(700, 300, -20):
        page.rect(72, y, 400, 8, fill=1)  # dark bars where a scan would show lines of text
    page.save()
    return path
