"""What people send to an activity, how it is checked, and what it changes.

Every check answers in Vietnamese and changes nothing when it rejects. Each message has
`check_*` (reads the state, returns what it found), `enact_*` (the change, given what its check
found) and `apply_*` (both, in one go). The workflow's update validator checks; its handler enacts
what that check found when the state has not moved since, and applies (checks again) otherwise.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from datetime import date, datetime
from typing import Annotated, NamedTuple, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from campaign.clock import end_of_day, format_deadline, format_moment, start_of_day
from campaign.duty import DutyAnswer, answers_problem
from campaign.escape import CONTROL_CHARACTERS, visible
from campaign.limits import (
    MAX_ASSIGNED_AT_ONCE,
    MAX_DUTIES,
    MAX_EVIDENCE,
    MAX_MESSAGE_BYTES,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_PEOPLE,
    MAX_REQUEST_ID_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_UNIT_QUERY_CHARS,
    MAX_URL_CHARS,
)
from campaign.plan import Role
from campaign.text import fold
from campaign.tracker import (
    FINAL_PHASES,
    ActivityState,
    Outcome,
    Phase,
    Report,
    UnitState,
    reports_due,
    settle_outcomes,
)
from campaign.units import Unit


class Rejected(ValueError):
    """A message that cannot be accepted; str() is the Vietnamese reason."""


class Ended(Rejected):
    """The activity has ended (closed or cancelled): nothing more is taken. Every door answers it with
    `ended_sentence` (409 on the web), told apart by this type, never by its words."""


def ended_sentence(no: int | str, cancelled: bool = False) -> str:
    """What every door says when an activity no longer takes messages (closed, closing, cancelled)."""
    return f"Hoạt động {no} {'đã bị hủy' if cancelled else 'đã kết thúc'}, không nhận thêm thông tin."


def line_breaks_as_lf(value: object) -> object:
    """CR LF and a lone CR as LF, in a text and in the texts of a list or a dict's values (one level).

    Browsers send a textarea's line breaks as CR LF; every door reads a line break as LF before any
    check, and lengths are counted after it, as a textarea's `maxlength` counts them."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, list):
        return [line_breaks_as_lf(item) if isinstance(item, str) else item for item in value]
    if isinstance(value, dict):
        return {key: line_breaks_as_lf(item) if isinstance(item, str | list) else item for key, item in value.items()}
    return value


def _one_line(value: str) -> str:
    if CONTROL_CHARACTERS.search(value) or "\n" in value or "\t" in value:
        raise PydanticCustomError("control_characters", "có ký tự điều khiển hoặc xuống dòng")
    return value


