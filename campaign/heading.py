"""The plan's heading: who issues it, its code ("Số: 07-KH/ĐTN"), issue date, title, window and
distribution list, as offices write them (one column or a flattened two-column header).

A document the plan cites ("Căn cứ Kế hoạch số 40-KH/HĐTN ngày 10/01/2025 …") is never taken for the
plan itself; the schedule's own "(Đính kèm Kế hoạch số …)" line is.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from campaign.dates import DateError, parse_when
from campaign.plan import Finding, Window
from campaign.text import fold, squash, strip_markup
from campaign.units import UnitDirectory

_LETTERS = r"[^\W\d_][\w]*"
# The plan's own code at the start of a line or a cell: "Số: 18/KH-CĐCS", "Số 12 – KH/ĐTN", "SỐ 09 /KH-LĐ".
_OWN_CODE = re.compile(
    rf"^\s*s[ốo]\s*:?\s*(\d{{1,4}})\s*([-–—/])\s*(KH)\s*([-/–])\s*({_LETTERS}(?:\s*[-/–]\s*{_LETTERS})*)",
    re.IGNORECASE,
)
_SPLIT_CODE = re.compile(r"^\s*s[ốo]\s*:?\s*\d{1,4}\s*[-–—/]?\s*$", re.IGNORECASE)  # "Số: 07-" then "KH/ĐTN"
# Any code in running text ("… Kế hoạch số 54-KH/ĐTN ngày 28/4/2023 …").
_CODE = re.compile(rf"\b(\d+)\s*([-–/])\s*(KH)\s*([-/])\s*({_LETTERS}(?:\s*[-/]\s*{_LETTERS})*)")
_CITED_LINE = re.compile(r"^\s*[-+•–*]?\s*(căn cứ|thực hiện|theo|triển khai|thi hành|tiếp theo)\b", re.IGNORECASE)
_CITING = re.compile(
    r"(kế hoạch|công văn|hướng dẫn|quyết định|chỉ thị|thông báo|nghị quyết|chương trình|văn bản|kết luận)"
    r"\s+(số\s*)?$",
    re.IGNORECASE,
)
_ATTACHED = re.compile(r"(kèm theo|đính kèm)\s+(kế hoạch|kh)\b", re.IGNORECASE)
_WORDED_DATE = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)
_CODE_THEN_DATE = re.compile(
    r"KH\s*/\s*[\wĐđ/-]+\s+ngày\s+(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})", re.IGNORECASE
)
_DAY = r"\d{1,2}\s*[/.-]\s*\d{1,2}(\s*[/.-]\s*\d{2,4})?"
# "Từ ngày 01/5 đến ngày 31/5/2023", "từ ngày 3 đến hết ngày 14/3/2025"; bounded so a long line stays linear.
_WINDOW = re.compile(
    rf"từ\s+(ngày\s+)?(\d{{1,2}}|{_DAY}).{{0,120}}?(đến|tới)\s+(hết\s+)?(ngày\s+)?{_DAY}", re.IGNORECASE
)
_TITLE_MONTH = re.compile(r"\bthang (\d{1,2})(?: nam)? (\d{4})\b")
_TITLE_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])(?: nam)? (\d{4})\b")
_SCHOOL_YEAR = re.compile(r"\bnam hoc (\d{4}) (\d{4})\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# Where the body begins: a section, a numbered item, a bullet, "Căn cứ …", a labelled line.
_BODY_START = re.compile(
    r"^\s*([IVX]{1,4}\s*[./)]|\d{1,2}(?:\.\d{1,2}){0,3}\s*[.)]\s|[a-zđ]\s*\)|[-+•–*]\s*\S|"
    r"căn cứ\b|thực hiện\b|kính gửi\b|thời gian\s*:|mục đích\b)",
    re.IGNORECASE,
)
_RULE = re.compile(r"^[\s\-_=*.…–—~]{3,}$")
_NOT_ISSUER = {
    "cong hoa xa hoi chu nghia viet nam",
    "doc lap tu do hanh phuc",
    "doan tncs ho chi minh",
    "doan thanh nien cong san ho chi minh",
    "doi tntp ho chi minh",
    "doi thieu nien tien phong ho chi minh",
}
_ISSUER_PREFIX = re.compile(r"^(tm |t m )?(ban chap hanh|bch|ban thuong vu|btv|ban chi huy|thuong truc)\s+")
_CITY = re.compile(r"\s+(thanh pho ho chi minh|thanh pho|tp hcm|tphcm|tp)$")


def cells_of(line: str) -> list[str]:
    """A header line's cells (a flattened two-column header: tab or "|" separated), else the line."""
    parts = re.split(r"\t|\s\|\s|\|", line) if ("\t" in line or "|" in line) else [line]
    return [squash(strip_markup(p)) for p in parts]


