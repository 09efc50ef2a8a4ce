"""The whole plan, not only its table: the duties it gives every grassroots unit, the report each unit
owes on carrying the plan out, and the tasks the body gives the issuing organisation with no schedule row.

    body --"Cấp cơ sở" section (else "Các cơ sở Đoàn …" under "Tổ chức thực hiện")--> duties
    body --"báo cáo kết quả … trước ngày 05/6/2023"--> the report's due date (else none: window end + policy)
    body --a "cấp Khối" section's undated tasks the table does not name--> unscheduled tasks

A plan with duties gets one more activity at start (`with_plan_report`): every grassroots unit of the
directory reports on the plan, answering each duty (done / not done / not applicable, a note, numbers).
Pure: no I/O, no Temporal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from campaign.body import outline
from campaign.dates import ActivityKind, DateError, parse_when
from campaign.duty import Duty, PlanReport, UnscheduledTask
from campaign.limits import MAX_ACTIVITY_NO, MAX_DUTIES, MAX_DUTY_TEXT
from campaign.plan import Plan, PlannedActivity, ResponsibleParty, UnitRole
from campaign.text import fold, squash, strip_markup
from campaign.units import UnitDirectory, UnitKind

PLAN_REPORT_TITLE = "Báo cáo kết quả thực hiện kế hoạch"

# A section that gives every grassroots unit its duties ("3. Cấp cơ sở:", "Đối với cơ sở Đoàn").
_GRASSROOTS_SECTION = re.compile(r"^(?:(?:hoat dong|nhiem vu)\s+)?(?:(?:doi voi|tai)\s+)?(?:cap co so|cac co so)\b")
# The same under "Tổ chức thực hiện": "2. Các cơ sở Đoàn trực thuộc:", "Các Chi đoàn:".
_GRASSROOTS_PARTY = re.compile(r"^(?:cac )?(?:co so doan|chi doan|doan co so|co so|don vi)\b")
# A section of the issuing organisation's own tasks ("2. Hoạt động cấp Khối:", "Cấp trường").
_OWN_LEVEL_SECTION = re.compile(r"^(?:cac )?(?:hoat dong|nhiem vu|cong viec)?\s*cap (?!co so)\w+")
# "… báo cáo kết quả (thực hiện kế hoạch) về Văn phòng Đoàn Khối trước ngày 05/6/2023": the results of the
# plan itself; "báo cáo kết quả Hội thi …", "báo cáo số lượng …" by a date are activities of their own.
_REPORT_DUE = re.compile(
    r"bao cao ket qua(?: (?:thuc hien|trien khai)(?: (?:ke hoach|cac noi dung)(?: (?:so )?\d+-kh/\S+| nay| tren)?)?)?"
    r"(?:\s*[,(]?\s*(?:ve|gui ve|cho|toi)\s[^.;]{0,120}?)?"
    r"\s*[,(]?\s*(?:truoc ngay|truoc|cham nhat (?:vao )?ngay|cham nhat|han chot|thoi han)\s*:?\s*"
    r"(\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{2,4})?)"
)
# Who a sentence asks to report on the plan: every grassroots unit ("Các đơn vị", "Các cơ sở Đoàn",
# "Đoàn cơ sở", "Các chi đoàn" …), then the report ("… gửi báo cáo kết quả …").
_UNITS_ASKED = re.compile(
    r"^(?:(?:cac|moi) )?(?:don vi|co so doan|doan co so|co so|chi doan|doan cac don vi)(?: truc thuoc| co so)?"
    r"(?: (?:khan truong|chu dong|tong hop va|tong hop,))*\s*:?\s*(?:gui )?(?=bao cao ket qua)"
)
_ITEM_MARK = re.compile(r"^\s*(?:[ivx]{1,4}\.\d{1,2}|\d{1,2}(?:\.\d{1,2})*|[a-z])\s*[.)]\s*|^\s*[-+•–—*●○▪■◦♦➢➤✓√]\s*")
# The one duty of a plan that asks its units to report on it and lists no duties of theirs.
WHOLE_PLAN_DUTY = "Triển khai thực hiện các nội dung của kế hoạch"
# A target the duty names: "ít nhất 02 buổi", "tối thiểu 5 công trình", "01 chương trình".
_TARGET = re.compile(
    r"(?:it nhat|toi thieu|tu|moi co so|moi don vi|moi chi doan)\s+(\d{1,4})\s+([a-z][a-z ]{1,30}?)"
    r"(?=[,.;)]|$| tai| cho| ve| voi| nham| de| trong| moi)"
)
_UNITS_OF_MEASURE = {"nam", "thang", "ngay", "gio", "phut", "tuoi", "lan thu"}


# --- reading ---------------------------------------------------------------------------------------


def _heading_words(text: str) -> str:
    return fold(text.rstrip(":").strip())


def _top(item: Any) -> Any:
    while item.parent is not None:
        item = item.parent
    return item


def _organising(item: Any) -> bool:
    """Whether the item stands in "Tổ chức thực hiện" (read as a section of its own or by its first words)."""
    top = _top(item)
    return item.section == "organise" or top.section == "organise" or fold(top.text).startswith("to chuc")


def _whole(item: Any, lines: list[str]) -> str:
    """An item's whole text as written on its line (labels included) and the paragraphs under it."""
    text = squash(strip_markup(lines[item.line - 1]))
    text = re.sub(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*\s*[.)]|[a-zđ]\s*[.)]|[-+•–—*●○▪■◦♦➢➤✓√])\s*", "", text)
    return squash(" ".join([text, *(t for t, _ in item.details)]))


