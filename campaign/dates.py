"""Dates as Vietnamese plans write them.

Handles the THỜI GIAN column forms (a day, a whole month, a range, a deadline,
a quarter) and finds the dates and weekday words written in running text.
"""

from __future__ import annotations

import bisect
import calendar
import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from campaign.text import fold, nfc


class ActivityKind(StrEnum):
    SINGLE_DAY = "single_day"
    RANGE = "range"
    WHOLE_MONTH = "whole_month"
    DEADLINE = "deadline"
    QUARTER = "quarter"


# A range written "31/5 – 01/5/2023" is a mistake, not a year-long activity; one across the new
# year ("20/12 – 10/01/2024") is read as such only when it is this short.
MAX_YEAR_END_SPAN = 92


class DateError(ValueError):
    """A date that cannot be read; the message is Vietnamese and names the text."""


@dataclass(frozen=True)
class When:
    kind: ActivityKind
    start: date | None  # None for a deadline: the importer puts the window start there
    end: date


@dataclass(frozen=True)
class DateMention:
    """A day/month[/year] written in text, valid or not."""

    day: int
    month: int
    year: int | None
    start: int  # character offsets in the line
    end: int

    def resolve(self, default_year: int | None) -> date:
        year = self.year if self.year is not None else default_year
        if year is None:
            raise DateError(f"thiếu năm trong ngày {self.day}/{self.month}")
        try:
            return date(year, self.month, self.day)
        except ValueError:
            raise DateError(f"ngày {self.day}/{self.month}/{year} không tồn tại") from None

    @property
    def is_plausible(self) -> bool:
        """Looks like a date (day 1–31, month 1–12), so a bad one is a typo, not a ratio."""
        return 1 <= self.month <= 12 and 1 <= self.day <= 31


# 11/5/2023, 25/03/2024, 01/5, 19/5/23 — never part of a longer number ("5/2023").
_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*(\d{4}|\d{2}))?(?![\d/])")
# 12-4-2025, 1-11-2009, 12.4.2025: with dashes or dots only a whole date with its four-digit year is one
# ("2022 - 2030", "3.5", "5.000.000" are not).
_DASHED = re.compile(r"(?<![\d/-])(?<!\d\.)(\d{1,2})([-.])(\d{1,2})\2(\d{4})(?![\d/-])(?!\.\d)")
# 28 tháng 4 năm 2023 (already folded: "28 thang 4 nam 2023"); "tuần 2 tháng 3" is a week, not 2 March.
_WORDED = re.compile(r"(?<!\d)(?<!tuan )(?<!tuan thu )(\d{1,2}) thang (\d{1,2})(?: nam (\d{4}))?(?!\d)")
# Month and quarter forms are matched on folded text, where "/" has become a space.
_MONTH = re.compile(r"\bthang (\d{1,2})(?:(?: nam)? (\d{4}))?\b")
_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])(?: nam)? (\d{4})\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DEADLINE = re.compile(r"\b(truoc ngay|truoc|han chot|cham nhat|han)\b")


def _year(text: str | None) -> int | None:
    """Two digits are this century's year ("23" → 2023); four digits are the year as written."""
    if text is None:
        return None
    value = int(text)
    return value + 2000 if len(text) <= 2 else value


def find_dates(text: str) -> list[DateMention]:
    """Every day/month[/year] in a line, in order, valid or not."""
    text = nfc(text)
    found = [DateMention(int(m[1]), int(m[2]), _year(m[3]), m.start(), m.end()) for m in _NUMERIC.finditer(text)]
    found += [DateMention(int(m[1]), int(m[3]), int(m[4]), m.start(), m.end()) for m in _DASHED.finditer(text)]
    # Worded dates: fold keeps offsets only for ASCII, so search the folded text
    # and accept approximate offsets (used only for nearness checks).
    folded = fold(text)
    for m in _WORDED.finditer(folded):
        found.append(DateMention(int(m[1]), int(m[2]), _year(m[3]), m.start(), m.end()))
    return sorted(found, key=lambda d: d.start)


# "Kết luận số 14-KL/TW ngày 29/2/2021": a date that dates another document.
_DOCUMENT_REFERENCE = re.compile(r"\d+\s*[-/]\s*[A-ZĐ][\w/-]*\s+ngày\s*$")


def event_mentions(line: str) -> list[DateMention]:
    """Dates in running text that could be an event's date.

    Leaves out anniversary spans ("19/5/1890 – 19/5/2023", years differ) and dates
    of cited documents ("… số 14-KL/TW ngày 29/2/2021").
    """
    mentions = find_dates(line)
    skip: set[int] = set()
    for first, second in itertools.pairwise(mentions):
        between = line[first.end : second.start]
        if re.fullmatch(r"\s*[-–—]\s*", between) and first.year and second.year and first.year != second.year:
            skip.update({id(first), id(second)})
    # The reference stands right before its date; looking a short way back keeps this linear.
    return [
        m
        for m in mentions
        if id(m) not in skip and not _DOCUMENT_REFERENCE.search(line[max(0, m.start - 80) : m.start])
    ]


