"""The small three-row plan as offices really send it: Word files that went through Track Changes, with
content controls, list numbering, merged and nested cells, the code in the page header, TCVN3 and VNI
fonts; PDFs with bold made by painting twice, inflating streams; scans and photos; a legacy .doc.

Every writer makes the same plan as harness.plan_documents.write_docx(ROWS) shows, only stored the way
the feature stores it (the tests check each imports to the same plan)."""

from __future__ import annotations

import copy
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement

from campaign.formats.legacy import TCVN3_TO_UNICODE, VNI_TO_UNICODE
from harness.plan_documents import DEJAVU, HEADER, plan_text

ROWS = [
    ["1", "Ra quân Tháng Thanh niên", "05/3/2024", "Nhà Văn hóa Thanh niên", "Đoàn Sở Văn hóa và Thể thao"],
    ["2", "Hiến máu tình nguyện", "16/3/2024", "Bệnh viện Truyền máu", "Đoàn Bảo hiểm xã hội"],
    ["3", "Ngày Chủ nhật xanh", "24/3/2024", "Khu Công nghệ cao", "Đoàn Khu Công nghệ cao"],
]


def plain_docx(path: Path, rows: list[list[str]] = ROWS, change: Callable[[Any], None] | None = None) -> Path:
    """The plan as a plain .docx (paragraphs, then one table); `change` edits the document first."""
    lines, table = plan_text(rows)
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    grid = document.add_table(rows=0, cols=len(table[0]))
    for row in table:
        for cell, text in zip(grid.add_row().cells, row, strict=False):
            cell.text = text
    if change is not None:
        change(document)
    document.save(str(path))
    return path