def _key(text: str) -> str:
    """Lower case without diacritics, punctuation kept, one character for each of `text` (NFC)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return bare if len(bare) == len(text) else fold(text)


def count_label(text: str) -> str:
    """The thing the duty counts when it names a target ("ít nhất 02 buổi sinh hoạt" → "buổi sinh hoạt")."""
    text = unicodedata.normalize("NFC", text)
    key = _key(text)
    for m in _TARGET.finditer(key):
        noun = m[2].strip()
        if noun.split()[0] in _UNITS_OF_MEASURE:
            continue
        return text[m.start(2) : m.start(2) + len(noun)] if key is not text and len(key) == len(text) else noun
    return ""


def read_plan_report(lines: list[str], start: int, end: int, default_year: int | None) -> PlanReport | None:
    """The plan-level report of lines[start:end] (the body): the duties under a "Cấp cơ sở" section,
    else under "Các cơ sở Đoàn …" in "Tổ chức thực hiện"; None when the body gives grassroots units none."""
    items = outline(lines, start, end)
    duties: list[Duty] = []
    read_from: list[int] = []
    sources = [
        [i for i in items if not _organising(i) and _GRASSROOTS_SECTION.match(_heading_words(i.text))],
        [i for i in items if _organising(i) and _GRASSROOTS_PARTY.match(_heading_words(i.text))],
    ]
    due, due_line = report_due_date(lines, start, end, default_year)
    for headings in sources:
        for heading in headings:
            for child in heading.children:
                if child.line == due_line:
                    continue  # "- Báo cáo kết quả về Văn phòng trước ngày …": the report itself, not a duty
                text = _whole(child, lines)
                if len(text.split()) >= 3 and len(duties) < MAX_DUTIES:
                    duties.append(Duty(no=len(duties) + 1, text=text[:MAX_DUTY_TEXT], line=child.line))
            if heading.children:
                read_from.append(heading.line)
        if duties:
            break
    if not duties:
        asked = units_asked(lines, start, end, default_year)
        if asked is None:
            return None
        due, due_line = asked
        return PlanReport(duties=[Duty(no=1, text=WHOLE_PLAN_DUTY, line=due_line)], due=due, due_line=due_line)
    for duty in duties:
        duty.count_label = count_label(duty.text)
    return PlanReport(duties=duties, due=due, due_line=due_line, lines=read_from)


def units_asked(lines: list[str], start: int, end: int, default_year: int | None) -> tuple[date, int] | None:
    """The due date and line of a sentence asking every grassroots unit to report on the plan ("Các đơn vị
    báo cáo kết quả về Văn phòng Đoàn Khối trước ngày 30/12/2026"), in a plan that lists no duties of
    theirs; the last such sentence wins. None when the body asks none."""
    found: tuple[date, int] | None = None
    for index in range(start, end):
        key = _ITEM_MARK.sub("", _key(squash(strip_markup(lines[index]))))
        if (asked := _UNITS_ASKED.match(key)) is None or (m := _REPORT_DUE.match(key, asked.end())) is None:
            continue
        try:
            found = (parse_when(m[1], default_year).end, index + 1)
        except DateError:
            continue
    return found


def report_due_date(lines: list[str], start: int, end: int, default_year: int | None) -> tuple[date | None, int | None]:
    """The date the body gives for the units' report on the plan ("báo cáo kết quả về Văn phòng trước ngày
    05/6/2023"), and its line; the last such sentence wins (the "Tổ chức thực hiện" one closes the plan)."""
    found: tuple[date | None, int | None] = (None, None)
    for index in range(start, end):
        key = _key(squash(strip_markup(lines[index])))
        if "bao cao" not in key:
            continue
        for m in _REPORT_DUE.finditer(key):
            try:
                when = parse_when(m[1], default_year)
            except DateError:
                continue
            found = (when.end, index + 1)
    return found


def read_unscheduled(
    lines: list[str], start: int, end: int, scheduled: list[PlannedActivity], issuer: str
) -> list[UnscheduledTask]:
    """The undated tasks of a section of the issuer's own level ("Hoạt động cấp Khối") that no activity
    names; each sentence that asks for something ("Tổ chức …", "Tuyên truyền …") is one task."""
    from campaign.lint import spoken_of

    tasks: list[UnscheduledTask] = []
    for heading in outline(lines, start, end):
        if heading.section == "purpose" or not _OWN_LEVEL_SECTION.match(_heading_words(heading.text)):
            continue
        for item in _leaves(heading):
            for sentence in _sentences(_whole(item, lines)):
                if spoken_of(sentence, scheduled) or _has_date(sentence):
                    continue
                task, owner = _owner(sentence)
                if len(task.split()) < 3:
                    continue
                tasks.append(UnscheduledTask(key=len(tasks) + 1, text=task, owner=owner or issuer, line=item.line))
    return tasks


def _leaves(item: Any) -> Iterator[Any]:
    for child in item.children:
        if child.children:
            yield from _leaves(child)
        else:
            yield child


_ASSIGNED = re.compile(r"\(\s*\*?\s*phân công\s+(.+?)\s+(?:phụ trách|thực hiện|chủ trì)\s*\*?\s*\)", re.IGNORECASE)


def _owner(sentence: str) -> tuple[str, str]:
    if m := _ASSIGNED.search(sentence):
        return squash(sentence[: m.start()] + sentence[m.end() :]).rstrip(" .;"), squash(m[1])
    return sentence.rstrip(" .;"), ""


def _sentences(text: str) -> list[str]:
    """The sentences of an item, never cut inside quotes or parentheses ("… “Việc gì lợi cho dân. …”")."""
    text = squash(text)
    parts, depth, begin = [], 0, 0
    for index, ch in enumerate(text):
        depth += 1 if ch in "“(" else -1 if ch in "”)" else 0
        depth = max(depth, 0)
        following = text[index + 2 : index + 3]
        if ch in ".;" and depth == 0 and text[index + 1 : index + 2] == " " and following[:1].isupper():
            parts.append(text[begin : index + 1])
            begin = index + 2
    parts.append(text[begin:])
    return [p.strip() for p in parts if p.strip()]


def _has_date(text: str) -> bool:
    return re.search(r"\bngày\s+\d{1,2}\s*/\s*\d{1,2}", text, re.IGNORECASE) is not None and not re.search(
        r"\d{1,2}/\d{1,2}/\d{4}\s*[–-]\s*\d{1,2}/\d{1,2}/\d{4}", text
    )


# --- at start ----------------------------------------------------------------------------------------


def grassroots_units(directory: UnitDirectory) -> list[ResponsibleParty]:
    """Every grassroots unit of the directory's organisation (not its clusters, office or committee)."""
    return [
        ResponsibleParty(name=u.name, role=UnitRole.LEAD, unit_code=u.code) for u in directory.of_kind(UnitKind.UNIT)
    ]


def plan_report_activity(plan: Plan, directory: UnitDirectory) -> PlannedActivity | None:
    """The activity of the units' report on the plan: due at the date the plan gives (a deadline: no
    preparation, reports due on the day), else over the plan's window (due the policy's report days after
    its end); None when the plan has no duties, the office turned it off, or the directory has no units."""
    report = plan.plan_report
    if report is None or not report.enabled or not report.duties:
        return None
    units = grassroots_units(directory)
    if not units:
        return None
    no = max((a.no for a in plan.activities), default=0) + 1
    if no > MAX_ACTIVITY_NO:
        return None
    window = plan.window
    start, end = (min(window.start, report.due), report.due) if report.due is not None else (window.start, window.end)
    return PlannedActivity(
        no=no,
        title=PLAN_REPORT_TITLE,
        kind=ActivityKind.DEADLINE,
        start=start,
        end=end,
        responsible=units,
        line=report.due_line,
        source_lines=sorted({*report.lines, *(d.line for d in report.duties if d.line)}),
        from_body=True,
        duties=[d.model_copy() for d in report.duties],
        due_given=report.due is not None,
    )


def with_plan_report(plan: Plan, directory: UnitDirectory) -> Plan:
    """The plan as a campaign runs it: its activities, then the units' report on the plan when it has one
    (once: a plan that already carries it is returned as it is)."""
    if any(a.duties for a in plan.activities):
        return plan
    activity = plan_report_activity(plan, directory)
    if activity is None:
        return plan
    return plan.model_copy(update={"activities": [*plan.activities, activity]})
