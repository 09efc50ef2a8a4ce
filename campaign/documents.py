"""Reading a plan document into numbered lines: .txt, .docx, .doc, PDF (with a text layer or
scanned), and photos of a printed plan (JPEG, PNG).

The formats live in campaign.formats; this module picks one by the file's content (never its name)
and applies the limits every format shares. Tables become tab-separated lines so all formats share
one importer; a paragraph or table row is one line, numbered from 1 in document order.
"""

from __future__ import annotations

import io
import stat
import time
import zipfile
from pathlib import Path

from campaign.escape import visible
from campaign.formats import Document, PlanReadError, legacy, megabytes
from campaign.limits import MAX_PLAN_BYTES, MAX_PLAN_LINES
from campaign.text import nfc

__all__ = ["document_of", "lines_of", "read_document", "read_lines"]


def read_lines(path: str | Path) -> list[str]:
    """The document's lines; refused before reading when it is not a regular file or is too large."""
    return read_document(path).lines


def read_document(path: str | Path) -> Document:
    """The document's lines with their sources and the findings about the file itself."""
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
        raise PlanReadError(f"tệp {path} quá lớn ({megabytes(info.st_size)}, tối đa {megabytes(MAX_PLAN_BYTES)})")
    try:
        with path.open("rb") as file:
            data = file.read(MAX_PLAN_BYTES + 1)
    except OSError as exc:
        raise PlanReadError(f"không đọc được tệp {path}: {exc.strerror}") from None
    if len(data) > MAX_PLAN_BYTES:
        raise PlanReadError(f"tệp {path} quá lớn (tối đa {megabytes(MAX_PLAN_BYTES)})")
    return document_of(data, str(path))


def lines_of(data: bytes, name: str) -> list[str]:
    """The lines of a plan document given as bytes (a file's or an upload's); `name` for messages."""
    return document_of(data, name).lines


def document_of(data: bytes, name: str) -> Document:
    """A plan document given as bytes, read by the format its content shows."""
    started = time.monotonic()
    if len(data) > MAX_PLAN_BYTES:
        raise PlanReadError(f"tệp {name} quá lớn (tối đa {megabytes(MAX_PLAN_BYTES)})")
    if not data.strip():
        raise PlanReadError(f"tệp {name} trống")
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)):
        from campaign.formats.word import read_docx

        document = read_docx(data, name)
    elif data.startswith(b"%PDF"):
        from campaign.formats.pdf import read_pdf

        document = read_pdf(data, name, started)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        from campaign.formats.word97 import read_doc

        document = read_doc(data, name)
    elif data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")):
        from campaign.formats.ocr import read_photo

        document = read_photo(data, name)
    else:
        document = _text(data, name)
    if len(document.lines) > MAX_PLAN_LINES:
        raise PlanReadError(f"tệp {name} có {len(document.lines)} dòng, tối đa {MAX_PLAN_LINES}")
    document.lines = [visible(line) for line in document.lines]
    return document


def _text(data: bytes, name: str) -> Document:
    """A .txt: UTF-8, or a legacy Vietnamese encoding saved as 8-bit text (TCVN3, VNI)."""
    if b"\x00" in data:
        raise PlanReadError(f"tệp {name} là tệp nhị phân, không phải văn bản kế hoạch")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        if _mostly_utf8(data) or legacy.guess(text).encoding is legacy.Encoding.UNICODE:
            raise PlanReadError(
                f"tệp {name} không phải văn bản UTF-8 (byte lạ ở vị trí {exc.start}); hãy lưu lại dưới dạng UTF-8"
            ) from None
    document = Document()
    for number, line in enumerate(nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        document.add(line, f"dòng {number}")
    legacy.convert_by_characters(document)
    return document


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few stray bytes (to be saved again), not an 8-bit legacy text."""
    decoded = data.decode("utf-8", errors="replace")
    broken = decoded.count("\ufffd")
    return sum(1 for c in decoded if ord(c) > 127) - broken > broken
