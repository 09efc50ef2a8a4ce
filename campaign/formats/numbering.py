"""Word's list numbering: the number Word shows before a numbered paragraph ("1.", "a)", "II.", "3.2."),
computed from numbering.xml as Word counts: one counter per level of each abstract list, shared by
the lists (w:num) built on it; a level's counter restarts when a higher level moves on; a list that
overrides a level's start (w:startOverride) restarts it the first time it is used.

A paragraph that names a list numbering.xml does not define is numbered in order, and `unresolved`
says which lists those were (the reader turns that into a finding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class _Level:
    start: int = 1
    format: str = "decimal"
    text: str = "%1."
    restart_after: int | None = None  # w:lvlRestart: restart only when this (1-based) level moves on
    legal: bool = False  # w:isLgl: every level shown as a decimal


@dataclass
class _List:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)  # level → startOverride
    levels: dict[int, _Level] = field(default_factory=dict)  # level → lvlOverride's own w:lvl


class Numbering:
    def __init__(self, element: Any) -> None:
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.lists: dict[str, _List] = {}
        self.counters: dict[str, dict[int, int]] = {}  # abstract → level → last number shown
        self.started: set[tuple[str, int]] = set()  # (numId, level) whose startOverride was applied
        self.unresolved: list[str] = []
        self.in_order: dict[str, int] = {}
        if element is None:
            return
        for abstract in element.iter(f"{W}abstractNum"):
            self.abstracts[abstract.get(f"{W}abstractNumId", "")] = {
                int(level.get(f"{W}ilvl", "0")): _level(level) for level in abstract.findall(f"{W}lvl")
            }
        for num in element.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            entry = _List(ref.get(f"{W}val", "") if ref is not None else "")
            for override in num.findall(f"{W}lvlOverride"):
                level = int(override.get(f"{W}ilvl", "0"))
                if (start := override.find(f"{W}startOverride")) is not None:
                    entry.starts[level] = _int(start.get(f"{W}val"), 1)
                if (own := override.find(f"{W}lvl")) is not None:
                    entry.levels[level] = _level(own)
            self.lists[num.get(f"{W}numId", "")] = entry

    def label(self, num_id: str, level: int) -> str:
        """The number Word shows for the next paragraph of list `num_id` at `level` ("" for none)."""
        if num_id in ("", "0"):
            return ""
        level = max(0, min(level, 8))
        entry = self.lists.get(num_id)
        levels = self.abstracts.get(entry.abstract) if entry else None
        if entry is None or levels is None:
            if num_id not in self.unresolved:
                self.unresolved.append(num_id)
            self.in_order[num_id] = self.in_order.get(num_id, 0) + 1
            return f"{self.in_order[num_id]}."
        definition = {**levels, **entry.levels}
        counters = self.counters.setdefault(entry.abstract, {})
        here = definition.get(level, _Level())
        if (num_id, level) not in self.started and level in entry.starts:
            self.started.add((num_id, level))
            counters[level] = entry.starts[level] - 1
        counters[level] = counters.get(level, here.start - 1) + 1
        for deeper in [d for d in counters if d > level]:
            restart = definition.get(deeper, _Level()).restart_after
            if restart is None or restart > level:  # a level restarts after any higher one by default
                del counters[deeper]
        if here.format == "none":
            return ""
        if here.format == "bullet":
            return "•" if not here.text or ord(here.text[0]) >= 0xF000 else here.text  # a symbol-font glyph
        shown = here.text
        for index in range(level + 1):
            upper = definition.get(index, _Level())
            value = counters.get(index, upper.start)
            style = "decimal" if here.legal else upper.format
            shown = shown.replace(f"%{index + 1}", _formatted(value, style))
        return shown


def _level(element: Any) -> _Level:
    def val(name: str) -> str | None:
        found = element.find(f"{W}{name}")
        return found.get(f"{W}val") if found is not None else None

    restart = val("lvlRestart")
    return _Level(
        start=_int(val("start"), 1),
        format=val("numFmt") or "decimal",
        text=val("lvlText") or "",
        restart_after=_int(restart, 0) if restart is not None else None,
        legal=element.find(f"{W}isLgl") is not None,
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _formatted(value: int, style: str) -> str:
    if style in ("decimal", "decimalEnclosedParen", "decimalEnclosedFullstop", "ordinal", "cardinalText"):
        return str(value)
    if style == "decimalZero":
        return f"{value:02d}"
    if style in ("lowerLetter", "upperLetter"):
        letters = _letters(value)
        return letters.upper() if style == "upperLetter" else letters
    if style in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.lower() if style == "lowerRoman" else roman
    return str(value)


def _letters(value: int) -> str:
    """Word's a, b, … z, aa, bb, …"""
    if value < 1:
        return str(value)
    return chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)


def _roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    out = []
    for number, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while value >= number:
            out.append(letters)
            value -= number
    return "".join(out)
