"""An activity written in one sentence: "Hội thi cắm trại tổ chức vào ngày 22/3/2025 tại hội trường,
Chi đoàn 10A3 phụ trách" → its title, time, place and who is responsible, as written.

Only dates that can be the event's count: not a cited document's, not an anniversary span, not a date
the activity celebrates ("chào mừng ngày 22/12"), not a year long past.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from campaign.dates import DateMention, event_mentions
from campaign.parties import is_person
from campaign.text import fold, nfc, squash

# Words right before the date that belong to its phrase (lower case, with their accents: "tú" is not "từ").
_TAIL = re.compile(
    r"(?:\b(?:từ|vào|trước|chậm nhất(?: là)?|hạn chót(?: là)?|hạn cuối|hạn nộp|hạn|hoàn thành trước|trong|"
    r"đến hết|đến|kể từ|bắt đầu từ|diễn ra|lúc|tổ chức)[\s,]+)*"
    r"(?:\b\d{1,2}\s*(?:h|giờ|g|:)\s*\d{0,2}\s*(?:phút)?[\s,]*)?"
    r"(?:\b(?:sáng|chiều|tối)[\s,]+)?"
    r"(?:\b(?:thứ (?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ nhật|cn|t[2-7])[\s,(]+)?"
    r"(?:\b(?:từ\s+(?:ngày\s+)?\d{1,2}\s*(?:đến|tới)\s*(?:hết\s+)?|ngày\s+\d{1,2}\s*[-–—]\s*))?"
    r"(?:\bngày\s*)?$"
)
_JOINED = re.compile(r"\s*(?:-|–|—|đến|tới|và)\s*(?:hết\s+)?(?:ngày\s+)?", re.IGNORECASE)
_CELEBRATED = re.compile(r"\b(chào mừng|kỷ niệm|kỉ niệm|hướng tới|hướng về|nhân dịp|nhân ngày|mừng)\b[^,;()]{0,40}$")
# A month, week or quarter in a sentence, when it gives no day: "trong tháng 12", "tuần 2 tháng 3/2025".
_PERIOD = re.compile(
    r"\b(?:trong |suốt |cả )?(?:tuần (?:thứ )?(?:\d|đầu|cuối|nhất|hai|ba|tư|năm)(?: của)? tháng \d{1,2}"
    r"(?:(?: năm)? \d{4}|/\d{4})?|tháng \d{1,2}(?:(?: năm)? \d{4}|/\d{4})?|"
    r"quý (?:iv|iii|ii|i|[1-4])(?:(?: năm)? \d{4}|/\d{4}))\b"
)
_PLACE = re.compile(r"\btại\s+([^,;()]+?)(?=\s*(?:[,;()]|\.\s|\.$|$|\s(?:do|với|cho|và giao)\s))", re.IGNORECASE)
_ROLE = re.compile(r"\b(phụ trách|chủ trì|thực hiện|phối hợp)\b|^\s*(giao|phân công)\b", re.IGNORECASE)
_BY = re.compile(r"\bdo\s+(.+?)\s+(tổ chức|thực hiện|phụ trách|chủ trì)\b", re.IGNORECASE)
_TRAILING = re.compile(
    r"[\s,;:–\-]*(?:\b(?:được|sẽ|tổ chức|diễn ra|vào|lúc|trong|từ|ngày|hoàn thành|thời gian|hạn chót|chậm nhất|"
    r"trước|là|hạn)\s*)*[\s,;:–\-]*$",
    re.IGNORECASE,
)
# Words that bind what follows them to the title ("… nhân ngày 22/12", "… chào mừng tháng 12"): a title
# never ends with one; the date phrase after it stays in the title.
BINDING = (
    "nhân", "tại", "của", "cho", "về", "với", "và", "để", "nhằm", "theo", "đến", "tới", "dịp", "mừng", "niệm",
    "hướng", "do", "sau", "vào", "từ", "trong", "trước", "lúc", "ngày", "là", "hạn", "chót", "nhất",
)  # fmt: skip
_BOUND = re.compile(rf"(?:^|\s)(?:{'|'.join(BINDING)})$", re.IGNORECASE)
# "<who> <does>": a sentence whose subject is a unit or a group of them.
_DOER = re.compile(
    r"^(.{3,60}?)\s+(?:gửi|nộp|báo cáo|tổ chức|triển khai|thực hiện|đăng ký|tham gia|cử|hoàn thành|xây dựng)\b",
    re.IGNORECASE,
)
GROUP_OR_ORG = re.compile(
    r"^(cac|nhung|toan the|moi|doan|chi doan|chi doi|lien doi|cum|van phong|ban|cong doan|bch|btv|thuong truc)\b"
)


@dataclass
class Sentence:
    title: str
    time: str = ""  # the date phrase ("vào ngày 22/3/2025", "trước ngày 15/12"), "" when none
    place: str = ""
    responsible: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)  # (finding kind, message)
    celebrated: str = ""  # a date the activity celebrates, not its own ("22/12")


def _event_dates(text: str, plan_year: int | None) -> tuple[list[DateMention], str]:
    """The dates that can be the event's, and the first one the activity only celebrates."""
    found, celebrated = [], ""
    lower = nfc(text).lower()
    for m in event_mentions(text):
        if plan_year is not None and m.year is not None and m.year < plan_year - 1:
            continue  # a date long past: history, not the schedule
        before = lower[max(0, m.start - 60) : m.start]
        if _CELEBRATED.search(before) and not re.search(r"\b(vào|tổ chức|diễn ra|từ|trước|lúc)\s+(ngày\s*)?$", before):
            celebrated = celebrated or text[m.start : m.end]
            continue
        found.append(m)
    return found, celebrated


