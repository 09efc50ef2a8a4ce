"""Activities written in the plan's body: numbered or lettered items ("1.", "1.1.", "a)") and bullets
("-", "+", "•") whose lines give the time, place and who is responsible under the usual labels
("- Thời gian: …", "- Phụ trách: …"), in one sentence ("… tổ chức vào ngày 22/3/2025 tại hội trường,
Chi đoàn 10A3 phụ trách"), or nothing at all (a task that spans the plan's window).

What counts: an item with labelled lines; else a leaf item whose words give an event's date; else,
in a section of content (not "Mục đích, yêu cầu" nor "Tổ chức thực hiện"), a leaf task with no date.
An item with sub-items is their heading. Each raw activity keeps the lines it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from campaign.parties import is_person
from campaign.raw import RawActivity
from campaign.schedule import split_cells
from campaign.sentence import GROUP_OR_ORG, read_sentence
from campaign.text import fold, squash, strip_markup

# Labels as plans write them → the field they give; the participants' and form's labels are known
# (they never start an item) but give nothing the campaign runs on.
_LABELS = {
    "thoi gian to chuc": "time", "thoi gian thuc hien": "time", "thoi gian trien khai": "time",
    "thoi gian": "time", "thoi diem": "time", "ngay to chuc": "time",
    "thoi han hoan thanh": "deadline", "thoi han nop": "deadline", "thoi han": "deadline", "han chot": "deadline",
    "han nop": "deadline",
    "dia diem to chuc": "place", "dia diem thuc hien": "place", "dia diem": "place", "noi to chuc": "place",
    "don vi thuc hien": "lead", "don vi chu tri": "lead", "don vi phu trach": "lead", "don vi to chuc": "lead",
    "bo phan thuc hien": "lead", "luc luong thuc hien": "lead", "phan cong thuc hien": "lead",
    "nguoi phu trach": "lead", "phu trach": "lead", "thuc hien": "lead", "chu tri": "lead", "giao cho": "lead",
    "phan cong": "lead", "trach nhiem": "lead",
    "don vi phoi hop": "support", "phoi hop": "support",
    "hinh thuc": "other", "thanh phan": "other", "thanh phan tham du": "other", "doi tuong": "other",
    "so luong": "other", "noi dung": "other", "quy mo": "other", "kinh phi": "other", "san pham": "other",
}  # fmt: skip
_LABEL_AT = re.compile(r"^\s*(?:[-+•–*]\s*)?([^\W\d_][^:：]{1,34}?)\s*[:：]\s*(.*)$")
_ITEM = re.compile(
    r"^\s*(?:(?P<roman>[IVX]{1,4})\s*[./)]|(?P<num>\d{1,2}(?:\s*\.\s*\d{1,2}){0,3})\s*[.)]|"
    r"(?P<letter>[a-zđ])\s*[.)]|(?P<bullet>[-+•–—*●○▪■◦♦➢➤✓√]))\s*(?P<text>.*)$"
)
_PURPOSE = re.compile(r"^(muc dich|yeu cau|y nghia|muc tieu|chi tieu|quan diem)\b")
_ORGANISE = re.compile(
    r"^(to chuc thuc hien|phan cong|trach nhiem|kinh phi|che do bao cao|khen thuong|dieu khoan|de xuat|kien nghi)\b"
)
_SECTION_WORDS = re.compile(r"^(noi dung|cac hoat dong|hoat dong|nhiem vu|chuong trinh|cong viec|ke hoach|lich)\b")


def _label_field(name: str) -> str | None:
    return _LABELS.get(fold(name))


@dataclass
class _Item:
    line: int  # 1-based
    rank: int  # 0 a section; 1–4 numbered by depth; 5 a letter; 6+ a bullet
    path: str  # its number as written, within its parents ("2.1", "2.b"); "" for a bullet
    text: str
    parent: _Item | None = None
    labels: list[tuple[str, str, int]] = field(default_factory=list)  # (field, value, line)
    details: list[tuple[str, int]] = field(default_factory=list)  # paragraphs under it
    children: list[_Item] = field(default_factory=list)
    section: str = "content"  # purpose | organise | content: the kind of section it stands in
    is_section: bool = False


def _rank(m: re.Match[str]) -> tuple[int, str]:
    if m["roman"]:
        return 0, m["roman"]
    if m["num"]:
        parts = [p.strip() for p in m["num"].split(".") if p.strip()]
        return len(parts), ".".join(str(int(p)) for p in parts)
    if m["letter"]:
        return 5, m["letter"]
    return (7 if m["bullet"] == "+" else 6), ""


def _is_heading_line(text: str) -> bool:
    """A plain line in capitals, short: a section heading ("NỘI DUNG", "TỔ CHỨC THỰC HIỆN")."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and text == text.upper() and len(text.split()) <= 12 and len(letters) >= 4


