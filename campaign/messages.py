"""What people send to an activity, how it is checked, and what it changes.

Every check answers in Vietnamese and changes nothing when it rejects; the
workflow's update validators call the `check_*` functions, the handlers the
`apply_*` ones (which check again, so a handler never applies a bad message).
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from pydantic import BaseModel

from campaign.clock import end_of_day, format_deadline, start_of_day
from campaign.text import fold
from campaign.tracker import (
    FINAL_PHASES,
    ActivityState,
    Outcome,
    Phase,
    Report,
    UnitState,
    report_due_after,
    settle_outcomes,
)

MAX_EVIDENCE = 20


class Rejected(ValueError):
    """A message that cannot be accepted; str() is the Vietnamese reason."""


class ConfirmReady(BaseModel):
    unit: str
    note: str | None = None


class SubmitReport(BaseModel):
    unit: str
    summary: str
    participants: int
    beneficiaries: int | None = None
    evidence: list[str] = []
    submitted_by: str = ""
    request_id: str | None = None


class ExtendDeadline(BaseModel):
    unit: str | None = None  # None: every unit still expected
    new_due: date  # reports accepted on time until the end of this day
    reason: str


class ExcuseUnit(BaseModel):
    unit: str
    reason: str


class Reschedule(BaseModel):
    new_start: date
    new_end: date
    reason: str


class Cancel(BaseModel):
    reason: str


class Receipt(BaseModel):
    accepted: bool = True
    unit: str
    on_time: bool
    revision: int
    phase: Phase
    message: str
    duplicate: bool = False


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
    raise Rejected(f"đơn vị “{query}” không phụ trách hoạt động {activity.no} “{activity.title}”")


def _open(state: ActivityState, now: datetime) -> None:
    phase = state.phase(now)
    if phase in FINAL_PHASES:
        word = "đã kết thúc" if phase is Phase.CLOSED else "đã bị hủy"
        raise Rejected(f"hoạt động {state.activity.no} {word} ({phase.value}), không nhận thêm thông tin")


def _reason(reason: str) -> None:
    if not reason.strip():
        raise Rejected("cần ghi lý do")


def check_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime) -> UnitState:
    _open(state, now)
    return find_unit(state, message.unit)


def apply_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime) -> UnitState:
    unit = check_confirm_ready(state, message, now)
    if unit.ready_at is None:
        unit.ready_at = now
    if message.note:
        unit.ready_note = message.note.strip()
    return unit


def check_report(state: ActivityState, message: SubmitReport, now: datetime) -> UnitState:
    if message.request_id and message.request_id in state.receipts:
        return state.units[str(state.receipts[message.request_id]["unit"])]
    _open(state, now)
    unit = find_unit(state, message.unit)
    if not message.summary.strip():
        raise Rejected("tóm tắt kết quả không được để trống")
    if message.participants < 0:
        raise Rejected(f"số người tham gia phải ≥ 0 (đã nhập {message.participants})")
    if message.beneficiaries is not None and message.beneficiaries < 0:
        raise Rejected(f"số người được hưởng lợi phải ≥ 0 (đã nhập {message.beneficiaries})")
    if len(message.evidence) > MAX_EVIDENCE:
        raise Rejected(f"tối đa {MAX_EVIDENCE} minh chứng (đã gửi {len(message.evidence)})")
    for url in message.evidence:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url.strip():
            raise Rejected(f"minh chứng “{url}” không phải địa chỉ http/https hợp lệ")
    return unit


def apply_report(state: ActivityState, message: SubmitReport, now: datetime) -> Receipt:
    if message.request_id and message.request_id in state.receipts:
        return Receipt.model_validate({**state.receipts[message.request_id], "duplicate": True})
    unit = check_report(state, message, now)
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
    )
    timing = "đúng hạn" if on_time else f"trễ hạn ({format_deadline(unit.due)})"
    receipt = Receipt(
        unit=unit.code,
        on_time=on_time,
        revision=unit.report.revision,
        phase=state.phase(now),
        message=f"Đã nhận báo cáo lần {unit.report.revision} của {unit.name}, {timing}.",
    )
    if message.request_id:
        state.receipts[message.request_id] = receipt.model_dump(mode="json")
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
    units = check_extend(state, message, now)
    for unit in units:
        unit.due = end_of_day(message.new_due)
        unit.escalation_level = 0  # a new deadline starts the escalation ladder again
    return units


def check_excuse(state: ActivityState, message: ExcuseUnit, now: datetime) -> UnitState:
    _open(state, now)
    _reason(message.reason)
    unit = find_unit(state, message.unit)
    if unit.report is not None:
        raise Rejected(f"{unit.name} đã nộp báo cáo, không thể miễn")
    return unit


def apply_excuse(state: ActivityState, message: ExcuseUnit, now: datetime) -> UnitState:
    unit = check_excuse(state, message, now)
    unit.excused_reason = message.reason.strip()
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
    old_due = report_due_after(state.event_end, state.policy, frozenset(state.holidays))
    state.event_start = start_of_day(message.new_start)
    state.event_end = end_of_day(message.new_end)
    state.activity.start, state.activity.end = message.new_start, message.new_end
    new_due = report_due_after(state.event_end, state.policy, frozenset(state.holidays))
    for unit in state.units.values():
        if unit.due == old_due:  # an individually extended deadline stays as granted
            unit.due = new_due


def check_cancel(state: ActivityState, message: Cancel, now: datetime) -> None:
    _open(state, now)
    _reason(message.reason)


def apply_cancel(state: ActivityState, message: Cancel, now: datetime) -> None:
    check_cancel(state, message, now)
    state.cancelled_reason = message.reason.strip()
    settle_outcomes(state, without_report=Outcome.EXCUSED)  # nobody is missing from a cancelled activity