def parse_when(cell: str, default_year: int | None = None) -> When:
    """Read a THỜI GIAN cell.

    `default_year` fills dates written without a year (the plan's year).
    Raises DateError with a Vietnamese reason when the cell cannot be read.
    """
    raw = nfc(cell).strip()
    if not raw:
        raise DateError("ô THỜI GIAN để trống")
    folded = fold(raw)

    if quarter := _QUARTER.search(folded):
        number = _ROMAN.get(quarter[1]) or int(quarter[1])
        year = int(quarter[2])
        first_month = 3 * (number - 1) + 1
        last_month = first_month + 2
        return When(
            ActivityKind.QUARTER,
            date(year, first_month, 1),
            date(year, last_month, calendar.monthrange(year, last_month)[1]),
        )

    if week := _WEEK.search(folded):
        return _week(week, default_year, raw)

    mentions = find_dates(raw)
    if not mentions:
        if month := _MONTH.search(folded):
            number = int(month[1])
            month_year = _year(month[2]) or default_year
            if month_year is None:
                raise DateError(f"thiếu năm trong “{raw}”")
            if not 1 <= number <= 12:
                raise DateError(f"tháng {number} không tồn tại trong “{raw}”")
            return When(
                ActivityKind.WHOLE_MONTH,
                date(month_year, number, 1),
                date(month_year, number, calendar.monthrange(month_year, number)[1]),
            )
        raise DateError(f"không đọc được ngày trong “{raw}”")

    if len(mentions) >= 2:
        first, last = mentions[0], mentions[-1]
        end = last.resolve(default_year)
        start = first.resolve(first.year or end.year)
        if start > end and first.year is None:
            start = first.resolve(end.year - 1)  # "20/12 – 10/01/2024" spans the new year
            if (end - start).days > MAX_YEAR_END_SPAN:
                raise DateError(
                    f"ngày bắt đầu {first.day}/{first.month} sau ngày kết thúc {end:%d/%m/%Y} trong “{raw}”"
                )
        if start > end:
            raise DateError(f"ngày bắt đầu sau ngày kết thúc trong “{raw}”")
        return When(ActivityKind.RANGE, start, end)

    day = mentions[0].resolve(default_year)
    if first_day := _DAY_ONLY_START.search(raw[: mentions[0].start]):
        return _from_day(int(first_day[1] or first_day[2]), day, raw)
    words_before_date = re.match(r"\D*", folded)
    if words_before_date and _DEADLINE.search(words_before_date[0]):
        return When(ActivityKind.DEADLINE, None, day)
    return When(ActivityKind.SINGLE_DAY, day, day)


# "tuần 2 tháng 3/2025", "tuần thứ hai của tháng 3", "tuần đầu tháng 12", "tuần cuối tháng 5 năm 2025" (folded)
_WEEK = re.compile(r"\btuan (?:thu )?(\d|dau|cuoi|nhat|hai|ba|tu|nam)(?: cua)? thang (\d{1,2})(?:(?: nam)? (\d{4}))?\b")
_WEEK_WORDS = {"dau": 1, "nhat": 1, "hai": 2, "ba": 3, "tu": 4, "nam": 5}
# "từ ngày 3 đến hết ngày 14/3/2025", "ngày 3 – 14/3/2025": a start that gives only its day
_DAY_ONLY_START = re.compile(
    r"(?:(?:từ|tu)\s+(?:ngày\s+)?(\d{1,2})\s*(?:đến|tới|den|toi|-|–|—)|ngày\s+(?=\d{1,2}\s*[-–—]\s*$)(\d{1,2})\s*[-–—])"
    r"\s*(?:hết\s+)?(?:ngày\s+)?$",
    re.IGNORECASE,
)


def _week(match: re.Match[str], default_year: int | None, raw: str) -> When:
    """Week N of a month is days 7N-6 to 7N (the fifth runs to the month's end); "tuần cuối" is its
    last seven days. A documented rule, not a calendar week: plans count weeks from the 1st."""
    month = int(match[2])
    year = int(match[3]) if match[3] else default_year
    if year is None:
        raise DateError(f"thiếu năm trong “{raw}”")
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        raise DateError(f"tháng {month}/{year} không tồn tại trong “{raw}”")
    last = calendar.monthrange(year, month)[1]
    word = match[1]
    if word == "cuoi":
        return When(ActivityKind.RANGE, date(year, month, last - 6), date(year, month, last))
    number = int(word) if word.isdigit() else _WEEK_WORDS[word]
    if not 1 <= number <= 5:
        raise DateError(f"tháng chỉ có 5 tuần, không có tuần {number} trong “{raw}”")
    first = 7 * (number - 1) + 1
    if first > last:
        raise DateError(f"tháng {month}/{year} không có tuần {number} trong “{raw}”")
    return When(ActivityKind.RANGE, date(year, month, first), date(year, month, min(7 * number, last)))