def _label_at_end(words: str) -> tuple[str, int] | None:
    """The known label the words before a colon end with ("… Hội thi Thời gian"), and where it starts."""
    parts = words.split()
    for k in range(min(5, len(parts)), 0, -1):
        if name := _label_field(" ".join(parts[-k:])):
            return name, len(words) - len(" ".join(parts[-k:]))
    return None


def _labels_in(text: str, line: int) -> tuple[str, list[tuple[str, str, int]]]:
    """The item's own words and the labelled parts written after them on the same line."""
    cuts = []
    for m in re.finditer(r"[:：]", text):
        before = text[: m.start()]
        head = re.split(r"[.;,(]", before)[-1]  # the label is the last words of its clause
        if (found := _label_at_end(head)) is not None:
            name, at = found
            start = len(before) - len(head) + at
            cuts.append((start, m.end(), name))
    if not cuts:
        return text, []
    labels = []
    for (_start, end, name), following in zip(cuts, [*cuts[1:], None], strict=False):
        value = text[end : following[0] if following else len(text)].strip(" ;,.–-")
        labels.append((name, value, line))
    return text[: cuts[0][0]].strip(" .;,–-"), labels


def _section_kind(text: str) -> str | None:
    key = fold(text)
    if len(key.split()) > 10:
        return None
    if _PURPOSE.match(key):
        return "purpose"
    if _ORGANISE.match(key):
        return "organise"
    if _SECTION_WORDS.match(key):
        return "content"
    return None


def _add_item(items: list[_Item], number: int, rank: int, own: str, text: str) -> _Item:
    words, labels = _labels_in(text, number)
    parent = next((i for i in reversed(items) if i.rank < rank), None)
    path = own if rank == 0 or parent is None or parent.rank == 0 or rank <= 4 else f"{parent.path}.{own}"
    item = _Item(number, rank, path if own else "", words, parent, labels)
    kind = _section_kind(words.rstrip(":"))
    item.is_section = rank == 0 or kind is not None
    item.section = kind or (parent.section if parent else "content")
    if parent:
        parent.children.append(item)
    items.append(item)
    return item


def _items(lines: list[str], start: int, end: int) -> list[_Item]:
    items: list[_Item] = []
    current: _Item | None = None
    last_label: tuple[_Item, int] | None = None  # the item and index of the label a wrapped line continues
    plain: tuple[str, int] | None = None  # the paragraph just read, when it was plain text
    for index in range(start, end):
        number = index + 1
        if split_cells(lines[index]) is not None:
            continue  # a table's row: the table reader's
        text = squash(strip_markup(lines[index]))
        if not text:
            continue
        labelled = _LABEL_AT.match(text)
        if labelled and (name := _label_field(labelled[1])):
            if plain is not None and len(plain[0].split()) <= 25 and not plain[0].endswith(":"):
                # a plain paragraph followed by labelled lines is an item whose number Word kept in its
                # list formatting (or that was never numbered)
                if current is not None and current.details and current.details[-1] == plain:
                    current.details.pop()
                current = _add_item(items, plain[1], 6, "", plain[0])
            plain = None
            if current is None:
                continue
            head, more = _labels_in(labelled[2], number)
            current.labels.append((name, head, number))
            current.labels.extend(more)
            last_label = (current, len(current.labels) - 1)
            continue
        plain = None
        marked = _ITEM.match(text)
        if marked and marked["text"].strip():
            rank, own = _rank(marked)
            current, last_label = _add_item(items, number, rank, own, marked["text"].strip()), None
            continue
        if _is_heading_line(text):
            kind = _section_kind(text)
            item = _Item(number, 0, "", text, None, is_section=True, section=kind or "content")
            items.append(item)
            current, last_label = item, None
            continue
        if last_label is not None and text[:1].islower():  # a labelled value wrapped onto this line
            owner, at = last_label
            name, value, line = owner.labels[at]
            owner.labels[at] = (name, f"{value} {text}", line)
            continue
        plain = (text, number)
        if current is not None:
            current.details.append(plain)
    return items


