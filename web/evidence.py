"""Evidence files units upload: size and type checked by content before anything is stored.

A file is stored as EVIDENCE_DIR/<sha256>.<ext>; the name a person gave it never reaches the
file system.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

MAX_FILES = 10
MAX_FILE_BYTES = 10 * 1024 * 1024
STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|gif|webp|pdf)$")
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
    return kind


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
