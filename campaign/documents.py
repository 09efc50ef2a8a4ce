"""Reading a plan document (.txt or .docx) into numbered lines.

Tables become tab-separated lines so both formats share one importer; a .docx
paragraph or table row is one line, numbered from 1 in document order.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from campaign.text import nfc, squash


class PlanReadError(ValueError):
    """The file cannot be read as a plan; the message is one Vietnamese line."""


def read_lines(path: str | Path) -> list[str]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PlanReadError(f"không tìm thấy tệp {path}") from None
    except IsADirectoryError:
        raise PlanReadError(f"{path} là thư mục, không phải tệp kế hoạch") from None
    except OSError as exc:
        raise PlanReadError(f"không đọc được tệp {path}: {exc.strerror}") from None
    if not data.strip():
        raise PlanReadError(f"tệp {path} trống")
    if data[:2] == b"PK" and zipfile.is_zipfile(path):
        return _docx_lines(path)
    return _text_lines(data, path)


def _text_lines(data: bytes, path: Path) -> list[str]:
    if b"\x00" in data:
        raise PlanReadError(f"tệp {path} là tệp nhị phân, không phải văn bản kế hoạch")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanReadError(
            f"tệp {path} không phải văn bản UTF-8 (byte lạ ở vị trí {exc.start}); hãy lưu lại dưới dạng UTF-8"
        ) from None
    return nfc(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _docx_lines(path: Path) -> list[str]:
    import docx  # python-docx, imported here so .txt users never pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for bad files
        raise PlanReadError(f"tệp {path} không phải tệp .docx hợp lệ ({type(exc).__name__})") from None
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