def is_cited(line: str) -> bool:
    """A line that cites another document: its code and dates are not the plan's own."""
    return _CITED_LINE.match(strip_markup(line)) is not None


def title_line(lines: list[str]) -> int | None:
    """Index of the "KẾ HOẠCH" heading line (alone, or with the title after it)."""
    for i, line in enumerate(lines):
        text = squash(strip_markup(line)).strip("| ")
        if fold(text) == "ke hoach" or (text.startswith("KẾ HOẠCH ") and not fold(text).startswith("ke hoach so")):
            return i
    return None


def body_start(lines: list[str]) -> int:
    """Index of the first line of the plan's body (after its heading and title)."""
    after = title_line(lines)
    for i in range((after + 1) if after is not None else 0, len(lines)):
        text = squash(strip_markup(lines[i]))
        if text and not _RULE.match(text) and _BODY_START.match(text) and not _SPLIT_CODE.match(text):
            return i
    return len(lines)


def _normal_code(m: re.Match[str]) -> str:
    suffix = re.sub(r"\s+", "", m[5]).replace("–", "-")
    return f"{m[1]}{'-' if m[2] in '-–—' else '/'}KH{'-' if m[4] in '-–' else '/'}{suffix}"


def plan_code(lines: list[str]) -> tuple[str | None, int | None]:
    """The plan's code and its line (1-based): "Số: …" in the heading, else the schedule's
    "(Đính kèm Kế hoạch số …)", else a code in a line that cites nothing."""
    for i, line in enumerate(lines):
        if is_cited(line):
            continue
        cells = cells_of(line)
        for index, cell in enumerate(cells):
            if m := _OWN_CODE.match(cell):
                return _normal_code(m), i + 1
            if _SPLIT_CODE.match(cell):  # the rest of the code is on the next line, in the same column
                for following in lines[i + 1 : i + 3]:
                    rest = cells_of(following)
                    joined = f"{cell} {rest[index] if index < len(rest) else rest[0]}"
                    if m := _OWN_CODE.match(joined):
                        return _normal_code(m), i + 1
    fallback: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        if is_cited(line):
            continue
        for m in _CODE.finditer(line):
            before = line[max(0, m.start() - 40) : m.start()]
            if _ATTACHED.search(before):
                return _normal_code(m), i + 1
            if fallback is None and not _CITING.search(before):
                fallback = (_normal_code(m), i + 1)
    return fallback if fallback else (None, None)


def issue_date(lines: list[str], header_end: int) -> date | None:
    """The issue date: "…, ngày 02 tháng 3 năm 2025" in the heading (or a place-and-date line anywhere),
    else the date after the plan's code in the "(Đính kèm Kế hoạch số … ngày …)" line."""
    place_and_date = re.compile(r"^[^\d,]{2,60},\s*ngày\s*\d", re.IGNORECASE)
    candidates = [line for line in lines[:header_end] if not is_cited(line)]
    candidates += [line for line in lines[header_end:] if place_and_date.match(squash(strip_markup(line)))]
    for line in candidates:
        if m := _WORDED_DATE.search(line):
            try:
                return date(int(m[3]), int(m[2]), int(m[1]))
            except ValueError:
                continue
    for line in lines:
        if is_cited(line):
            continue
        if m := _CODE_THEN_DATE.search(line):
            before = line[max(0, m.start() - 60) : m.start()]
            if _CITING.search(re.sub(r"\d+\s*[-–/]\s*$", "", before)) and not _ATTACHED.search(before):
                continue
            try:
                return date(int(m[3]), int(m[2]), int(m[1]))
            except ValueError:
                continue
    return None


