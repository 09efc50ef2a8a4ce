"""A .docx as Word shows it, read from its XML: tracked changes accepted (insertions kept, deletions
dropped; a finding names the cells that still hold revisions), text inside content controls at block,
row, cell and run level (date pickers too), list numbers computed from numbering.xml, merged cells
placed on every grid column they cover (gridSpan) and carried down (vMerge), nested tables, the
header and footer parts, and runs typed in TCVN3/VNI fonts turned into Unicode.

Each paragraph is one line; each table row one tab-separated line, a blank line after each table.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from campaign.formats import Document, PlanReadError, legacy, megabytes
from campaign.formats.legacy import Encoding
from campaign.formats.numbering import Numbering
from campaign.limits import MAX_DOCX_UNPACKED_BYTES
from campaign.text import nfc, squash

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SKIPPED = {f"{W}del", f"{W}moveFrom"}  # deleted text: not in the accepted view
_KEPT = {f"{W}ins", f"{W}moveTo"}  # inserted text: in it
_WRAPPERS = {f"{W}hyperlink", f"{W}smartTag", f"{W}customXml", f"{W}fldSimple", f"{W}dir", f"{W}bdo"}


def read_docx(data: bytes, name: str) -> Document:
    """The .docx's lines; PlanReadError when it is too large unpacked or not a Word document."""
    import docx  # python-docx, imported here so .txt users never pay for it

    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a zip bomb is refused before anything is unpacked
        unpacked = sum(entry.file_size for entry in archive.infolist())
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise PlanReadError(
            f"tệp {name} giải nén ra {megabytes(unpacked)}, quá giới hạn {megabytes(MAX_DOCX_UNPACKED_BYTES)}"
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for bad files
        raise PlanReadError(f"tệp {name} không phải tệp .docx hợp lệ ({type(exc).__name__})") from None
    return _Reader(document).read()


@dataclass
class _Styles:
    """What the styles part says about fonts and list numbering, with each style's basedOn chain."""

    based_on: dict[str, str] = field(default_factory=dict)
    fonts: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, tuple[str, int]] = field(default_factory=dict)  # style → (numId, level)
    default_paragraph: str | None = None
    default_font: str | None = None

    @classmethod
    def of(cls, element: Any) -> _Styles:
        styles = cls()
        if element is None:
            return styles
        defaults = element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
        styles.default_font = _font_of(defaults)
        for style in element.iter(f"{W}style"):
            sid = style.get(f"{W}styleId") or ""
            if style.get(f"{W}type") == "paragraph" and style.get(f"{W}default") in ("1", "true", "on"):
                styles.default_paragraph = sid
            if (based := style.find(f"{W}basedOn")) is not None:
                styles.based_on[sid] = based.get(f"{W}val") or ""
            if (font := _font_of(style.find(f"{W}rPr/{W}rFonts"))) is not None:
                styles.fonts[sid] = font
            if (num := style.find(f"{W}pPr/{W}numPr")) is not None:
                num_id = num.find(f"{W}numId")
                level = num.find(f"{W}ilvl")
                styles.numbers[sid] = (
                    num_id.get(f"{W}val", "0") if num_id is not None else "",
                    int(level.get(f"{W}val", "0")) if level is not None else 0,
                )
        return styles

    def chain(self, style: str | None) -> Iterator[str]:
        seen: set[str] = set()
        while style and style not in seen:
            seen.add(style)
            yield style
            style = self.based_on.get(style)

    def font(self, style: str | None) -> str | None:
        return next((self.fonts[s] for s in self.chain(style) if s in self.fonts), None)

    def number(self, style: str | None) -> tuple[str, int] | None:
        return next((self.numbers[s] for s in self.chain(style) if s in self.numbers), None)


def _font_of(fonts: Any) -> str | None:
    if fonts is None:
        return None
    return fonts.get(f"{W}hAnsi") or fonts.get(f"{W}ascii") or fonts.get(f"{W}cs")


@dataclass
class _Text:
    """A paragraph's or a cell's text as Word shows it, with what the reader noticed on the way."""

    parts: list[str] = field(default_factory=list)
    revised: bool = False
    encodings: set[Encoding] = field(default_factory=set)  # legacy fonts its runs used
    unicode_letters: int = 0  # letters only Unicode has, in runs of ordinary fonts

    def add(self, other: _Text) -> None:
        self.revised |= other.revised
        self.encodings |= other.encodings
        self.unicode_letters += other.unicode_letters

    @property
    def text(self) -> str:
        return "".join(self.parts)


