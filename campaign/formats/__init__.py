"""Plan document formats: each turns a file into lines (text as Word or a reader shows it) with where
each line came from, and findings about the file itself (tracked changes, OCR, legacy encodings).

Nothing after this package knows the format: the importer reads `Document.lines` as it reads a .txt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from campaign.plan import Finding


class PlanReadError(ValueError):
    """The file cannot be read as a plan; the message is one Vietnamese line."""


@dataclass
class Document:
    """A plan document as lines: a paragraph is one line, a table row one tab-separated line.

    `sources[i]` says where line i+1 came from ("đoạn 14", "bảng 2, hàng 5", "đầu trang");
    `findings` carry 1-based line numbers into `lines` (or None for the whole document)."""

    lines: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def add(self, text: str, source: str) -> int:
        """Append a line; its 1-based number."""
        self.lines.append(text)
        self.sources.append(source)
        return len(self.lines)

    def note(self, kind: str, line: int | None, message: str) -> None:
        self.findings.append(Finding(kind=kind, line=line, message=message))


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size} byte"