def title(lines: list[str], last: int) -> str:
    """Title lines after the "KẾ HOẠCH" heading (or the rest of its line), up to the window line, a
    "Căn cứ"/"Thực hiện" line, a rule line, a numbered item or a bullet."""
    start = title_line(lines[:last])
    if start is None:
        return ""
    first = squash(strip_markup(lines[start])).strip("| ")
    found: list[str] = [first[len("KẾ HOẠCH") :].strip(" :–-")] if fold(first) != "ke hoach" else []
    for line in lines[start + 1 : last]:
        text = squash(strip_markup(line)).strip("|").strip()
        if not text:
            continue
        if _WINDOW.search(text) or text.startswith("(") or len(text) > 200 or len(found) >= 4:
            break
        if _RULE.match(text) or _BODY_START.match(text):
            break
        found.append(text)
    return " ".join(t for t in found if t)


def header_window(lines: list[str], header_end: int, year: int | None) -> tuple[Window | None, Finding | None]:
    """The "(Từ ngày … đến ngày …)" line of the heading, read; never a body line's range."""
    for i, line in enumerate(lines[:header_end]):
        if is_cited(line) or not (m := _WINDOW.search(line)):
            continue
        try:
            when = parse_when(m[0], year)
        except DateError as exc:
            return None, Finding(kind="invalid_date", line=i + 1, message=f"thời gian kế hoạch: {exc}")
        if when.start is not None:
            return Window(start=when.start, end=when.end), None
    return None, None


def title_window(text: str, issued_on: date | None) -> tuple[Window | None, str]:
    """The window a title names ("tháng 12 năm 2025", "Quý II/2025", "năm học 2025 – 2026"), and how it
    was read. A school year runs 01/9 to 31/5 (the school calendar's teaching year)."""
    folded = fold(text)
    if m := _TITLE_MONTH.search(folded):
        month, year = int(m[1]), int(m[2])
        if 1 <= month <= 12 and 1 <= year <= 9999:
            last = calendar.monthrange(year, month)[1]
            return Window(start=date(year, month, 1), end=date(year, month, last)), f"tháng {month}/{year}"
    if m := _TITLE_QUARTER.search(folded):
        number, year = _ROMAN.get(m[1]) or int(m[1]), int(m[2])
        if 1 <= year <= 9999:
            first = 3 * (number - 1) + 1
            end = date(year, first + 2, calendar.monthrange(year, first + 2)[1])
            return Window(start=date(year, first, 1), end=end), f"quý {number}/{year}"
    if (m := _SCHOOL_YEAR.search(folded)) and int(m[2]) == int(m[1]) + 1 and int(m[2]) <= 9999:
        return Window(start=date(int(m[1]), 9, 1), end=date(int(m[2]), 5, 31)), f"năm học {m[1]}–{m[2]}"
    return None, ""


def issuer(lines: list[str]) -> str:
    """The issuing organisation the heading names: the last line in capitals before the code or the
    "KẾ HOẠCH" line that is not the national motto or the Youth Union's own name ("" when none)."""
    stop = title_line(lines)
    code_at = next(
        (i for i, line in enumerate(lines) if any(_OWN_CODE.match(c) or _SPLIT_CODE.match(c) for c in cells_of(line))),
        None,
    )
    if code_at is not None and (stop is None or code_at < stop):
        stop = code_at
    found = ""
    for line in lines[: stop if stop is not None else 0]:
        for cell in cells_of(line)[:1]:  # the left column names the issuer
            text = cell.strip("*-_ ")
            key = fold(text)
            if not key or key in _NOT_ISSUER or _RULE.match(text) or len(text) > 120 or "ngay" in key.split():
                continue
            if text == text.upper() and any(ch.isalpha() for ch in text):
                found = text
    return found


def issued_by(name: str, directory: UnitDirectory | None) -> bool:
    """Whether the plan's issuer is the directory's organisation (or names none, or the directory none)."""
    if not name or directory is None or not directory.organisation:
        return True
    key = _CITY.sub("", _ISSUER_PREFIX.sub("", fold(name)))
    owners = [directory.organisation]
    for unit in (directory.standing_committee, directory.office):
        if unit is not None:
            owners += [unit.name, *unit.aliases]
    for owner in owners:
        other = _CITY.sub("", _ISSUER_PREFIX.sub("", fold(owner)))
        if key and other and (key in other or other in key):
            return True
    return False


def recipients(lines: list[str]) -> list[str]:
    """The "Nơi nhận" list."""
    start = next((i for i, line in enumerate(lines) if fold(line).startswith("noi nhan")), None)
    if start is None:
        return []
    bullet = re.compile(r"^\s*[-+•–]\s*")
    names: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            continue
        if not bullet.match(line):
            break
        names.append(bullet.sub("", squash(line)).rstrip(";.,"))
    return names