class _Reader:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.out = Document()
        self.styles = _Styles.of(_part_element(lambda: document.styles.element))
        self.numbering = Numbering(_part_element(lambda: document.part.numbering_part.element))
        self.tables = 0
        self.paragraphs = 0
        self.legacy_lines: dict[int, set[Encoding]] = {}
        self.unicode_lines: list[int] = []

    def read(self) -> Document:
        for part in self._parts("header"):
            self._blocks(part, "đầu trang")
        self._blocks(self.document.element.body, None)
        for part in self._parts("footer"):
            self._blocks(part, "chân trang")
        if self.numbering.unresolved:
            self.out.note(
                "list_numbering",
                None,
                "số thứ tự do Word tự đánh nhưng văn bản thiếu định nghĩa đánh số (numbering.xml); "
                f"đã đánh số theo thứ tự {', '.join(self.numbering.unresolved[:5])}",
            )
        self._encoding_findings()
        return self.out

    def _parts(self, kind: str) -> Iterator[Any]:
        seen: set[str] = set()
        for section in self.document.sections:
            for attribute in (f"first_page_{kind}", kind, f"even_page_{kind}"):
                part = getattr(section, attribute)
                if part.is_linked_to_previous:
                    continue
                element = part._element
                key = str(part.part.partname)
                if key not in seen:
                    seen.add(key)
                    yield element

    # --- blocks: paragraphs and tables, at any depth of content controls
    def _blocks(self, container: Any, where: str | None) -> None:
        carried = _Text()  # a paragraph whose mark was deleted joins the next one
        for element in _block_children(container):
            if element.tag == f"{W}p":
                self.paragraphs += 1
                text = self._paragraph(element)
                if _mark_deleted(element):
                    carried.parts.append(text.text)
                    carried.add(text)
                    carried.revised = True
                    continue
                if carried.parts:
                    text.parts[:0] = carried.parts
                    text.add(carried)
                    carried = _Text()
                line = self._add(nfc(text.text), where or f"đoạn {self.paragraphs}", text)
                if text.revised:
                    self.out.note("tracked_changes", line, _revised_message([where or f"đoạn {self.paragraphs}"]))
            elif element.tag == f"{W}tbl":
                self._table(element, where)
        if carried.parts:
            self._add(nfc(carried.text), where or f"đoạn {self.paragraphs}", carried)

    def _add(self, text: str, source: str, read: _Text) -> int:
        line = self.out.add(text, source)
        if read.encodings:
            self.legacy_lines[line] = set(read.encodings)
        if read.unicode_letters:
            self.unicode_lines.append(line)
        return line

    # --- tables
    def _table(self, table: Any, where: str | None) -> None:
        self.tables += 1
        number = self.tables
        rows: list[list[tuple[Any, int, bool]]] = []  # per row: (cell, grid span, continues the one above)
        for row in _rows(table):
            if _row_deleted(row):
                continue
            cells: list[tuple[Any, int, bool]] = []
            before = _int_val(row.find(f"{W}trPr/{W}gridBefore"), 0)
            cells.extend((None, 1, False) for _ in range(before))
            for cell in _cells(row):
                span = max(1, min(_int_val(cell.find(f"{W}tcPr/{W}gridSpan"), 1), 64))
                merge = cell.find(f"{W}tcPr/{W}vMerge")
                continues = merge is not None and merge.get(f"{W}val", "continue") == "continue"
                cells.append((cell, span, continues))
            cells.extend((None, 1, False) for _ in range(_int_val(row.find(f"{W}trPr/{W}gridAfter"), 0)))
            rows.append(cells)
        if rows and all(_is_layout(cells) for cells in rows):
            for cells in rows:  # a table that only lays out the page: its content is the document's
                for cell, _, _ in cells:
                    if cell is not None:
                        self._blocks(cell, where)
            return
        header: list[str] = []
        above: list[str] = []
        for index, cells in enumerate(rows, start=1):
            texts: list[str] = []
            revised: list[int] = []
            read = _Text()
            for cell, span, continues in cells:
                column = len(texts)
                if cell is None:
                    texts.append("")
                    continue
                content = self._cell(cell)
                read.add(content)
                text = squash(nfc(content.text))
                if continues:
                    text = above[column] if 0 < column < len(above) else ""
                if content.revised:
                    revised.append(column)
                texts.extend([text] * span)
            source = f"bảng {number}, hàng {index}"
            line = self._add("\t".join(texts), f"{where}, {source}" if where else source, read)
            if revised or _row_inserted(cells):
                names = [_column_name(header, c) for c in revised] or ["cả hàng"]
                places = [f"{source}, {n}" for n in names]
                self.out.note("tracked_changes", line, _revised_message(places))
            if index == 1:
                header = texts
            above = texts
        self.out.add("", f"sau bảng {number}")

    def _cell(self, cell: Any) -> _Text:
        read = _Text()
        pieces: list[str] = []
        for element in _block_children(cell):
            if element.tag == f"{W}p":
                text = self._paragraph(element)
                read.add(text)
                pieces.append(text.text)
            elif element.tag == f"{W}tbl":  # a table inside a cell: its rows, one after another
                for row in _rows(element):
                    if _row_deleted(row):
                        continue
                    row_texts = []
                    for inner in _cells(row):
                        text = self._cell(inner)
                        read.add(text)
                        row_texts.append(squash(nfc(text.text)))
                    pieces.append("; ".join(t for t in row_texts if t))
        read.parts = [" ".join(p for p in pieces if p.strip())]
        return read

    # --- paragraphs and runs
    def _paragraph(self, paragraph: Any) -> _Text:
        read = _Text()
        style = _val(paragraph.find(f"{W}pPr/{W}pStyle")) or self.styles.default_paragraph
        label = self._number(paragraph, style)
        self._inline(paragraph, read, style)
        if label:
            read.parts.insert(0, label + (" " if read.text.strip() else ""))
        return read

    def _number(self, paragraph: Any, style: str | None) -> str:
        num = paragraph.find(f"{W}pPr/{W}numPr")
        if num is not None and num.find(f"{W}ins") is None and num.find(f"{W}numId") is not None:
            num_id = _val(num.find(f"{W}numId")) or "0"
            level = _int_val(num.find(f"{W}ilvl"), 0)
            if num.find(f"{W}ilvl") is None and (styled := self.styles.number(style)):
                level = styled[1]
        elif styled := self.styles.number(style):
            num_id, level = styled
        else:
            return ""
        return self.numbering.label(num_id, level)

    def _inline(self, element: Any, read: _Text, style: str | None) -> None:
        for child in element:
            tag = child.tag
            if tag == f"{W}r":
                self._run(child, read, style)
            elif tag in _SKIPPED:
                read.revised = True
            elif tag in _KEPT:
                read.revised = True
                self._inline(child, read, style)
            elif tag == f"{W}sdt":
                self._control(child, read, style)
            elif tag in _WRAPPERS:
                self._inline(child, read, style)

    def _control(self, control: Any, read: _Text, style: str | None) -> None:
        """A content control inside a paragraph: its content, unless it shows only its placeholder;
        a date picker left without text gives its stored date."""
        properties = control.find(f"{W}sdtPr")
        content = control.find(f"{W}sdtContent")
        if properties is not None and properties.find(f"{W}showingPlcHdr") is not None:
            return
        inner = _Text()
        if content is not None:
            self._inline(content, inner, style)
        picker = properties.find(f"{W}date") if properties is not None else None
        if not inner.text.strip() and picker is not None and (full := picker.get(f"{W}fullDate")):
            with contextlib.suppress(ValueError):
                inner.parts = [datetime.fromisoformat(full[:10]).strftime("%d/%m/%Y")]
        read.parts.extend(inner.parts)
        read.add(inner)

    def _run(self, run: Any, read: _Text, style: str | None) -> None:
        font = _font_of(run.find(f"{W}rPr/{W}rFonts"))
        if font is None:
            font = self.styles.font(_val(run.find(f"{W}rPr/{W}rStyle"))) or self.styles.font(style)
        encoding, capitals = legacy.font_encoding(font or self.styles.default_font)
        pieces: list[str] = []
        for child in run:
            tag = child.tag
            if tag == f"{W}t":
                pieces.append(child.text or "")
            elif tag == f"{W}tab":
                pieces.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                pieces.append("\n")
            elif tag == f"{W}noBreakHyphen":
                pieces.append("-")
            elif tag == f"{W}softHyphen" and encoding is Encoding.TCVN3:
                pieces.append("\xad")  # TCVN3's ư sits where Unicode has the soft hyphen
        text = "".join(pieces)
        if encoding is not Encoding.UNICODE and text:
            read.encodings.add(encoding)
            text = legacy.convert(text, encoding, capitals)
        else:
            read.unicode_letters += legacy.unicode_letters(text)
        read.parts.append(text)

    # --- legacy encodings
    def _encoding_findings(self) -> None:
        used = set().union(*self.legacy_lines.values()) if self.legacy_lines else set()
        if not used:
            legacy.convert_by_characters(self.out)
            return
        fonts = " và ".join(legacy.SHOWN[e] for e in sorted(used))
        self.out.note("legacy_encoding", None, f"văn bản gõ bằng bảng mã {fonts}; đã chuyển sang Unicode")
        if self.unicode_lines:
            legacy_lines = sorted(self.legacy_lines)
            self.out.note(
                "mixed_encoding",
                self.unicode_lines[0],
                f"văn bản trộn bảng mã: {fonts} ở dòng {legacy.lines_shown(legacy_lines)}, "
                f"Unicode ở dòng {legacy.lines_shown(self.unicode_lines)}; hãy soát lại chữ có dấu",
            )
        legacy.refuse_unconverted(self.out, used)


