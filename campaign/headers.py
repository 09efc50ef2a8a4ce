"""Which schedule column a header names, by meaning: offices word the same column many ways
("Nội dung hoạt động", "Thời gian tổ chức", "Nơi tổ chức", "Phân công", "Trách nhiệm", …).

A header is folded (no diacritics, lower case, single spaces) and matched on key phrases;
extra words are tolerated. The more specific phrase wins ("Đơn vị phối hợp" is support, not
lead, though it says "đơn vị").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from campaign.text import fold

# (column, key phrase, weight): a header takes the column of its heaviest phrase.
_PHRASES: list[tuple[str, str, int]] = [
    ("no", "stt", 9), ("no", "tt", 9), ("no", "so thu tu", 9), ("no", "so tt", 9), ("no", "thu tu", 6),
    ("no", "so", 2), ("no", "muc", 2),
    ("title", "noi dung", 8), ("title", "hoat dong", 7), ("title", "ten hoat dong", 9), ("title", "chuong trinh", 6),
    ("title", "cong viec", 6), ("title", "su kien", 5), ("title", "chu de", 5), ("title", "ten", 3),
    ("title", "nhiem vu", 5),
    ("time", "thoi gian", 9), ("time", "thoi diem", 8), ("time", "thoi han", 8), ("time", "ngay", 6),
    ("time", "lich", 4), ("time", "han", 3),
    ("place", "dia diem", 9), ("place", "noi to chuc", 9), ("place", "noi dien ra", 9), ("place", "dia ban", 7),
    ("place", "noi thuc hien", 8), ("place", "tai", 2),
    ("lead", "phu trach", 8), ("lead", "chu tri", 8), ("lead", "phan cong", 8), ("lead", "trach nhiem", 8),
    ("lead", "thuc hien", 5), ("lead", "don vi", 4), ("lead", "luc luong", 4), ("lead", "ghi chu", 2),
    ("lead", "chiu trach nhiem", 9),
    ("support", "phoi hop", 10), ("support", "ho tro", 9), ("support", "tham gia", 6),
]  # fmt: skip
_HEADER_WORDS = 8  # a cell with more words than this is content, not a header

COLUMN_WORDS = {  # what each column is called in messages
    "no": "TT",
    "title": "HOẠT ĐỘNG",
    "time": "THỜI GIAN",
    "place": "ĐỊA ĐIỂM",
    "lead": "ĐƠN VỊ PHỤ TRÁCH",
    "support": "ĐƠN VỊ PHỐI HỢP",
}
REQUIRED = ("no", "title", "time", "lead")


def _phrase_in(phrase: str, key: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", key) is not None


def column_of(header: str) -> tuple[str, int] | None:
    """The column a header names and how surely (its phrase's weight), or None."""
    key = fold(header)
    if not key or len(key.split()) > _HEADER_WORDS:
        return None
    best: tuple[str, int] | None = None
    for column, phrase, weight in _PHRASES:
        if _phrase_in(phrase, key) and (best is None or weight > best[1]):
            best = (column, weight)
    return best


@dataclass(frozen=True)
class HeaderRow:
    columns: dict[str, int]  # column → cell index
    headers: dict[str, str]  # column → the header as written
    unplaced: list[str]  # non-empty headers no column took

    @property
    def missing(self) -> list[str]:
        return [c for c in REQUIRED if c not in self.columns]


def header_row(cells: list[str]) -> HeaderRow | None:
    """The columns these cells name if they are the schedule's header row (a number column and a
    title or time column, and no cell that reads as content), else None."""
    if sum(1 for c in cells if c.strip()) < 2 or any(re.fullmatch(r"\s*\d+\s*[.)]?\s*", c) for c in cells):
        return None
    claims: list[tuple[int, str, int]] = []  # (weight, column, index)
    for index, cell in enumerate(cells):
        if (found := column_of(cell)) is not None:
            claims.append((found[1], found[0], index))
    columns: dict[str, int] = {}
    for _, column, index in sorted(claims, key=lambda c: (-c[0], c[2])):
        if column not in columns and index not in columns.values():
            columns[column] = index
    if "no" not in columns or not ({"title", "time"} & set(columns)):
        return None
    taken = set(columns.values())
    unplaced = [cell for index, cell in enumerate(cells) if cell.strip() and index not in taken]
    in_order = sorted(columns.items(), key=lambda item: item[1])
    return HeaderRow(dict(in_order), {c: cells[i] for c, i in in_order}, unplaced)


def columns_read(headers: dict[str, str]) -> str:
    """How the schedule's headers were read, for `plan import` and the upload preview."""
    return "; ".join(f"“{text}” → {COLUMN_WORDS.get(column, column)}" for column, text in headers.items())