def _text(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("control_characters", "có ký tự điều khiển")
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
UnitQuery = Annotated[OneLine, Field(min_length=1, max_length=MAX_UNIT_QUERY_CHARS)]
Reason = Annotated[str, Field(max_length=MAX_NOTE_CHARS), AfterValidator(_text)]
People = Annotated[int, Field(ge=0, le=MAX_PEOPLE)]


class Message(BaseModel):
    """What a person sends: unknown fields are refused, every field within campaign.limits; line breaks
    are read as LF before any check (`line_breaks_as_lf`)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _line_breaks(cls, raw: object) -> object:
        return line_breaks_as_lf(raw) if isinstance(raw, dict) else raw


Via = Annotated[OneLine, Field(min_length=1, max_length=MAX_NAME_CHARS)]


class ConfirmReady(Message):
    unit: UnitQuery
    note: Reason | None = None
    via: Via | None = None  # who sent it, for the audit trail (e.g. the unit's link), when not the unit itself


class SubmitReport(Message):
    unit: UnitQuery
    summary: Annotated[str, Field(max_length=MAX_SUMMARY_CHARS), AfterValidator(_text)]
    participants: People
    beneficiaries: People | None = None
    evidence: Annotated[list[Annotated[OneLine, Field(max_length=MAX_URL_CHARS)]], Field(max_length=MAX_EVIDENCE)] = []
    submitted_by: Annotated[OneLine, Field(max_length=MAX_NAME_CHARS)] = ""
    request_id: Annotated[OneLine, Field(min_length=1, max_length=MAX_REQUEST_ID_CHARS)] | None = None
    via: Via | None = None
    before_event_reason: Reason | None = None  # the office records a report before the event, and says why
    # In a report on the plan: the answer on each of its duties (campaign.duties); None elsewhere
    duties: Annotated[list[DutyAnswer], Field(max_length=MAX_DUTIES)] | None = None


class ExtendDeadline(Message):
    unit: UnitQuery | None = None  # None: every unit still expected
    new_due: date  # reports accepted on time until the end of this day
    reason: Reason
    via: Via | None = None


class ExcuseUnit(Message):
    unit: UnitQuery
    reason: Reason
    via: Via | None = None


class Reschedule(Message):
    new_start: date
    new_end: date
    reason: Reason
    via: Via | None = None


class Cancel(Message):
    reason: Reason
    via: Via | None = None


class AssignUnits(Message):
    """The office names concrete units for an activity (for a described group, or in addition)."""

    units: Annotated[list[Unit], Field(min_length=1, max_length=MAX_ASSIGNED_AT_ONCE)]
    role: Role = Role.LEAD
    reason: Reason | None = None
    via: Via | None = None


M = TypeVar("M", bound=Message)

FIELD_NAMES = {
    "unit": "đơn vị",
    "note": "ghi chú",
    "summary": "tóm tắt kết quả",
    "participants": "số người tham gia",
    "beneficiaries": "số người được hưởng lợi",
    "evidence": "minh chứng",
    "submitted_by": "người gửi",
    "request_id": "mã yêu cầu",
    "new_due": "hạn mới",
    "new_start": "ngày bắt đầu mới",
    "new_end": "ngày kết thúc mới",
    "reason": "lý do",
    "via": "người gửi qua",
    "before_event_reason": "lý do nhận báo cáo trước khi hoạt động diễn ra",
    "units": "đơn vị",
    "role": "vai trò",
    "duties": "nhiệm vụ",
}


def read_message(model: type[M], raw: object) -> M:
    """`raw` (a message as any client sent it) as `model`, or Rejected naming the field at fault."""
    if isinstance(raw, model):
        raw = raw.model_dump(mode="json")
    try:
        size = len(json.dumps(raw, ensure_ascii=False, default=str).encode())
    except (TypeError, ValueError):
        raise Rejected("tin nhắn không phải JSON hợp lệ") from None
    if size > MAX_MESSAGE_BYTES:
        raise Rejected(f"tin nhắn quá lớn ({size} byte, tối đa {MAX_MESSAGE_BYTES})")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise Rejected(validation_problem(exc)) from None


def validation_problem(error: ValidationError) -> str:
    """The first problem of a pydantic error as one Vietnamese sentence naming the field in words (people
    read it on every door: no field id such as "(participants)")."""
    first = error.errors(include_url=False)[0]
    kind, ctx = first["type"], first.get("ctx", {})
    place = [str(part) for part in first["loc"]]
    field = place[0] if place else ""
    where = FIELD_NAMES[field] if field in FIELD_NAMES else f"trường “{visible(field[:40])}”"
    if len(place) > 1:
        where += f" mục {int(place[1]) + 1}" if place[1].isdigit() else ""
    given = _shown(first.get("input"))
    if kind == "missing":
        return f"thiếu {where}"
    if kind == "extra_forbidden":
        return f"{where} không có trong loại tin nhắn này"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "tin nhắn phải là một đối tượng JSON với các trường có tên"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"{where} phải là số nguyên (đã nhập {given})"
    if kind == "greater_than_equal":
        return f"{where} phải ≥ {ctx['ge']} (đã nhập {given})"
    if kind == "less_than_equal":
        return f"{where} tối đa {ctx['le']} (đã nhập {given})"
    if kind == "string_too_long" or (kind == "too_long" and isinstance(first["input"], str)):
        return f"{where} dài quá: tối đa {ctx['max_length']} ký tự (đã nhập {len(str(first['input']))})"
    if kind == "string_too_short" or (kind == "too_short" and isinstance(first["input"], str)):
        return f"{where} không được để trống"
    if kind == "too_long":
        return f"{where}: tối đa {ctx['max_length']} mục (đã gửi {ctx.get('actual_length', '?')})"
    if kind == "string_type":
        return f"{where} phải là chuỗi chữ (đã nhập {given})"
    if kind == "list_type":
        return f"{where} phải là một danh sách"
    if kind.startswith("date"):
        return f"{where} phải là một ngày dạng YYYY-MM-DD (đã nhập {given})"
    if kind == "control_characters":
        return f"{where} {first['msg']}"
    return f"{where} không hợp lệ (đã nhập {given})"


_HOST_FIRST = re.compile(r"(?:[\w-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]\S*)?", re.IGNORECASE)


def evidence_link(typed: str) -> str:
    """An evidence link as typed in the form: one written without a scheme ("drive.google.com/…",
    "www.facebook.com/…") is read as https; anything else is passed on as typed, for `check_report`
    to refuse saying how to write it."""
    link = typed.strip()
    if (
        "://" not in link
        and not link.lower().startswith(("javascript:", "data:", "mailto:"))
        and _HOST_FIRST.fullmatch(link)
    ):
        return "https://" + link
    return link


_DIGITS = re.compile(r"-?[0-9]{1,19}")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*")  # 1.200 / 1,200 / 12.345.678


def whole_number(typed: str, field: str) -> int:
    """A count typed in a form (participants, beneficiaries): digits, with "1.200" or "1,200" read as
    1200 (a separator before each group of three digits, one kind of separator, is unambiguous for a
    count of people); a decimal ("2,5"), a mix ("1.200,5") or words are Rejected naming the field.
    A negative number is returned as typed, for the message's own limit to name it."""
    text = "".join(typed.split())  # spaces, also a no-break space between groups
    if _DIGITS.fullmatch(text):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(text.replace(".", "").replace(",", ""))
    where = FIELD_NAMES.get(field, field)
    shown = visible(typed.strip()[:40])
    if re.fullmatch(r"-?[0-9]*[.,][0-9]+", text):
        raise Rejected(f"{where} phải là số nguyên, không có phần thập phân (đã nhập “{shown}”)")
    raise Rejected(f"{where} phải là số nguyên viết bằng chữ số, ví dụ 120 hoặc 1.200 (đã nhập “{shown}”)")


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return visible(text[:60]) + ("…" if len(text) > 60 else "")


class Receipt(BaseModel):
    accepted: bool = True
    unit: str
    on_time: bool
    revision: int
    phase: Phase
    message: str
    duplicate: bool = False
    received_at: datetime | None = None  # plan time (the campaign's clock); None in receipts kept before it


def find_unit(state: ActivityState, query: str) -> UnitState:
    """A responsible unit by code or name (tolerant of case and diacritics)."""
    if query in state.units:
        return state.units[query]
    key = fold(query)
    exact = [u for u in state.units.values() if fold(u.name) == key or fold(u.code) == key]
    prefixed = [u for u in state.units.values() if fold(u.name).startswith(key + " ")]
    for matches in (exact, prefixed):
        if len(matches) == 1:
            return matches[0]
    activity = state.activity
    closest = closest_units(state, key)
    hint = f"; có phải: {', '.join(f'{u.name} ({u.code})' for u in closest)}?" if closest else ""
    raise Rejected(f"đơn vị “{visible(query[:80])}” không phụ trách hoạt động {activity.no} “{activity.title}”{hint}")


def closest_units(state: ActivityState, folded_query: str, limit: int = 3) -> list[UnitState]:
    """The responsible units whose code or name looks most like what was typed (a misspelling)."""
    keys = {fold(u.name): u for u in state.units.values()} | {fold(u.code): u for u in state.units.values()}
    found: list[UnitState] = []
    for key in difflib.get_close_matches(folded_query, list(keys), n=limit * 2, cutoff=0.6):
        if keys[key] not in found:
            found.append(keys[key])
    return found[:limit]


def _open(state: ActivityState, now: datetime) -> None:
    phase = state.phase(now)
    if phase in FINAL_PHASES:
        raise Ended(ended_sentence(state.activity.number or state.activity.no, cancelled=phase is Phase.CANCELLED))


def _reason(reason: str) -> None:
    if not reason.strip():
        raise Rejected("cần ghi lý do")


def check_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime) -> UnitState:
    _open(state, now)
    return find_unit(state, message.unit)