def _revised_message(places: list[str]) -> str:
    return (
        f"còn thay đổi chưa chấp nhận (Track Changes) ở {'; '.join(places)}; đã đọc như khi chấp nhận "
        "tất cả: phần thêm được giữ, phần xoá bỏ đi. Hãy chấp nhận hoặc từ chối thay đổi trong Word cho chắc"
    )


def _column_name(header: list[str], column: int) -> str:
    name = header[column] if column < len(header) else ""
    return f"cột {name[:40]}" if name else f"cột {column + 1}"


def _part_element(get: Any) -> Any:
    try:
        return get()
    except (KeyError, NotImplementedError, AttributeError):
        return None


def _children_tagged(container: Any, tags: tuple[str, ...], through: tuple[str, ...] = ()) -> Iterator[Any]:
    """The children of `container` tagged one of `tags`, looking inside content controls (their
    content), custom XML and any of `through` (a tracked insertion or move, which Word keeps as text)."""
    for child in container:
        if child.tag in tags:
            yield child
        elif child.tag == f"{W}sdt":
            if (content := child.find(f"{W}sdtContent")) is not None:
                yield from _children_tagged(content, tags, through)
        elif child.tag == f"{W}customXml" or child.tag in through:
            yield from _children_tagged(child, tags, through)