def outline(lines: list[str], start: int, end: int) -> list[_Item]:
    """The items of lines[start:end] in order, each with its parent, children, details and the kind of
    section it stands in (for readers of other parts of the body, such as campaign.duties)."""
    return _items(lines, start, end)


def _raw_of(item: _Item, plan_title: str, plan_year: int | None) -> RawActivity | None:
    if item.section == "purpose":
        return None
    fields: dict[str, list[tuple[str, int]]] = {}
    for name, value, line in item.labels:
        fields.setdefault(name, []).append((value, line))
    given = {"time", "deadline", "place", "lead", "support"} & set(fields)
    task_children = [c for c in item.children if not c.is_section]
    if not given and (task_children or item.is_section):
        return None  # a heading: its sub-items are the activities
    words = item.text.rstrip(":").strip()
    who, _, task = words.partition(":")
    who_is_party = bool(task.strip()) and len(who.split()) <= 8 and (GROUP_OR_ORG.match(fold(who)) or is_person(who))
    if who_is_party:  # "Các chi đoàn: báo cáo kết quả …": who, then what
        words = task.strip()
        words = words[:1].upper() + words[1:]
    details = " ".join(text for text, _ in item.details)
    own = read_sentence(words, plan_year)
    whole = read_sentence(f"{words}. {details}", plan_year) if details else own
    title = own.title if len(own.title.split()) >= 2 else whole.title
    if item.is_section or not title:
        title = plan_title or words
    lines = [item.line, *(line for _, _, line in item.labels), *(line for _, line in item.details)]
    raw = RawActivity(title=title, time="", line=item.line, source_lines=lines, from_body=True)
    raw.label = item.path
    if "time" in fields:
        raw.time = fields["time"][0][0]
    elif "deadline" in fields:
        raw.time, raw.deadline = fields["deadline"][0][0], True
    else:
        raw.time = whole.time
    raw.notes = list(whole.notes)
    if raw.time and not re.search(r"\d", raw.time):
        raw.undated, raw.time = f"thời gian “{raw.time}” không ghi ngày", ""
    raw.place = fields["place"][0][0] if "place" in fields else whole.place
    raw.lead = "; ".join(v for v, _ in fields.get("lead", [])) or whole.responsible or (who if who_is_party else "")
    if "support" in fields:
        raw.support = "; ".join(v for v, _ in fields["support"])
    if not raw.time and not raw.undated:
        if not given and (item.section != "content" or len(words.split()) < 2):
            return None  # an undated line outside the content sections is not a task
        raw.undated = (
            f"ngày {whole.celebrated} là ngày được chào mừng, không rõ là ngày tổ chức"
            if whole.celebrated
            else "không ghi ngày"
        )
    return raw


def _section_mark(item: _Item) -> str:
    top = item
    while top.parent is not None:
        top = top.parent
    return top.path if top.rank == 0 else ""


def body_activities(
    lines: list[str], start: int, end: int, plan_title: str, plan_year: int | None
) -> list[RawActivity]:
    """The activities written in lines[start:end] (the body), in order, as raw activities. A number
    written twice (in two sections) is shown with its section's ("III.2")."""
    found = [(item, raw) for item in _items(lines, start, end) if (raw := _raw_of(item, plan_title, plan_year))]
    labels = [raw.label for _, raw in found if raw.label]
    twice = {label for label in labels if labels.count(label) > 1}
    for item, raw in found:
        if raw.label in twice and (mark := _section_mark(item)):
            raw.label = f"{mark}.{raw.label}"
    return [raw for _, raw in found]
