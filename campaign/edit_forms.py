"""Reading what the office typed into the schedule editor's forms (a row, the plan's heading): dates,
times, days, units by name, and the row or heading it makes; EditError, in Vietnamese, names the activity
and the field at fault. Pure, like campaign.editing."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel

from campaign.dates import ActivityKind, time_of_day
from campaign.draft import KIND_WORDS, MAX_POLICY_DAYS, MAX_TEXT, EditError
from campaign.plan import Plan, PlannedActivity, ResponsibleParty, UnitRole, Window
from campaign.raw import hands_in
from campaign.text import fold, squash
from campaign.units import UnitDirectory, UnitNotFound

T = TypeVar("T")

_DAY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$")
_NUMBER = re.compile(r"^\d{1,3}(?:\.[0-9a-zđ]{1,3}){0,3}$")


# --- reading what the office typed -----------------------------------------------------------------


# The years a plan's date may be typed in: a month or quarter of year 9999 has no end a date can hold.
YEARS = range(1900, 3000)


def day_typed(text: str, what: str) -> date:
    """A day typed dd/mm/yyyy (d/m/yyyy too); never the browser's mm/dd/yyyy. EditError naming `what`:
    nothing typed, another form, a day that does not exist, a year outside YEARS."""
    if not text.strip():
        raise EditError(f"{what}: chưa nhập ngày (dd/mm/yyyy)")
    match = _DAY.match(text)
    if match is None:
        raise EditError(f"{what}: “{text.strip()[:30]}” không phải ngày dạng dd/mm/yyyy")
    day, month, year = (int(g) for g in match.groups())
    if year not in YEARS:
        raise EditError(f"{what}: năm {year} nằm ngoài {YEARS.start}–{YEARS.stop - 1}")
    try:
        return date(year, month, day)
    except ValueError:
        raise EditError(f"{what}: ngày {day:02d}/{month:02d}/{year} không có thật (nhập ngày/tháng/năm)") from None


def time_typed(text: str, what: str) -> time | None:
    if not text.strip():
        return None
    found, problem = time_of_day(text if re.search(r"[hHgG:]", text) else text + "h")
    if problem or found is None:
        raise EditError(f"{what}: “{text.strip()[:20]}” không phải giờ (ví dụ 7:30)")
    return found


def days_typed(text: str, what: str) -> str:
    if not text.strip():
        return ""
    try:
        days = float(text.replace(",", "."))
    except ValueError:
        raise EditError(f"{what}: “{text.strip()[:20]}” không phải số ngày") from None
    if not 0 <= days <= MAX_POLICY_DAYS:
        raise EditError(f"{what}: phải từ 0 đến {MAX_POLICY_DAYS} ngày")
    return text.strip()


def units_typed(text: str, role: UnitRole, directory: UnitDirectory, what: str) -> list[ResponsibleParty]:
    """Units typed by name (with or without diacritics), alias or code, several separated by ";" or new
    lines; "Các đơn vị của <cụm>" (or "cả <cụm>") is every unit of that cluster."""
    parties: list[ResponsibleParty] = []
    for piece in re.split(r"[;\n]", text):
        query = squash(piece)
        if not query:
            continue
        try:
            if (members := directory.cluster_named(query)) is not None:
                cluster, units = members
                if not units:
                    raise EditError(f"{what}: “{cluster.name}” không phải cụm có đơn vị thành viên")
            else:
                units = [directory.find(query)]
        except UnitNotFound as exc:
            raise EditError(f"{what}: {exc}") from None
        for unit in units:
            parties.append(ResponsibleParty(name=unit.name, role=role, unit_code=unit.code))
    return parties


class RowForm(BaseModel):
    """One activity as the editor's form sends it (all text, as typed)."""

    number: str
    title: str
    kind: str
    start: str
    end: str
    start_time: str = ""
    place: str = ""
    lead: list[str] = []  # codes of the lead units kept (ticked)
    support: list[str] = []
    add_lead: str = ""  # units typed to add
    add_support: str = ""
    unassigned: list[str] = []  # names without a unit that stay (ticked)
    groups: dict[int, str] = {}  # an unassigned name's index → the units typed for it
    contacts: str = ""
    ready_lead: str = ""
    report_due: str = ""