def _block_children(container: Any) -> Iterator[Any]:
    """Paragraphs and tables of a body, cell, header or footer, content controls opened."""
    return _children_tagged(container, (f"{W}p", f"{W}tbl"), through=(f"{W}ins", f"{W}moveTo"))


def _rows(table: Any) -> Iterator[Any]:
    return _children_tagged(table, (f"{W}tr",))


def _cells(row: Any) -> Iterator[Any]:
    return _children_tagged(row, (f"{W}tc",))


def _is_layout(cells: list[tuple[Any, int, bool]]) -> bool:
    """A row that only holds other tables (a page laid out in a one-cell table)."""
    real = [cell for cell, _, _ in cells if cell is not None]
    return len(real) == 1 and any(True for e in _block_children(real[0]) if e.tag == f"{W}tbl")


def _row_deleted(row: Any) -> bool:
    return row.find(f"{W}trPr/{W}del") is not None


def _row_inserted(cells: list[tuple[Any, int, bool]]) -> bool:
    rows = {cell.getparent() for cell, _, _ in cells if cell is not None}
    return any(row.find(f"{W}trPr/{W}ins") is not None for row in rows)


def _mark_deleted(paragraph: Any) -> bool:
    return paragraph.find(f"{W}pPr/{W}rPr/{W}del") is not None


def _val(element: Any) -> str | None:
    return element.get(f"{W}val") if element is not None else None


def _int_val(element: Any, default: int) -> int:
    try:
        return int(_val(element) or default)
    except ValueError:
        return default
