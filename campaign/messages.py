"""What people send to an activity: the messages, read from JSON with every field checked, and the
Vietnamese sentence for what was wrong; what each message checks in the activity's state and changes
there is campaign.message_rules."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from campaign.duty import DutyAnswer
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
from campaign.plan import UnitRole
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


class FromUnit(Message):
    """A unit's answer names the unit first (any door: its code or name), so a message without it is told
    so before anything else."""

    unit: UnitQuery


class ReadyBody(Message):
    """What a unit says when it confirms it is ready (the API's body as it is)."""

    note: Reason | None = Field(default=None, description="Ghi chú (không bắt buộc)")


class ConfirmReady(ReadyBody, FromUnit):
    via: Via | None = None  # who sent it, for the audit trail (e.g. the unit's link), when not the unit itself


class ReportBody(Message):
    """A results report as a unit types it, on every door (the API takes it as its body): exact types
    (no `true` for 1, no `"12"` for 12: a form reads its counts with `whole_number` first), every limit
    from campaign.limits. Who sends it and how is SubmitReport's."""

    model_config = ConfigDict(strict=True)

    summary: Annotated[str, Field(max_length=MAX_SUMMARY_CHARS), AfterValidator(_text)] = Field(
        description="Tóm tắt kết quả"
    )
    participants: People = Field(description="Số người tham gia")
    beneficiaries: People | None = Field(None, description="Số người được hưởng lợi")
    evidence: Annotated[list[Annotated[OneLine, Field(max_length=MAX_URL_CHARS)]], Field(max_length=MAX_EVIDENCE)] = (
        Field([], description="Đường dẫn minh chứng http/https")
    )
    submitted_by: Annotated[OneLine, Field(max_length=MAX_NAME_CHARS)] = Field("", description="Người gửi")
    request_id: Annotated[OneLine, Field(min_length=1, max_length=MAX_REQUEST_ID_CHARS)] | None = Field(
        None, description="Mã yêu cầu: gửi lại cùng mã không tạo bản mới"
    )
    # In a report on the plan: the answer on each of its duties (campaign.duties); None elsewhere
    duties: Annotated[list[DutyAnswer], Field(max_length=MAX_DUTIES)] | None = Field(
        None, description="Báo cáo kết quả thực hiện kế hoạch: trả lời từng nhiệm vụ"
    )


class SubmitReport(ReportBody, FromUnit):
    via: Via | None = None
    before_event_reason: Reason | None = None  # the office records a report before the event, and says why


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
    role: UnitRole = UnitRole.LEAD
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
    return problem_sentence(error.errors(include_url=False)[0])


def problem_sentence(first: Mapping[str, Any]) -> str:
    """One problem of a pydantic error (`type`, `loc`, `input`, `ctx`, `msg`, as `errors()` lists them;
    FastAPI's request errors too, once the `body` is taken off their `loc`) as one Vietnamese sentence."""
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


_DIGITS = re.compile(r"-?[0-9]+")
_GROUPED = re.compile(r"-?[0-9]{1,3}(?:([.,\s])[0-9]{3})(?:\1[0-9]{3})*")  # 1.200 / 1,200 / 1 200 / 12.345.678
MAX_COUNT_DIGITS = 19  # an int64, far past any count of people; longer is refused before it is read


def whole_number(typed: str, field: str) -> int:
    """A count typed in a form (participants, beneficiaries): digits, with "1.200", "1,200" or "1 200"
    read as 1200 (one kind of separator before each group of three digits is unambiguous for a count of
    people); a decimal ("2,5"), a mix ("1.200,5"), spaces elsewhere ("12 5"), more than
    MAX_COUNT_DIGITS digits, nothing or words are Rejected naming the field. A negative number is
    returned as typed, for the message's own limit to name it."""
    text = typed.strip()  # also a no-break space typed around it
    where = FIELD_NAMES.get(field, field)
    shown = visible(text[:40]) + ("…" if len(text) > 40 else "")
    if not text:
        raise Rejected(f"{where} chưa được nhập (viết bằng chữ số, ví dụ 120 hoặc 1.200)")
    grouped = _GROUPED.fullmatch(text)
    if _DIGITS.fullmatch(text) or grouped:
        digits = text if not grouped else text.replace(grouped[1], "")
        if len(digits.lstrip("-")) > MAX_COUNT_DIGITS:
            raise Rejected(f"{where} quá lớn (đã nhập “{shown}”)")
        return int(digits)
    if re.fullmatch(r"-?[0-9]*[.,][0-9]+", text):
        raise Rejected(f"{where} phải là số nguyên, không có phần thập phân (đã nhập “{shown}”)")
    raise Rejected(f"{where} phải là số nguyên viết bằng chữ số, ví dụ 120 hoặc 1.200 (đã nhập “{shown}”)")


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return visible(text[:60]) + ("…" if len(text) > 60 else "")
