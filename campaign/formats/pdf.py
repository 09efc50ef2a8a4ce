"""A PDF as a reader shows it: lines outside tables as they stand, each table row as tab-separated
cells, in reading order page by page. Characters painted twice (bold made by overprinting) are
kept once before tables and lines are found; a page without a text layer is read by OCR.

Bounds, checked before the work: the pages' count, the size every stream inflates to (a small file
that inflates to hundreds of MB is refused unread) and the time spent, checked before each page.
"""

from __future__ import annotations

import io
import re
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from campaign.formats import Document, PlanReadError, legacy, megabytes
from campaign.formats.legacy import Encoding
from campaign.limits import MAX_OCR_PAGES, MAX_PDF_PAGES, MAX_PDF_UNPACKED_BYTES, MAX_READ_SECONDS
from campaign.text import nfc, squash

_STREAM = re.compile(rb"stream\r?\n")
_CHUNK = 64 * 1024


def unpacked_size(data: bytes, limit: int) -> int:
    """What the PDF's deflated streams inflate to, counted up to just past `limit` (never further:
    each stream is inflated a chunk at a time and the count stops once over)."""
    total = 0
    for match in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        position = match.end()
        try:
            while not inflater.eof and position < len(data):
                out = inflater.decompress(data[position : position + _CHUNK], limit - total + 1)
                position += _CHUNK
                total += len(out)
                if total > limit:
                    return total
        except zlib.error:
            continue  # not a deflated stream (or damaged): pdfminer will say so, or ignore it
    return total


def read_pdf(data: bytes, name: str, started: float | None = None) -> Document:
    """The PDF's lines; PlanReadError when it is too large, damaged, too slow, or has no text."""
    import pdfplumber  # imported here so .txt and .docx users never pay for it

    started = time.monotonic() if started is None else started
    unpacked = unpacked_size(data, MAX_PDF_UNPACKED_BYTES)
    if unpacked > MAX_PDF_UNPACKED_BYTES:
        raise PlanReadError(
            f"tệp {name} giải nén ra hơn {megabytes(MAX_PDF_UNPACKED_BYTES)} (giới hạn cho một kế hoạch); không đọc"
        )
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises several unrelated types for bad files
        raise PlanReadError(f"tệp {name} không phải tệp PDF đọc được ({type(exc).__name__})") from None
    document = Document()
    encodings: set[Encoding] = set()
    with pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise PlanReadError(f"tệp {name} có {len(pdf.pages)} trang, tối đa {MAX_PDF_PAGES}")
        scanned = _scanned_pages(pdf, name, started)  # counted first: more than OCR reads is refused at once
        if len(scanned) > MAX_OCR_PAGES:
            raise PlanReadError(
                f"tệp {name} có hơn {MAX_OCR_PAGES} trang bản quét; đề nghị gửi bản có lớp chữ "
                f"(xuất từ Word) hoặc chỉ các trang của kế hoạch"
            )
        for number, page in enumerate(pdf.pages, start=1):
            _in_time(started, name)
            with _page_read(page, name):
                if number in scanned:
                    _ocr_page(page, number, document, name, started)
                else:
                    encodings |= _page_text(page, number, document)
    if not any(line.strip() for line in document.lines):
        if scanned:
            raise PlanReadError(
                f"tệp {name} là bản quét nhưng OCR không đọc được chữ nào; cần bản rõ hơn hoặc tệp .docx"
            )
        raise PlanReadError(
            f"tệp {name} là PDF không có lớp chữ (bản quét?); cần bản PDF có chữ, hoặc tệp .docx hay .txt"
        )
    if scanned:
        from campaign.formats.ocr import note_ocr

        note_ocr(document, f"trang {legacy.lines_shown(sorted(scanned))} là bản quét")
    _legacy_text(document, encodings)
    return document


@contextmanager
def _page_read(page: Any, name: str) -> Iterator[Any]:
    """A page read, then let go; what pdfminer raises on a damaged page is refused naming the file."""
    try:
        yield page
    except PlanReadError:
        raise
    except Exception as exc:  # a damaged page: what pdfminer raises is its own business
        raise PlanReadError(f"tệp {name} có trang PDF không đọc được ({type(exc).__name__})") from None
    finally:
        page.close()


def _scanned_pages(pdf: Any, name: str, started: float) -> set[int]:
    """The numbers of the pages that are a picture without a text layer."""
    scanned = set()
    for number, page in enumerate(pdf.pages, start=1):
        _in_time(started, name)
        with _page_read(page, name):
            if not page.chars and _has_picture(page):
                scanned.add(number)
    return scanned


def _in_time(started: float, name: str) -> None:
    if time.monotonic() - started > MAX_READ_SECONDS:
        raise PlanReadError(
            f"tệp {name} đọc quá {MAX_READ_SECONDS} giây; không đọc tiếp (tệp quá nặng cho một kế hoạch)"
        )


def _has_picture(page: Any) -> bool:
    return bool(page.images) or bool(page.rects) or bool(page.curves)


def _ocr_page(page: Any, number: int, document: Document, name: str, started: float) -> None:
    from campaign.formats.ocr import page_image, read_image

    image = page_image(page, name)
    read_image(image, f"trang {number}", document, name, started)


def _page_text(page: Any, number: int, document: Document) -> set[Encoding]:
    page = page.dedupe_chars()  # bold made by painting every letter twice
    encodings = _legacy_chars(page)
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    placed: list[tuple[float, list[str], str]] = [
        (table.bbox[1], _table_rows(table.extract()), f"trang {number}, bảng {index}")
        for index, table in enumerate(tables, start=1)
    ]
    for line in page.extract_text_lines():
        middle = (line["top"] + line["bottom"]) / 2
        if not any(x0 <= line["x0"] <= x1 and top <= middle <= bottom for x0, top, x1, bottom in boxes):
            placed.append((line["top"], [line["text"]], f"trang {number}"))
    for _, block, source in sorted(placed, key=lambda item: item[0]):
        for text in block:
            document.add(nfc(text), source)
    return encodings


def _legacy_chars(page: Any) -> set[Encoding]:
    """Characters drawn in a TCVN3 font are converted one by one (capitals for .VnTimeH); a VNI font's
    letters are two characters each, converted once the lines are put together."""
    found: set[Encoding] = set()
    for char in page.chars:
        encoding, capitals = legacy.font_encoding(char.get("fontname"))
        if encoding is Encoding.TCVN3:
            char["text"] = legacy.convert(char["text"], encoding, capitals)
        if encoding is not Encoding.UNICODE:
            found.add(encoding)
    return found


def _legacy_text(document: Document, encodings: set[Encoding]) -> None:
    if not encodings:
        legacy.convert_by_characters(document)
        return
    if Encoding.VNI in encodings:
        document.lines = [
            legacy.convert(line, Encoding.VNI) if legacy.legacy_signs(line) else line for line in document.lines
        ]
    fonts = " và ".join(legacy.SHOWN[e] for e in sorted(encodings))
    document.note("legacy_encoding", None, f"văn bản gõ bằng bảng mã {fonts}; đã chuyển sang Unicode")
    legacy.refuse_unconverted(document, encodings)


def _table_rows(rows: list[list[str | None]]) -> list[str]:
    """A cell merged down from the row above (None to pdfplumber) takes that row's text, except in the
    first column, whose number belongs to one row only."""
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