def _from_day(first_day: int, end: date, raw: str) -> When:
    """A range whose start gives only its day takes the end's month (or the month before, when the day
    comes after the end's: "từ 28 đến 3/4" starts on 28/3)."""
    year, month = end.year, end.month
    if first_day > end.day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    try:
        start = date(year, month, first_day)
    except ValueError:
        raise DateError(f"ngày bắt đầu {first_day}/{month} không tồn tại trong “{raw}”") from None
    return When(ActivityKind.RANGE, start, end)


# "8 giờ 00", "8 giờ", "14h00", "7h30", "8g", "08:00"; never inside a date (12/10/2024).
_TIME_OF_DAY = re.compile(r"(?<![\d/])(\d{1,2})\s*(?:gio|h|g)(?:\s*(\d{2}))?(?![a-z\d/])")


def time_of_day(cell: str) -> tuple[time | None, str | None]:
    """The time of day a THỜI GIAN cell gives (the first one), and a problem if it cannot be one."""
    match = _TIME_OF_DAY.search(fold_keep_length(cell.replace(":", "h")))
    if match is None:
        return None, None
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        return None, f"giờ “{match[0].strip()}” không tồn tại"
    return time(hour, minute), None


def format_when(when: When) -> str:
    """The canonical Vietnamese form of a THỜI GIAN value (parse_when reads it back)."""
    end = when.end
    if when.kind is ActivityKind.QUARTER:
        roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[(end.month - 1) // 3 + 1]
        return f"Quý {roman}/{end.year}"
    if when.kind is ActivityKind.WHOLE_MONTH:
        return f"Tháng {end.month}/{end.year}"
    if when.kind is ActivityKind.DEADLINE:
        return f"Trước ngày {end.day:02d}/{end.month:02d}/{end.year}"
    if when.kind is ActivityKind.RANGE and when.start is not None:
        start = when.start
        start_text = f"{start.day:02d}/{start.month:02d}"
        if start.year != end.year:
            start_text += f"/{start.year}"
        return f"Từ ngày {start_text} đến ngày {end.day:02d}/{end.month:02d}/{end.year}"
    return f"{end.day:02d}/{end.month:02d}/{end.year}"


# Weekdays as plans write them: "Chủ nhật", "Thứ Hai", "thứ 7", "T7", "CN".
_WEEKDAY = re.compile(r"(?<!lan )(?<!dot )(?<!khoa )\b(chu nhat|cn|thu (hai|ba|tu|nam|sau|bay|[2-7])|t([2-7]))\b")
_WEEKDAY_NUMBER = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_JUST_BEFORE = re.compile(r"[ (,–-]{0,4}")  # between a date and the weekday word after it, in one cell
WEEKDAY_NAMES = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


@dataclass(frozen=True)
class WeekdayClaim:
    word: str
    weekday: int  # Monday = 0, as date.weekday()
    day: DateMention


def weekday_claims(line: str, reach: int = 40) -> list[WeekdayClaim]:
    """Weekday words followed closely by a date in the same line ("Chủ nhật (ngày 25/5/2023)").

    Works on the folded line, which keeps the length of Vietnamese text letter for
    letter, so offsets line up with dates found in the same folded text.
    """
    folded = fold_keep_length(line)
    dates = find_dates(folded)
    starts = [d.start for d in dates]
    claims = []
    words = list(_WEEKDAY.finditer(folded))
    ends = [d.end for d in dates]
    for m, after in zip(words, [*words[1:], None], strict=False):
        # The date a weekday word speaks of follows it closely, before any other weekday word;
        # or, written the other way round ("12/10/2024 (Thứ Bảy)"), ends just before it in the same cell.
        limit = min(m.end() + reach, after.start() if after else len(folded))
        index = bisect.bisect_left(starts, m.end())
        if index < len(dates) and dates[index].start <= limit:
            spoken_of = dates[index]
        else:
            before = bisect.bisect_right(ends, m.start()) - 1
            lone = after is None or after.start() - m.end() > 12  # "(Thứ Bảy, Chủ nhật)" names no one day
            if before < 0 or not lone or not _JUST_BEFORE.fullmatch(line[dates[before].end : m.start()]):
                continue
            spoken_of = dates[before]
        if m[1] in ("chu nhat", "cn"):
            weekday = 6
        else:
            token = m[2] or m[3]
            weekday = int(token) - 2 if token.isdigit() else _WEEKDAY_NUMBER[token]
        claims.append(WeekdayClaim(line[m.start() : m.end()], weekday, spoken_of))
    return claims


def fold_keep_length(text: str) -> str:
    """Like fold, but one output character per input character (for offsets)."""
    out = []
    for ch in nfc(text).lower():
        base = unicodedata.normalize("NFD", ch)[0]
        out.append("d" if base == "đ" else base if base.isalnum() or base in "/ " else " ")
    return "".join(out)
