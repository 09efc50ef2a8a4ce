"""Scans and photos of a printed plan, read by OCR: Tesseract with its Vietnamese model (Debian's
tesseract-ocr + tesseract-ocr-vie) through pytesseract.

The schedule table is found from the page's ruling lines: rows between the horizontal rules, cells
between the vertical rules of each row (a rule missing in a row is a merged cell, whose text goes
on every column it covers); each recognised word goes to the cell its middle falls in. Text outside
the table becomes lines in reading order. Every word read with low confidence is named in a finding
on its line, and a finding says the plan came from OCR.

Bounds: pixels per page (checked from the image's header, before it is decoded), pages per
document, and Tesseract's time per page (the process is killed past it).
"""

from __future__ import annotations

import io
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from campaign.formats import Document, PlanReadError
from campaign.limits import MAX_OCR_PAGE_SECONDS, MAX_OCR_PIXELS, MAX_READ_SECONDS
from campaign.text import nfc, squash

LANGUAGE = "vie"
_RULE_MARKS = " |¦│[]"  # a table's ruling line read as a character
LOW_CONFIDENCE = 60  # Tesseract's word confidence (0–100) below which a value is marked doubtful
RENDER_DPI = 250  # a PDF page without text is drawn at this resolution for OCR (fewer pixels if large)
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-vie"


def engine_problem() -> str | None:
    """Why OCR cannot run on this machine, as a sentence; None when it can."""
    try:
        import pytesseract
    except ImportError:
        return f"máy chủ chưa cài pytesseract (pip) và Tesseract ({INSTALL})"
    try:
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, OSError):
        return f"máy chủ chưa cài Tesseract OCR ({INSTALL})"
    except pytesseract.TesseractError:
        return f"Tesseract OCR trên máy chủ không chạy được ({INSTALL})"
    if LANGUAGE not in languages:
        return f"Tesseract OCR trên máy chủ chưa có bộ tiếng Việt (apt-get install tesseract-ocr-{LANGUAGE})"
    return None


def note_ocr(document: Document, what: str) -> None:
    document.note(
        "ocr",
        None,
        f"kế hoạch đọc bằng OCR ({what}); chữ và số có thể sai: hãy so từng hoạt động với bản giấy trước khi khởi động",
    )