def apply_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime) -> UnitState:
    return enact_confirm_ready(state, message, now, check_confirm_ready(state, message, now))


def enact_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime, unit: UnitState) -> UnitState:
    if unit.ready_at is None:
        unit.ready_at = now
    if message.note:
        unit.ready_note = message.note.strip()
    return unit


def _receipt_key(unit: UnitState, request_id: str) -> str:
    return f"{unit.code}/{request_id}"


def _fingerprint(message: SubmitReport) -> str:
    left_out = {"request_id", "unit", "via", "before_event_reason"} | ({"duties"} if message.duties is None else set())
    content = message.model_dump(mode="json", exclude=left_out)
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def keep_latest_receipts(state: ActivityState) -> None:
    """Only each unit's latest receipt goes on to the next run (continue-as-new): a client retries a
    request within moments, and a city's thousands of revisions would otherwise ride along for ever."""
    latest: dict[object, tuple[str, dict[str, object]]] = {}
    for key, receipt in state.receipts.items():
        unit = receipt.get("unit")
        kept = latest.get(unit)
        if kept is None or int(str(receipt.get("revision", 0))) >= int(str(kept[1].get("revision", 0))):
            latest[unit] = (key, receipt)
    state.receipts = dict(latest.values())


def earlier_receipt(state: ActivityState, unit: UnitState, message: SubmitReport) -> Receipt | None:
    """The receipt already given for this unit's request ID; the same ID with other content is refused."""
    if not message.request_id:
        return None
    kept = state.receipts.get(_receipt_key(unit, message.request_id))
    if kept is None:  # kept before receipts were keyed by unit
        kept = state.receipts.get(message.request_id)
        kept = kept if kept and kept.get("unit") == unit.code else None
    if kept is None:
        return None
    if kept.get("fingerprint") not in (None, _fingerprint(message)):
        raise Rejected(
            f"mã yêu cầu “{message.request_id}” đã dùng cho một báo cáo khác của {unit.name}; "
            "mỗi báo cáo mới cần một mã yêu cầu mới"
        )
    receipt = {k: v for k, v in kept.items() if k != "fingerprint"}
    return Receipt.model_validate({**receipt, "duplicate": True})


