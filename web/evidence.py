"""Evidence files units upload: size and type checked by content before anything is stored.

A file is stored as EVIDENCE_DIR/<sha256>.<ext>; the name a person gave it never reaches the
file system (it is kept in the store, store.evidence, for pages). A PDF that carries JavaScript or
launches something is refused. Files are served back with `evidence_response`: a sandbox CSP, images
inline (for thumbnails), PDFs as attachments.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi.responses import FileResponse

from campaign.escape import visible

MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_UNIT_BYTES = 200 * 1024 * 1024  # everything one unit stores in one campaign (its quota)
MAX_SHOWN_NAME = 120
STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|gif|webp|pdf)$")


def evidence_reference(portal_url: str, name: str) -> str:
    """How a report cites a stored file: `<PORTAL_URL>/evidence/<sha256>.<ext>` (the office and the unit
    open it through their own routes, each checking who asks)."""
    return f"{portal_url.rstrip('/')}/evidence/{name}"


def stored_file_named(portal_url: str, reference: str) -> str | None:
    """The stored file a reference cites, when it cites one of this portal's files (a stored name,
    sha256 and kind); else None (a link the unit typed, another site's /evidence/ path)."""
    reference = reference.strip()
    prefix = evidence_reference(portal_url, "")
    name = reference.removeprefix(prefix)
    return name if reference.startswith(prefix) and STORED_NAME.match(name) else None


MEDIA_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


class EvidenceRefused(ValueError):
    """str() is the Vietnamese reason."""


@dataclass(frozen=True)
class StoredFile:
    name: str  # <sha256>.<ext>
    size: int


def kind_of(data: bytes) -> str | None:
    """The file's type from its first bytes (its name and declared type are not trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def check(data: bytes, shown_name: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceRefused(f"tệp “{shown_name[:80]}” lớn hơn {MAX_FILE_BYTES // 1024 // 1024} MB")
    if not data:
        raise EvidenceRefused(f"tệp “{shown_name[:80]}” trống")
    kind = kind_of(data)
    if kind is None:
        raise EvidenceRefused(f"tệp “{shown_name[:80]}” không phải ảnh (JPEG, PNG, GIF, WebP) hay PDF")
    if kind == "pdf" and pdf_acts(data):
        raise EvidenceRefused(
            f"tệp “{shown_name[:80]}” là PDF có chứa mã lệnh (JavaScript hoặc lệnh tự chạy); "
            "đề nghị in lại thành PDF thường hoặc gửi ảnh chụp"
        )
    return kind


# What runs when a PDF is opened or clicked (ISO 32000-1 §12.6): a JavaScript action (its /JS, or a
# document-level /JavaScript name tree) or a Launch action. A plain /OpenAction (open at page 1) is not.
SCRIPT_KEYS = frozenset({"JS", "JavaScript"})
SCRIPT_ACTIONS = frozenset({"JavaScript", "Launch"})
SCRIPT_BYTES = re.compile(rb"/(?:JavaScript|Launch)(?=[\s/<>\[\]()])")


def pdf_acts(data: bytes) -> bool:
    """True when the PDF holds a JavaScript or Launch action: its plain bytes are searched, then every
    object pdfminer reads (object streams included, names with #xx escapes decoded)."""
    if SCRIPT_BYTES.search(data):
        return True
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        ids = {objid for xref in document.xrefs for objid in xref.get_objids()}
    except Exception:  # not a PDF pdfminer can read: the byte search above is what there is
        return False

    def scripted(value: object, depth: int = 0) -> bool:  # direct (inline) dictionaries and arrays, bounded
        if depth > 32:
            return False
        if isinstance(value, dict):
            for key, item in value.items():
                if key in SCRIPT_KEYS or (key == "S" and isinstance(item, PSLiteral) and item.name in SCRIPT_ACTIONS):
                    return True
                if scripted(item, depth + 1):
                    return True
        elif isinstance(value, list):
            return any(scripted(item, depth + 1) for item in value)
        return False

    for objid in ids:
        try:
            found = resolve1(document.getobj(objid))
        except Exception:  # one unreadable object: the others are still read
            continue
        if scripted(found.attrs if hasattr(found, "attrs") else found):
            return True
    return False


def shown(name: str | None) -> str:
    """The name a unit's device gave a file, as pages may show it: no path, no control characters."""
    base = (name or "tệp").replace("\\", "/").rsplit("/", 1)[-1].strip() or "tệp"
    return visible(base[:MAX_SHOWN_NAME])


def evidence_response(path: Path, name: str, shown_name: str) -> FileResponse:
    """A stored file as the browser may receive it: never run in the app's origin (`sandbox` CSP, no
    scripts, no plugins), images inline for thumbnails and viewing, PDFs (and all else) downloaded."""
    kind = name.rsplit(".", 1)[1]
    inline = kind in ("jpg", "png", "gif", "webp")
    download_name = shown_name if shown_name.lower().endswith(f".{kind}") else f"{shown_name}.{kind}"
    response = FileResponse(
        path,
        media_type=MEDIA_TYPES[kind],
        filename=download_name.replace('"', "'"),
        content_disposition_type="inline" if inline else "attachment",
    )
    response.headers["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def store(folder: Path, data: bytes, kind: str) -> StoredFile:
    """Write once under the content hash (the same file twice is one file)."""
    name = f"{hashlib.sha256(data).hexdigest()}.{kind}"
    target = folder / name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, delete=False) as temporary:
            temporary.write(data)
        os.replace(temporary.name, target)
    return StoredFile(name=name, size=len(data))