class HeadingForm(BaseModel):
    code: str
    title: str
    issued_on: str
    window_start: str
    window_end: str


def text_typed(value: str, what: str) -> str:
    value = squash(value)
    if len(value) > MAX_TEXT:
        raise EditError(f"{what}: dài {len(value)} ký tự, tối đa {MAX_TEXT}")
    return value


def _names(parties: Sequence[ResponsibleParty], role: UnitRole) -> str:
    return "; ".join(p.name for p in parties if p.role is role and p.unit_code)


def _unassigned(parties: Sequence[ResponsibleParty]) -> str:
    return "; ".join(p.name for p in parties if not p.unit_code)


def day_shown(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def fields_of(activity: PlannedActivity, policy: Mapping[str, str]) -> dict[str, str]:
    """A row's values as the editor shows them and the change log records them."""
    return {
        "number": activity.number,
        "title": activity.title,
        "kind": KIND_WORDS[activity.kind],
        "start": "" if activity.date_unread else day_shown(activity.start),
        "end": "" if activity.date_unread else day_shown(activity.end),
        "start_time": f"{activity.start_time:%H:%M}" if activity.start_time else "",
        "place": activity.place,
        "lead": _names(activity.responsible, UnitRole.LEAD),
        "support": _names(activity.responsible, UnitRole.SUPPORT),
        "unassigned": _unassigned(activity.responsible),
        "contacts": "; ".join(activity.contacts),
        "ready_lead": policy.get("ready_lead", ""),
        "report_due": policy.get("report_due", ""),
    }


def heading_of(plan: Plan) -> dict[str, str]:
    return {
        "code": plan.code,
        "plan_title": plan.title,
        "issued_on": day_shown(plan.issued_on),
        "window_start": day_shown(plan.window.start),
        "window_end": day_shown(plan.window.end),
    }


def _dates(kind: ActivityKind, start: date, end: date, window: Window, old: PlannedActivity) -> tuple[date, date]:
    """The start and end a kind means: one day (the start; or the end when only it was changed), the
    whole month or quarter of the start, a deadline's end (starting with the plan), a range as typed."""
    if kind is ActivityKind.SINGLE_DAY:
        day = end if start == old.start and end != old.end and not old.date_unread else start
        return day, day
    if kind is ActivityKind.DEADLINE:
        return min(window.start, end), end
    if kind is ActivityKind.WHOLE_MONTH:
        first = start.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if kind is ActivityKind.QUARTER:
        first = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        return first, (first + timedelta(days=95)).replace(day=1) - timedelta(days=1)
    return start, end


class Problems:
    """What a form gets wrong, field by field (campaign.editing.apply_form gathers a whole form's): each
    parse that fails is said and its fallback used, so one "Áp dụng" names every field at fault
    (EditError with a line each)."""

    def __init__(self) -> None:
        self.said: list[str] = []

    def take(self, fallback: T, parse: Callable[..., T], *args: Any) -> T:
        """`parse(*args)`, or `fallback` with what it said kept."""
        try:
            return parse(*args)
        except EditError as exc:
            self.said.append(str(exc))
            return fallback

    def raise_any(self) -> None:
        if self.said:
            raise EditError("\n".join(self.said))


def edited_row(old: PlannedActivity, form: RowForm, window: Window, directory: UnitDirectory) -> PlannedActivity:
    """The activity as the form says it now (EditError naming every field that cannot be taken)."""
    shown = old.number
    problems = Problems()
    number = squash(form.number).rstrip(".")
    if not _NUMBER.match(fold(number).replace(" ", "") if number else ""):
        problems.said.append(f"Hoạt động {shown}: số thứ tự “{number[:12]}” phải là số (như 3) hoặc mục con (như 3.1)")
        number = old.number
    title = problems.take(old.title, text_typed, form.title, f"Hoạt động {shown}: tên")
    try:
        kind = ActivityKind(form.kind)
    except ValueError:
        problems.said.append(f"Hoạt động {shown}: loại thời gian “{form.kind[:20]}” không có")
        kind = old.kind
    unset = bool(old.date_unread) and not (form.start.strip() or form.end.strip())  # still waits for its date
    start, end = old.start, old.end
    if not unset:
        said_start, said_end = f"Hoạt động {shown}: ngày bắt đầu", f"Hoạt động {shown}: ngày kết thúc"
        if form.start.strip() or not form.end.strip():  # one day typed stands for both, said of its own field
            typed_start = problems.take(None, day_typed, form.start, said_start)
            typed_end = problems.take(None, day_typed, form.end, said_end) if form.end.strip() else typed_start
        else:
            typed_start = typed_end = problems.take(None, day_typed, form.end, said_end)
        if typed_start is not None and typed_end is not None:
            start, end = problems.take((start, end), _dates, kind, typed_start, typed_end, window, old)
    start_time = problems.take(old.start_time, time_typed, form.start_time, f"Hoạt động {shown}: giờ bắt đầu")
    place = problems.take(old.place, text_typed, form.place, f"Hoạt động {shown}: địa điểm")
    responsible: list[ResponsibleParty] = []
    kept = {UnitRole.LEAD: set(form.lead), UnitRole.SUPPORT: set(form.support)}
    for index, party in enumerate(old.responsible):
        if party.unit_code:
            if party.unit_code in kept[party.role]:
                responsible.append(party)
        elif text := form.groups.get(index, "").strip():
            what = f"Hoạt động {shown}: đơn vị cho “{party.name}”"
            responsible.extend(problems.take([], units_typed, text, party.role, directory, what))
        elif party.name in form.unassigned:
            responsible.append(party)
    for text, role, what in ((form.add_lead, UnitRole.LEAD, "thêm đơn vị phụ trách"),
                             (form.add_support, UnitRole.SUPPORT, "thêm đơn vị phối hợp")):  # fmt: skip
        said = f"Hoạt động {shown}: {what}"
        responsible.extend(problems.take([], units_typed, text, role, directory, said))
    unique: list[ResponsibleParty] = []
    seen: set[tuple[str, str]] = set()
    for party in responsible:
        key = (party.unit_code or f"?{party.name}", party.role.value)
        if key not in seen:
            seen.add(key)
            unique.append(party)
    changed = old.model_copy(deep=True)
    if number.isdigit():
        changed.no, changed.label = int(number), ""
    else:
        changed.label = number
    changed.title = title
    changed.kind, changed.start, changed.end = kind, start, end
    changed.date_unread = old.date_unread if unset else ""
    if not changed.duties:  # as the importer reads it: handing something in by a deadline is due that day
        changed.due_given = kind is ActivityKind.DEADLINE and hands_in(changed.title)
    changed.start_time = start_time
    changed.place = place
    changed.responsible = unique
    contacts = problems.take("", text_typed, form.contacts, f"Hoạt động {shown}: người liên hệ")
    changed.contacts = [c for c in (squash(p) for p in contacts.split(";")) if c]
    problems.raise_any()
    return changed


def edited_heading(plan: Plan, form: HeadingForm) -> Plan:
    """The plan's own fields as the form says them (EditError naming every field that cannot be taken)."""
    problems = Problems()
    changed = plan.model_copy(deep=True)
    changed.code = problems.take(plan.code, text_typed, form.code, "Số kế hoạch")[:60]
    changed.title = problems.take(plan.title, text_typed, form.title, "Tên kế hoạch")
    if form.issued_on.strip():
        changed.issued_on = problems.take(plan.issued_on, day_typed, form.issued_on, "Ngày ban hành")
    else:
        changed.issued_on = None
    start = problems.take(None, day_typed, form.window_start, "Kế hoạch từ ngày")
    end = problems.take(None, day_typed, form.window_end, "Kế hoạch đến ngày")
    if start is not None and end is not None:
        if end < start:
            problems.said.append(f"Thời gian kế hoạch: đến ngày {end:%d/%m/%Y} trước từ ngày {start:%d/%m/%Y}")
        else:
            changed.window = Window(start=start, end=end)
    problems.raise_any()
    return changed
