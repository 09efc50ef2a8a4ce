"""Reading a plan document (.txt, .docx or a PDF with a text layer) into numbered lines.

Tables become tab-separated lines so both formats share one importer; a .docx
paragraph or table row is one line, numbered from 1 in document order.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

from campaign.escape import visible
from campaign.limits import MAX_DOCX_UNPACKED_BYTES, MAX_PDF_PAGES, MAX_PLAN_BYTES, MAX_PLAN_LINES
from campaign.text import nfc, squash


class PlanReadError(ValueError):
    """The file cannot be read as a plan; the message is one Vietnamese line."""


def read_lines(path: str | Path) -> list[str]:
    """The document's lines; refused before reading when it is not a regular file or is too large."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise PlanReadError(f"không tìm thấy tệp {path}") from None
    except OSError as exc:
        raise PlanReadError(f"không đọc được tệp {path}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise PlanReadError(f"{path} là thư mục, không phải tệp kế hoạch")
    if not stat.S_ISREG(info.st_mode):
        raise PlanReadError(f"{path} không phải tệp thông thường (thiết bị, ống dẫn hay socket), không đọc")
    if info.st_size > MAX_PLAN_BYTES:
        raise PlanReadError(f"tệp {path} quá lớn ({_megabytes(info.st_size)}, tối đa {_megabytes(MAX_PLAN_BYTES)})")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise PlanReadError(f"không đọc được tệp {path}: {exc.strerror}") from None
    if len(data) > MAX_PLAN_BYTES:
        raise PlanReadError(f"tệp {path} quá lớn (tối đa {_megabytes(MAX_PLAN_BYTES)})")
    return lines_of(data, str(path))


def lines_of(data: bytes, name: str) -> list[str]:
    """The lines of a plan document given as bytes (a file's or an upload's); `name` for messages."""
    if len(data) > MAX_PLAN_BYTES:
        raise PlanReadError(f"tệp {name} quá lớn (tối đa {_megabytes(MAX_PLAN_BYTES)})")
    if not data.strip():
        raise PlanReadError(f"tệp {name} trống")
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)):
        lines = _docx_lines(data, name)
    elif data.startswith(b"%PDF"):
        lines = _pdf_lines(data, name)
    else:
        lines = _text_lines(data, name)
    if len(lines) > MAX_PLAN_LINES:
        raise PlanReadError(f"tệp {name} có {len(lines)} dòng, tối đa {MAX_PLAN_LINES}")
    return [visible(line) for line in lines]


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size} byte"


def _text_lines(data: bytes, name: str) -> list[str]:
    if b"\x00" in data:
        raise PlanReadError(f"tệp {name} là tệp nhị phân, không phải văn bản kế hoạch")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanReadError(
            f"tệp {name} không phải văn bản UTF-8 (byte lạ ở vị trí {exc.start}); hãy lưu lại dưới dạng UTF-8"
        ) from None
    return nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _docx_lines(data: bytes, name: str) -> list[str]:
    import docx  # python-docx, imported here so .txt users never pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a zip bomb is refused before anything is unpacked
        unpacked = sum(entry.file_size for entry in archive.infolist())
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise PlanReadError(
            f"tệp {name} giải nén ra {_megabytes(unpacked)}, quá giới hạn {_megabytes(MAX_DOCX_UNPACKED_BYTES)}"
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for bad files
        raise PlanReadError(f"tệp {name} không phải tệp .docx hợp lệ ({type(exc).__name__})") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(nfc(block.text))
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                previous = None
                for cell in row.cells:
                    if cell._tc is previous:  # a merged cell repeats; keep it once
                        continue
                    previous = cell._tc
                    cells.append(squash(nfc(cell.text)))
                lines.append("\t".join(cells))
            lines.append("")
    return lines


def _pdf_lines(data: bytes, name: str) -> list[str]:
    """A PDF's text layer: lines outside tables as they stand, each table row as tab-separated cells,
    in reading order page by page. A cell merged down from the row above (None to pdfplumber) takes
    that row's text, except in the first column, whose number belongs to one row only."""
    import pdfplumber  # imported here so .txt and .docx users never pay for it

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises several unrelated types for bad files
        raise PlanReadError(f"tệp {name} không phải tệp PDF đọc được ({type(exc).__name__})") from None
    with pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise PlanReadError(f"tệp {name} có {len(pdf.pages)} trang, tối đa {MAX_PDF_PAGES}")
        try:
            lines = _pdf_text(pdf)
        except Exception as exc:  # a damaged page: what pdfminer raises is its own business
            raise PlanReadError(f"tệp {name} có trang PDF không đọc được ({type(exc).__name__})") from None
    if not any(line.strip() for line in lines):
        raise PlanReadError(
            f"tệp {name} là PDF không có lớp chữ (bản quét?); cần bản PDF có chữ, hoặc tệp .docx hay .txt"
        )
    return lines


def _pdf_text(pdf: Any) -> list[str]:
    lines: list[str] = []
    for page in pdf.pages:
        tables = page.find_tables()
        boxes = [table.bbox for table in tables]
        placed: list[tuple[float, list[str]]] = [(table.bbox[1], _table_rows(table.extract())) for table in tables]
        for line in page.extract_text_lines():
            middle = (line["top"] + line["bottom"]) / 2
            if not any(x0 <= line["x0"] <= x1 and top <= middle <= bottom for x0, top, x1, bottom in boxes):
                placed.append((line["top"], [line["text"]]))
        for _, block in sorted(placed, key=lambda item: item[0]):
            lines.extend(nfc(text) for text in block)
    return lines


def _table_rows(rows: list[list[str | None]]) -> list[str]:
    out: list[str] = []
    above: list[str] = []
    for row in rows:
        cells = [
            squash(nfc(cell)) if cell is not None else (above[i] if 0 < i < len(above) else "")
            for i, cell in enumerate(row)
        ]
        out.append("\t".join(cells))
        above = cells
    return [*out, ""]
