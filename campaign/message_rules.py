"""What each message checks in an activity's state and what it changes there (the messages themselves are
campaign.messages).

Every check answers in Vietnamese and changes nothing when it rejects. Each message has
`check_*` (reads the state, returns what it found) and `enact_*` (the change, given what its check
found); `apply_cancel` does both in one go (the campaign's cancel signal; the tests' tests.applied
does so for the others). The workflow's update validator checks; its handler enacts what that check
found when the state has not moved since, and checks again otherwise (workflows.checked).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from pydantic import BaseModel

from campaign.clock import end_of_day, format_deadline, format_moment, start_of_day
from campaign.due import settle_outcomes
from campaign.duty import answers_problem
from campaign.escape import visible
from campaign.messages import (
    AssignUnits,
    Cancel,
    ConfirmReady,
    Ended,
    ExcuseUnit,
    ExtendDeadline,
    Rejected,
    Reschedule,
    SubmitReport,
    ended_sentence,
)
from campaign.text import fold
from campaign.tracker import FINAL_PHASES, ActivityState, Outcome, Phase, Report, UnitState, reports_due
from campaign.units import Unit


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


def enact_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime, unit: UnitState) -> UnitState:
    if unit.ready_at is None:
        unit.ready_at = now
    if message.note:
        unit.ready_note = message.note.strip()
    state.note(unit)
    return unit


def _receipt_key(unit: UnitState, request_id: str) -> str:
    return f"{unit.code}/{request_id}"


def _fingerprint(message: SubmitReport) -> str:
    left_out = {"request_id", "unit", "via", "before_event_reason"} | ({"duties"} if message.duties is None else set())
    content = message.model_dump(mode="json", exclude=left_out)
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def keep_latest_receipts(state: ActivityState) -> None:
    """Only each unit's latest receipt goes on to the next run (continue-as-new): a client retries a
    request within moments, and a city's thousands of revisions would otherwise ride along for ever.
    Receipts are kept in the order they were given, and a unit's revisions only grow: its last receipt
    is its latest (one pass, in the task that hands over)."""
    latest = {receipt.get("unit"): key for key, receipt in state.receipts.items()}
    state.receipts = {key: state.receipts[key] for key in latest.values()}


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
    if "message" not in receipt:  # kept without its sentence (`enact_report`): said again as it was said
        receipt["message"] = _receipt_sentence(unit, int(str(kept.get("revision", 1))), bool(kept.get("on_time")))
    return Receipt.model_validate({**receipt, "duplicate": True})


def _receipt_sentence(unit: UnitState, revision: int, on_time: bool) -> str:
    timing = "đúng hạn" if on_time else f"trễ hạn ({format_deadline(unit.due)})"
    return f"Đã nhận báo cáo lần {revision} của {unit.name}, {timing}."


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
    receipt = Receipt(
        unit=unit.code,
        on_time=on_time,
        revision=unit.report.revision,
        phase=state.phase(now),
        message=_receipt_sentence(unit, unit.report.revision, on_time),
        received_at=now,
    )
    if message.request_id:
        # Kept without what `earlier_receipt` can say again (its sentence, the flags every new receipt
        # has): a city's receipts were half of the state a new run decodes (bench.scale, 20,000 units).
        kept = receipt.model_dump(mode="json", exclude={"message", "accepted", "duplicate"})
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


def enact_reschedule(state: ActivityState, message: Reschedule, now: datetime, checked: None) -> None:
    """Move the event; every reminder and due date follows (their keys carry their times)."""
    old_due = reports_due(state.activity, state.event_end, state.policy, state.holidays)
    state.event_start = start_of_day(message.new_start)
    state.event_end = end_of_day(message.new_end)
    state.activity.start, state.activity.end = message.new_start, message.new_end
    new_due = reports_due(state.activity, state.event_end, state.policy, state.holidays)
    for unit in state.units.values():
        if unit.due == old_due:  # an individually extended deadline stays as granted
            unit.due = new_due
            state.note(unit)


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


def enact_assign(state: ActivityState, message: AssignUnits, now: datetime, units: list[Unit]) -> list[UnitState]:
    """New units are expected from now: their report is due as for the others, or `report_due` from now if later
    (a unit named after the day the plan gave still has the policy's time to report)."""
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