def with_widths(document: Any) -> None:
    """Column widths, and a paragraph after the table, as Word always writes them (LibreOffice drops a
    .doc table that ends the document)."""
    from docx.shared import Cm

    document.add_paragraph("")
    for column, width in zip(_table(document).columns, (1.2, 6, 3.5, 4.5, 5.5), strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _table(document: Any) -> Any:
    return document.tables[0]


def _run(text: str, font: str | None = None) -> Any:
    run = OxmlElement("w:r")
    if font:
        properties = OxmlElement("w:rPr")
        fonts = OxmlElement("w:rFonts")
        for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
            fonts.set(qn(attribute), font)
        properties.append(fonts)
        run.append(properties)
    t = OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    run.append(t)
    return run


def _revision(tag: str, *runs: Any) -> Any:
    mark = OxmlElement(tag)
    mark.set(qn("w:id"), str(abs(hash((tag, len(runs)))) % 10000))
    mark.set(qn("w:author"), "Văn phòng")
    mark.set(qn("w:date"), "2024-02-28T09:00:00Z")
    for run in runs:
        if tag == "w:del":
            for t in run.findall(qn("w:t")):
                t.tag = qn("w:delText")
        mark.append(run)
    return mark


def _set_cell(cell: Any, *content: Any) -> None:
    paragraph = cell.paragraphs[0]._p
    for run in paragraph.findall(qn("w:r")):
        paragraph.remove(run)
    for element in content:
        paragraph.append(element)


def tracked_changes(path: Path) -> Path:
    """A unit added as an insertion; a date changed as deletion + insertion; a deleted row; a deleted word."""

    def change(document: Any) -> None:
        table = _table(document)
        _set_cell(table.cell(1, 4), _run("Đoàn Sở Văn hóa"), _revision("w:ins", _run(" và Thể thao")))
        _set_cell(table.cell(2, 2), _revision("w:del", _run("15/3/2024")), _revision("w:ins", _run("16/3/2024")))
        _set_cell(table.cell(3, 1), _run("Ngày Chủ nhật "), _revision("w:del", _run("rất ")), _run("xanh"))
        extra = copy.deepcopy(table.rows[3]._tr)  # a row the reviewer deleted
        properties = extra.get_or_add_trPr()
        properties.append(_revision("w:del"))
        table._tbl.append(extra)

    return plain_docx(path, change=change)


def list_numbered(path: Path) -> Path:
    """The TT cells empty in the XML, numbered by the "List Number" style (Word shows 1., 2., 3.)."""

    def change(document: Any) -> None:
        for row in _table(document).rows[1:]:
            cell = row.cells[0]
            cell.text = ""
            cell.paragraphs[0].style = document.styles["List Number"]

    return plain_docx(path, change=change)


def _sdt(*content: Any, date: str | None = None, placeholder: bool = False) -> Any:
    control = OxmlElement("w:sdt")
    properties = OxmlElement("w:sdtPr")
    if placeholder:
        properties.append(OxmlElement("w:showingPlcHdr"))
    if date:
        picker = OxmlElement("w:date")
        picker.set(qn("w:fullDate"), date)
        fmt = OxmlElement("w:dateFormat")
        fmt.set(qn("w:val"), "dd/MM/yyyy")
        picker.append(fmt)
        properties.append(picker)
    control.append(properties)
    body = OxmlElement("w:sdtContent")
    for element in content:
        body.append(element)
    control.append(body)
    return control


def content_controls(path: Path) -> Path:
    """The table inside a block control; dates in date pickers (one shows its text, one only its stored
    date); a row inside a row-level control; a cell inside a cell-level control; a title in a run control."""

    def change(document: Any) -> None:
        table = _table(document)
        _set_cell(table.cell(1, 2), _sdt(_run("05/3/2024"), date="2024-03-05T00:00:00Z"))
        _set_cell(table.cell(2, 2), _sdt(date="2024-03-16T00:00:00Z"))
        _set_cell(table.cell(3, 1), _run("Ngày "), _sdt(_run("Chủ nhật xanh")))
        _set_cell(table.cell(1, 3), _run("Nhà Văn hóa Thanh niên"), _sdt(_run("Bấm để nhập"), placeholder=True))
        tr = table.rows[2]._tr
        tc = tr.findall(qn("w:tc"))[4]
        tr.replace(tc, _sdt(copy.deepcopy(tc)))  # a cell-level control
        row = table.rows[3]._tr
        row.getparent().replace(row, _sdt(copy.deepcopy(row)))  # a row-level control
        tbl = table._tbl
        tbl.getparent().replace(tbl, _sdt(copy.deepcopy(tbl)))  # a block-level control

    return plain_docx(path, change=change)


def merged_across(path: Path) -> Path:
    """Row 1's THỜI GIAN and ĐỊA ĐIỂM merged into one cell (gridSpan 2)."""

    def change(document: Any) -> None:
        table = _table(document)
        first = table.cell(1, 2)
        first.merge(table.cell(1, 3))
        first.text = "05/3/2024"

    return plain_docx(path, change=change)


def nested(path: Path) -> Path:
    """The whole plan laid out inside a one-cell table (the schedule a table inside its cell)."""

    def change(document: Any) -> None:
        body = document.element.body
        blocks = [e for e in body if e.tag in (qn("w:p"), qn("w:tbl"))]
        outer = document.add_table(rows=1, cols=1)
        cell = outer.cell(0, 0)._tc
        for p in cell.findall(qn("w:p")):
            cell.remove(p)
        for block in blocks:
            cell.append(block)
        cell.append(OxmlElement("w:p"))  # a cell ends with a paragraph

    return plain_docx(path, change=change)


def code_in_header(path: Path) -> Path:
    """The plan's number and date only in the page header part."""

    def change(document: Any) -> None:
        body = document.element.body
        for paragraph in list(document.paragraphs):
            if paragraph.text.startswith(("Số:", "TP. Hồ Chí Minh")):
                body.remove(paragraph._p)
        header = document.sections[0].header
        header.is_linked_to_previous = False
        header.paragraphs[0].text = "Số: 12-KH/ĐTN"
        header.add_paragraph("TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2024")

    return plain_docx(path, change=change)


def _encoder(table: dict[str, str]) -> Callable[[str], str]:
    inverse: dict[str, str] = {}
    for code, letter in sorted(table.items(), key=lambda item: len(item[0])):
        inverse.setdefault(letter, code)

    def encode(text: str) -> str:
        return "".join(inverse.get(c, c) for c in text)

    return encode


to_tcvn3 = _encoder(TCVN3_TO_UNICODE)
to_vni = _encoder(VNI_TO_UNICODE)


def legacy_fonts(
    path: Path, font: str, encode: Callable[[str], str], capitals_font: str | None = None, unicode_paragraphs: int = 0
) -> Path:
    """Every run re-typed in a legacy font; upper-case lines in `capitals_font` (.VnTimeH), typed as its
    users type them, in lower case. The first `unicode_paragraphs` paragraphs stay in Unicode."""

    def change(document: Any) -> None:
        body = document.element.body
        for index, paragraph in enumerate(body.iter(qn("w:p"))):
            if index < unicode_paragraphs:
                continue
            for run in paragraph.findall(qn("w:r")):
                text = "".join(t.text or "" for t in run.findall(qn("w:t")))
                capitals = capitals_font and text.isupper() and any(c.isalpha() for c in text)
                shown = encode(text.lower()) if capitals else encode(text)
                paragraph.replace(run, _run(shown, capitals_font if capitals else font))

    return plain_docx(path, change=change)


# --- PDF ---------------------------------------------------------------------------------------------


def bold_by_overprinting(path: Path) -> Path:
    """The plan drawn on a page with every heading and header cell painted twice, 0.3 pt apart."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", str(DEJAVU)))
    lines, table = plan_text(ROWS)
    page = canvas.Canvas(str(path), pagesize=landscape(A4))
    height = landscape(A4)[1]

    def text(x: float, y: float, words: str, bold: bool) -> None:
        page.setFont("DejaVu", 10)
        page.drawString(x, y, words)
        if bold:
            page.drawString(x + 0.3, y, words)

    y = height - 50
    for line in lines:
        text(50, y, line, bold=line.isupper() and bool(line.strip()))
        y -= 14
    widths = [40, 200, 110, 140, 200]
    top = y - 6
    for index, row in enumerate(table):
        x = 50
        for cell, w in zip(row, widths, strict=True):
            text(x + 3, top - 14, cell, bold=index == 0)
            x += w
        top -= 22
    rows_y = [y - 6 - 22 * i for i in range(len(table) + 1)]
    for ry in rows_y:
        page.line(50, ry, 50 + sum(widths), ry)
    x = 50
    for w in [0, *widths]:
        x += w
        page.line(x, rows_y[0], x, rows_y[-1])
    page.save()
    return path


def pdf_bomb(path: Path, inflated: int = 120 * 1024 * 1024) -> Path:
    """A small, valid PDF whose one content stream inflates to `inflated` bytes of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    stream = b"".join(packer.compress(chunk) for _ in range(inflated // len(chunk))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


# --- scans, photos, .doc -----------------------------------------------------------------------------


def photo(path: Path, pdf: Path, dpi: int = 200) -> Path:
    """The text-layer PDF's page drawn as a picture (a clean scan), saved as PNG or JPEG by suffix."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as document:
        image = document.pages[0].to_image(resolution=dpi).original.convert("L")
    image.save(str(path))
    return path


def scanned_pdf(path: Path, picture: Path, pages: int = 1) -> Path:
    """A PDF whose pages are only the picture (no text layer), as a scanner makes it."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    width, height = landscape(A4)
    with Image.open(picture) as image:
        assert image.size[0] > image.size[1]
    page = canvas.Canvas(str(path), pagesize=(width, height))
    for _ in range(pages):
        page.drawImage(str(picture), 0, 0, width=width, height=height)
        page.showPage()
    page.save()
    return path


def huge_png(path: Path, width: int = 20_000, height: int = 20_000) -> Path:
    """A PNG that says it is width × height pixels (its data a few bytes: decoding it would take GBs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1000)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    return path


def word97(path: Path, docx_path: Path) -> Path:
    """The .docx saved as a Word 97–2003 .doc by LibreOffice (a round trip through the converter)."""
    folder = path.parent / "doc-out"
    folder.mkdir(exist_ok=True)
    profile = (path.parent / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(folder),
            str(docx_path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (folder / (docx_path.stem + ".doc")).rename(path)
    return path


__all__ = ["HEADER", "ROWS"]