class CheckedReport(NamedTuple):
    unit: UnitState
    earlier: Receipt | None  # the receipt already given for this request ID: the report is sent again


def check_report(state: ActivityState, message: SubmitReport, now: datetime) -> CheckedReport:
    unit = find_unit(state, message.unit)
    if (earlier := earlier_receipt(state, unit, message)) is not None:
        return CheckedReport(unit, earlier)
    _open(state, now)
    if now < state.event_start and not (message.before_event_reason or "").strip():
        raise Rejected(
            f"hoạt động {state.activity.no} chưa diễn ra (bắt đầu {format_moment(state.event_start)}); "
            "báo cáo kết quả được nhận từ khi hoạt động bắt đầu"
        )
    if not message.summary.strip():
        raise Rejected("tóm tắt kết quả không được để trống")
    if problem := answers_problem(state.activity.duties, message.duties):
        raise Rejected(problem)
    for url in message.evidence:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url.strip():
            raise Rejected(
                f"minh chứng “{visible(url[:200])}” không phải địa chỉ http/https hợp lệ; viết đầy đủ địa chỉ, "
                "bắt đầu bằng https://, ví dụ https://drive.google.com/… (mỗi dòng một địa chỉ)"
            )
    return CheckedReport(unit, None)


def apply_report(state: ActivityState, message: SubmitReport, now: datetime) -> Receipt:
    return enact_report(state, message, now, check_report(state, message, now))


def enact_report(state: ActivityState, message: SubmitReport, now: datetime, checked: CheckedReport) -> Receipt:
    unit, earlier = checked
    if earlier is not None:
        return earlier
    previous = unit.report
    on_time = previous.on_time if previous else now <= unit.due
    unit.report = Report(
        revision=previous.revision + 1 if previous else 1,
        summary=message.summary.strip(),
        participants=message.participants,
        beneficiaries=message.beneficiaries,
        evidence=[url.strip() for url in message.evidence],
        submitted_by=message.submitted_by.strip(),
        submitted_at=now,
        first_submitted_at=previous.first_submitted_at if previous else now,
        on_time=on_time,
        duties=sorted(message.duties or [], key=lambda a: a.duty),
    )
    state.note(unit)
    timing = "đúng hạn" if on_time else f"trễ hạn ({format_deadline(unit.due)})"
    receipt = Receipt(
        unit=unit.code,
        on_time=on_time,
        revision=unit.report.revision,
        phase=state.phase(now),
        message=f"Đã nhận báo cáo lần {unit.report.revision} của {unit.name}, {timing}.",
        received_at=now,
    )
    if message.request_id:
        kept = receipt.model_dump(mode="json")
        state.receipts[_receipt_key(unit, message.request_id)] = {**kept, "fingerprint": _fingerprint(message)}
    return receipt


def check_extend(state: ActivityState, message: ExtendDeadline, now: datetime) -> list[UnitState]:
    _open(state, now)
    _reason(message.reason)
    new_due = end_of_day(message.new_due)
    if new_due <= now:
        raise Rejected(f"hạn mới {message.new_due:%d/%m/%Y} đã qua")
    if message.unit is None:
        units = [u for u in state.units.values() if not u.settled]
        if not units:
            raise Rejected("không còn đơn vị nào chưa báo cáo")
        return units
    unit = find_unit(state, message.unit)
    if unit.settled:
        raise Rejected(f"{unit.name} đã báo cáo hoặc đã được miễn, không cần gia hạn")
    return [unit]