def _phrase(text: str, dates: list[DateMention]) -> tuple[int, int]:
    """Where the date phrase starts and ends: the words before the first date that belong to it, through
    the last date joined to it ("từ … đến …"), or the last date at all when several stand apart."""
    first = dates[0]
    window_start = max(0, first.start - 60)
    tail = _TAIL.search(nfc(text[window_start : first.start]).lower())
    start = window_start + tail.start() if tail else first.start
    end = first.end
    for mention in dates[1:]:
        end = mention.end
    return start, end


def _responsible(rest: str) -> str:
    """Who is responsible in the words after the date phrase and place: from the first clause that names a
    role ("…, Chi đoàn 10A3 phụ trách", "giao Chi đoàn 10A3 thực hiện") to the end."""
    clauses = re.split(r"[,;]|\.\s", rest)
    for index, clause in enumerate(clauses):
        if _ROLE.search(clause):
            return ", ".join(c.strip() for c in clauses[index:] if c.strip()).strip(" .")
    return ""


def _role_clause_at(text: str) -> int | None:
    """Where the first clause after the first that names a role starts ("…, Chi đoàn 10A3 phụ trách")."""
    for separator in re.finditer(r"[,;]|\.\s", text):
        rest = text[separator.end() :]
        if _ROLE.search(re.split(r"[,;]|\.\s", rest, maxsplit=1)[0]):
            return separator.start()
    return None


def _parenthesised(text: str) -> tuple[str, str]:
    """A last "(…)" that names who does it ("(các chi đội)", "(Phân công Đoàn Sở Y tế phụ trách)",
    "(thầy Minh)"), taken out of the text; else ("", text)."""
    m = re.search(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*[.;]?\s*$", text)
    if m is None:
        return "", text
    inner = squash(m[1])
    key = fold(inner)
    if re.search(r"\d{1,2}\s*/\s*\d{1,2}", inner):
        return "", text
    if _ROLE.search(inner) or GROUP_OR_ORG.match(key) or is_person(inner):
        return inner, text[: m.start()].rstrip()
    return "", text


def _title_of(words: str) -> str:
    """The title in the words before the date phrase: without "do <who> tổ chức" and the event-date words
    left at its end ("tổ chức vào", "hạn chót")."""
    if by := _BY.search(words):
        words = words[: by.start()]
    return _TRAILING.sub("", words).strip(" .,;:")


def read_sentence(text: str, plan_year: int | None = None) -> Sentence:
    """Title, time phrase, place and responsible units of an activity written in one sentence."""
    text = squash(text)
    responsible, text = _parenthesised(text)
    dates, celebrated = _event_dates(text, plan_year)
    if dates:
        start, end = _phrase(text, dates)
        time = text[start:end]
        after_time = text[end : end + 40]
        if clock := re.match(r"\s*[,(]?\s*(?:lúc|từ)?\s*(\d{1,2}\s*(?:h|giờ|g|:)\s*\d{0,2})", after_time):
            time += f" {clock[1]}"
        before, after = text[:start], text[end:]
    else:
        period = _PERIOD.search(nfc(text).lower())
        if period is not None and period.group(0).strip():
            time, before, after = text[period.start() : period.end()], text[: period.start()], text[period.end() :]
        else:
            time, before, after = "", text, ""
            if (cut := _role_clause_at(text)) is not None:  # "… nhân ngày 22/12, Đoàn Sở Y tế phụ trách"
                before, after = text[:cut], text[cut:]
    notes: list[tuple[str, str]] = []
    if len(dates) > 1 and not all(_JOINED.fullmatch(text[a.end : b.start]) for a, b in itertools.pairwise(dates)):
        notes.append(("several_dates", f"nội dung ghi nhiều ngày; lấy từ ngày đầu đến ngày cuối (“{time}”)"))
    place_match = _PLACE.search(after) or _PLACE.search(before)
    place = squash(place_match[1]).strip(" .") if place_match else ""
    if not responsible:
        if by := _BY.search(before + " " + after):
            responsible = by[1]
        else:
            rest = _PLACE.sub("", after) if place_match and place_match.string == after else after
            responsible = _responsible(rest)
    title = _title_of(before)
    if not responsible and (doer := _DOER.match(title)) and GROUP_OR_ORG.match(fold(doer[1])):
        responsible = doer[1]  # "Các cơ sở Đoàn gửi danh sách …": the subject does it
    if time and _BOUND.search(title):  # "Tuyên truyền về ngày 20/12 trên trang tin": the date is the title's
        goes_on = re.split(r"[,;(]|\.\s|\s(?:tại|do)\s", after, maxsplit=1)[0]
        title = _title_of(text[: len(text) - len(after)] + goes_on)
    if len(title.split()) < 2:  # "Ngày 22/3: Hội thi cắm trại tại …": the title follows the date
        tail = re.split(r"[,;(]|\.\s|\s(?:tại|do)\s", after.lstrip(" :–-,."), maxsplit=1)[0]
        title = squash(f"{title} {tail}").strip(" .,;:")
    title = title[:1].upper() + title[1:]
    return Sentence(title=title, time=time, place=place, responsible=responsible, notes=notes, celebrated=celebrated)