def read_photo(data: bytes, name: str) -> Document:
    """A JPEG or PNG photo or scan of a plan page, read by OCR."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as opened:  # reads the header only
            _check_pixels(opened.size, name)
            image = ImageOps.exif_transpose(opened).convert("L")  # a phone photo taken sideways
    except Image.DecompressionBombError:
        raise PlanReadError(f"ảnh {name} quá lớn (tối đa {MAX_OCR_PIXELS // 1_000_000} triệu điểm ảnh)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise PlanReadError(f"tệp {name} không phải ảnh đọc được ({type(exc).__name__})") from None
    document = Document()
    read_image(image, "ảnh", document, name, time.monotonic())
    if not any(line.strip() for line in document.lines):
        raise PlanReadError(f"ảnh {name}: OCR không đọc được chữ nào; cần ảnh rõ, thẳng, đủ sáng hoặc tệp .docx")
    note_ocr(document, f"ảnh {name}")
    return document


def page_image(page: Any, name: str) -> Any:
    """A PDF page without text drawn as a grey image, at RENDER_DPI or less so it stays in bounds."""
    width, height = float(page.width), float(page.height)
    dpi = min(RENDER_DPI, int(72 * (MAX_OCR_PIXELS / max(width * height, 1.0)) ** 0.5))
    _check_pixels((int(width * dpi / 72), int(height * dpi / 72)), name)
    return page.to_image(resolution=dpi).original.convert("L")


def _check_pixels(size: tuple[int, int], name: str) -> None:
    width, height = size
    if width * height > MAX_OCR_PIXELS:
        raise PlanReadError(
            f"ảnh {name} có {width} × {height} điểm ảnh, quá giới hạn {MAX_OCR_PIXELS // 1_000_000} triệu; "
            "hãy chụp hoặc quét ở độ phân giải thấp hơn (200–300 dpi)"
        )


@dataclass
class _Word:
    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, int, int]

    @property
    def middle(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


@dataclass
class _Line:
    top: float
    text: str
    words: list[_Word] = field(default_factory=list)


def read_image(image: Any, label: str, document: Document, name: str, started: float) -> None:
    """OCR one page image into `document`: its lines and table rows, with doubtful words noted."""
    if problem := engine_problem():
        raise PlanReadError(f"tệp {name} là bản quét, cần OCR để đọc, nhưng {problem}")
    import pytesseract

    left = MAX_READ_SECONDS - (time.monotonic() - started)
    if left <= 1:
        raise PlanReadError(f"tệp {name} đọc quá {MAX_READ_SECONDS} giây; không đọc tiếp")
    try:
        data = pytesseract.image_to_data(
            image,
            lang=LANGUAGE,
            config="--psm 3",
            output_type=pytesseract.Output.DICT,
            timeout=min(MAX_OCR_PAGE_SECONDS, left),
        )
    except RuntimeError as exc:  # pytesseract's time-out
        raise PlanReadError(f"tệp {name}: OCR {label} quá {MAX_OCR_PAGE_SECONDS} giây; bỏ dở ({exc})") from None
    except pytesseract.TesseractError as exc:
        raise PlanReadError(f"tệp {name}: OCR {label} không chạy được ({exc.message[:100]})") from None
    words = [
        _Word(nfc(text.strip(_RULE_MARKS)), float(confidence), left_, top, width, height, (block, paragraph, line))
        for text, confidence, left_, top, width, height, block, paragraph, line in zip(
            data["text"],
            data["conf"],
            data["left"],
            data["top"],
            data["width"],
            data["height"],
            data["block_num"],
            data["par_num"],
            data["line_num"],
            strict=True,
        )
        if text and text.strip(_RULE_MARKS) and float(confidence) >= 0
    ]
    for line in _layout(image, words):
        number = document.add(line.text, f"{label} (OCR)")
        doubtful = [w for w in line.words if w.confidence < LOW_CONFIDENCE]
        if doubtful:
            shown = ", ".join(f"“{w.text}” ({w.confidence:.0f}%)" for w in doubtful[:6])
            more = f" và {len(doubtful) - 6} chữ khác" if len(doubtful) > 6 else ""
            document.note("ocr_low_confidence", number, f"OCR đọc chưa chắc: {shown}{more}; hãy so với bản giấy")


def _layout(image: Any, words: list[_Word]) -> list[_Line]:
    """Lines in reading order; a ruled table's rows as tab-separated cells, a blank line after it."""
    rows, columns = _rules(image)
    out: list[_Line] = []
    in_table: set[int] = set()
    if len(rows) >= 2 and columns:
        top, bottom = rows[0], rows[-1]
        cells: dict[tuple[int, int], list[_Word]] = defaultdict(list)
        for index, word in enumerate(words):
            x, y = word.middle
            if not top < y < bottom:
                continue
            band = next(b for b in range(len(rows) - 1) if rows[b] <= y <= rows[b + 1])
            spans = columns.get(band, [])
            cell = next((c for c, (x0, x1) in enumerate(spans) if x0 <= x <= x1), None)
            if cell is None:
                continue
            cells[(band, cell)].append(word)
            in_table.add(index)
        grid = sorted({edge for spans in columns.values() for span in spans for edge in span})
        for band in range(len(rows) - 1):
            spans = columns.get(band, [])
            texts: list[str] = []
            kept: list[_Word] = []
            for c, (x0, x1) in enumerate(spans):
                cell_words = sorted(cells.get((band, c), []), key=lambda w: (w.line, w.left))
                kept += cell_words
                covered = max(1, sum(1 for a, b in pairwise(grid) if x0 <= (a + b) / 2 <= x1))
                texts += [squash(" ".join(w.text for w in cell_words))] * covered
            if any(texts):
                out.append(_Line(rows[band], "\t".join(texts), kept))
        out.append(_Line(bottom, "", []))
    lines: dict[tuple[int, int, int], list[_Word]] = defaultdict(list)
    for index, word in enumerate(words):
        if index not in in_table:
            lines[word.line].append(word)
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.left)
        out.append(_Line(min(w.top for w in line_words), squash(" ".join(w.text for w in line_words)), line_words))
    return sorted(out, key=lambda line: line.top)


def _rules(image: Any) -> tuple[list[int], dict[int, list[tuple[int, int]]]]:
    """The y of each horizontal rule (one running across at least 30 % of the page), and for each band
    between two rules the cells its vertical rules make, as (x0, x1)."""
    import numpy as np

    dark = np.asarray(image, dtype=np.uint8) < 128
    height, width = dark.shape
    run = max(20, int(width * 0.3))
    rule_rows: list[int] = []
    for start in range(0, height, 256):
        block = dark[start : start + 256].astype(np.int32)
        sums = np.cumsum(block, axis=1)
        windows = sums[:, run:] - sums[:, :-run]
        rule_rows += [start + int(y) for y in np.nonzero(windows.max(axis=1) >= run * 0.97)[0]]
    rows = _clusters(rule_rows, gap=3)
    columns: dict[int, list[tuple[int, int]]] = {}
    for band, (y0, y1) in enumerate(pairwise(rows)):
        inner = dark[y0 + 3 : y1 - 2]
        if inner.shape[0] < 6:
            continue
        xs = _clusters([int(x) for x in np.nonzero(inner.mean(axis=0) > 0.9)[0]], gap=3)
        columns[band] = [(a, b) for a, b in pairwise(xs) if b - a > 8]
    bands = [band for band in columns if columns[band]]
    if not bands:
        return [], {}
    return rows, columns


def _clusters(positions: list[int], gap: int) -> list[int]:
    """Runs of neighbouring pixel positions (a rule 1–4 px thick) as their middles."""
    out: list[int] = []
    group: list[int] = []
    for position in positions:
        if group and position - group[-1] > gap:
            out.append(sum(group) // len(group))
            group = []
        group.append(position)
    if group:
        out.append(sum(group) // len(group))
    return out