def apply_extend(state: ActivityState, message: ExtendDeadline, now: datetime) -> list[UnitState]:
    return enact_extend(state, message, now, check_extend(state, message, now))


def enact_extend(
    state: ActivityState, message: ExtendDeadline, now: datetime, units: list[UnitState]
) -> list[UnitState]:
    for unit in units:
        unit.due = end_of_day(message.new_due)
        unit.escalation_level = 0  # a new deadline starts the escalation ladder again
        state.note(unit)
    return units


def check_excuse(state: ActivityState, message: ExcuseUnit, now: datetime) -> UnitState:
    _open(state, now)
    _reason(message.reason)
    unit = find_unit(state, message.unit)
    if unit.report is not None:
        raise Rejected(f"{unit.name} đã nộp báo cáo, không thể miễn")
    return unit


def apply_excuse(state: ActivityState, message: ExcuseUnit, now: datetime) -> UnitState:
    return enact_excuse(state, message, now, check_excuse(state, message, now))


def enact_excuse(state: ActivityState, message: ExcuseUnit, now: datetime, unit: UnitState) -> UnitState:
    unit.excused_reason = message.reason.strip()
    state.note(unit)
    return unit


def check_reschedule(state: ActivityState, message: Reschedule, now: datetime) -> None:
    _open(state, now)
    _reason(message.reason)
    if message.new_end < message.new_start:
        raise Rejected(f"ngày kết thúc {message.new_end:%d/%m/%Y} trước ngày bắt đầu {message.new_start:%d/%m/%Y}")
    if end_of_day(message.new_end) <= now:
        raise Rejected(f"ngày kết thúc mới {message.new_end:%d/%m/%Y} đã qua")
    if now >= state.event_end:
        raise Rejected(f"hoạt động {state.activity.no} đã diễn ra, không thể dời lịch")


def apply_reschedule(state: ActivityState, message: Reschedule, now: datetime) -> None:
    """Move the event; every reminder and due date follows (their keys carry their times)."""
    check_reschedule(state, message, now)
    enact_reschedule(state, message, now, None)


def enact_reschedule(state: ActivityState, message: Reschedule, now: datetime, checked: None) -> None:
    old_due = reports_due(state.activity, state.event_end, state.policy, state.holidays)
    state.event_start = start_of_day(message.new_start)
    state.event_end = end_of_day(message.new_end)
    state.activity.start, state.activity.end = message.new_start, message.new_end
    new_due = reports_due(state.activity, state.event_end, state.policy, state.holidays)
    for unit in state.units.values():
        if unit.due == old_due:  # an individually extended deadline stays as granted
            unit.due = new_due


def check_assign(state: ActivityState, message: AssignUnits, now: datetime) -> list[Unit]:
    _open(state, now)
    codes = [u.code for u in message.units]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise Rejected(f"đơn vị {', '.join(repeated)} được ghi hai lần")
    already = [state.units[c].name for c in codes if c in state.units]
    if already:
        raise Rejected(f"{', '.join(already)} đã được phân công hoạt động {state.activity.no}")
    return message.units


def apply_assign(state: ActivityState, message: AssignUnits, now: datetime) -> list[UnitState]:
    """New units are expected from now: their report is due as for the others, or `report_due` from now if later
    (a unit named after the day the plan gave still has the policy's time to report)."""
    return enact_assign(state, message, now, check_assign(state, message, now))


def enact_assign(state: ActivityState, message: AssignUnits, now: datetime, units: list[Unit]) -> list[UnitState]:
    due = max(reports_due(state.activity, state.event_end, state.policy, state.holidays), now + state.policy.report_due)
    added = [UnitState(code=u.code, name=u.name, role=message.role, due=due) for u in units]
    for unit in added:
        state.units[unit.code] = unit
        state.note(unit)
    state.unassigned = []  # the office has named the units the plan described
    return added


def check_cancel(state: ActivityState, message: Cancel, now: datetime) -> None:
    _open(state, now)
    _reason(message.reason)


def apply_cancel(state: ActivityState, message: Cancel, now: datetime) -> None:
    check_cancel(state, message, now)
    enact_cancel(state, message, now, None)


def enact_cancel(state: ActivityState, message: Cancel, now: datetime, checked: None) -> None:
    state.cancelled_reason = message.reason.strip()
    settle_outcomes(state, without_report=Outcome.EXCUSED)  # nobody is missing from a cancelled activity
