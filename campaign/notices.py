"""The words sent to people: Vietnamese notices for each action.

Each notice names the activity, its date and place, the unit, what is expected
and by when, and how to answer.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from campaign.clock import format_day, format_deadline, format_moment, last_day
from campaign.due import outcome_of
from campaign.plan import PlannedActivity
from campaign.tracker import Action, ActionKind, ActivityState, Outcome
from campaign.units import Unit

# Where a unit's personal link goes in a notice; the sending activity puts the signed link there
# (the signing secret never enters a workflow or its history).
PERSONAL_LINK = "⟨liên kết cá nhân của đơn vị⟩"
# An escalation names at most this many overdue units, one line each, then how many more and where the
# full list is: a city's thousands would make a mail nobody reads (and a notice of hundreds of KB to
# compose, store and send in one workflow task).
ESCALATION_NAMED = 50


class Notice(BaseModel):
    key: str  # idempotency key, unique per effect across the whole service
    kind: ActionKind
    campaign_id: str
    activity_no: int | None  # None for the campaign's own notices
    recipient: str  # unit code, "office" or "committee"
    units: list[str] = []
    subject: str
    body: str
    to: Unit | None = None  # where it goes; the workflow fills it from the directory
    link_until: datetime | None = None  # wall time the campaign ends; the unit's link expires a while after
    due_at: datetime | None = None  # wall time it was due: one sent much later says when (`due_shown`, plan time)
    due_shown: str | None = None


# A notice's key travels in every copy (the store's row, a mail header, a webhook's Idempotency-Key): an
# escalation's action key names every unit at its level, tens of kilobytes for a city, so a longer key
# is cut to its start and a hash of the whole (still unique, the same for every copy).
NOTICE_KEY_CHARS = 300


def notice_key(workflow_id: str, action_key: str) -> str:
    """The service-wide key of the notice for `action_key`: at most NOTICE_KEY_CHARS characters."""
    key = f"{workflow_id}/{action_key}"
    if len(key) <= NOTICE_KEY_CHARS:
        return key
    return f"{key[: NOTICE_KEY_CHARS - 33]}#{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def late_line(due_shown: str, channel_down: bool) -> str:
    """The first line of a notice sent well after its time: the cause is named only when it is known
    (an earlier attempt on this channel failed); any other delay (a plan started after its dates, a worker
    that was away) says only when it was due."""
    if channel_down:
        return f"(Thông báo này lẽ ra được gửi lúc {due_shown}; gửi chậm vì kênh gửi bị gián đoạn.)"
    return f"(Thông báo này theo lịch được gửi lúc {due_shown}; nay mới được gửi.)"


def _when(state: ActivityState) -> str:
    start, end = state.activity.start, state.activity.end
    if start == end:
        return f"ngày {format_day(start)}"
    return f"từ ngày {format_day(start)} đến ngày {format_day(end)}"


def _heading(state: ActivityState) -> str:
    a = state.activity
    place = f", tại {a.place}" if a.place else ""
    return f"Hoạt động {a.number}: “{a.title}” ({_when(state)}{place})"


def _contacts(state: ActivityState) -> list[str]:
    """The people the plan names for the activity, as a line of the notice (none when it names nobody)."""
    contacts = state.activity.contacts
    return [f"Người liên hệ: {', '.join(contacts)}."] if contacts else []


def _ready_request(state: ActivityState, now: datetime) -> str:
    if state.ready_due > now:
        return f"Đề nghị đơn vị xác nhận sẵn sàng trước {format_deadline(state.ready_due)}."
    if state.event_start > now:  # assigned after the common deadline: never a deadline in the past
        return (
            f"Hạn xác nhận chung ({format_deadline(state.ready_due)}) đã qua khi đơn vị được phân công; "
            f"đề nghị đơn vị xác nhận sẵn sàng sớm nhất có thể, trước khi hoạt động bắt đầu "
            f"({format_moment(state.event_start)})."
        )
    return "Hoạt động đã bắt đầu; đề nghị đơn vị thực hiện và nộp báo cáo kết quả đúng hạn."


def _how_to_answer() -> str:
    return PERSONAL_LINK


def _late(now: datetime, due: datetime) -> str:
    days = (now - due).days
    hours = int((now - due).total_seconds() // 3600) % 24
    return f"trễ {days} ngày" + (f" {hours} giờ" if hours else "") if days else f"trễ {hours} giờ"


def _names(state: ActivityState, codes: list[str]) -> str:
    return _some_names([state.units[c].name for c in codes[: ESCALATION_NAMED + 1] if c in state.units], len(codes))


def _some_names(names: list[str], total: int) -> str:
    """The first ESCALATION_NAMED names, then how many more (the full list is on the office's pages)."""
    if total <= ESCALATION_NAMED:
        return ", ".join(names)
    return f"{', '.join(names[:ESCALATION_NAMED])} và {total - ESCALATION_NAMED} đơn vị khác ({total} đơn vị)"


def compose(state: ActivityState, action: Action, now: datetime, workflow_id: str) -> Notice:
    """The notice for `action`; its key is unique across the service."""
    a = state.activity
    heading = _heading(state)
    unit = state.units.get(action.recipient)
    subject: str
    lines: list[str]

    if action.kind is ActionKind.ASSIGNMENT and unit is not None and a.duties:
        subject = (
            f"[{state.campaign_id}] Đề nghị báo cáo kết quả thực hiện kế hoạch (hạn {format_day(last_day(unit.due))})"
        )
        lines = [
            f"Kính gửi {unit.name},",
            "Ban Thường vụ Đoàn Khối đề nghị đơn vị báo cáo kết quả thực hiện kế hoạch: với từng nhiệm vụ dưới "
            "đây, đơn vị cho biết đã thực hiện, chưa thực hiện hay không áp dụng, kèm ghi chú ngắn và số người "
            "tham gia (và số lượng khi kế hoạch đặt chỉ tiêu).",
            *(f"{d.no}. {d.short}" + (f" (số {d.count_label})" if d.count_label else "") for d in a.duties),
            *_contacts(state),
            f"Hạn nộp báo cáo: {format_deadline(unit.due)}. Không cần xác nhận sẵn sàng.",
            "Nộp báo cáo tại: " + _how_to_answer(),
        ]
    elif action.kind is ActionKind.ASSIGNMENT and unit is not None:
        role = "phụ trách" if unit.role == "lead" else "phối hợp"
        subject = f"[{state.campaign_id}] Phân công {role}: {a.title}"
        lines = [
            f"Kính gửi {unit.name},",
            f"Ban Thường vụ Đoàn Khối phân công đơn vị {role} {heading}.",
            *_contacts(state),
            _ready_request(state, now),
            f"Báo cáo kết quả hạn chót: {format_deadline(unit.due)}.",
            "Xác nhận và nộp báo cáo tại: " + _how_to_answer(),
        ]
    elif action.kind is ActionKind.READY_REMINDER and unit is not None:
        subject = f"[{state.campaign_id}] Nhắc xác nhận sẵn sàng: {a.title}"
        lines = [
            f"Kính gửi {unit.name},",
            f"{heading} sắp diễn ra. Đơn vị chưa xác nhận sẵn sàng (hạn {format_deadline(state.ready_due)}).",
            *_contacts(state),
            "Xác nhận tại: " + _how_to_answer(),
        ]
    elif action.kind is ActionKind.REPORT_REMINDER and unit is not None:
        subject = f"[{state.campaign_id}] Nhắc nộp báo cáo kết quả: {a.title}"
        lines = [
            f"Kính gửi {unit.name},",
            f"Đề nghị đơn vị nộp báo cáo kết quả {heading} trước {format_deadline(unit.due)}.",
            "Nộp báo cáo tại: " + _how_to_answer(),
        ]
    elif action.kind is ActionKind.NOT_READY:
        subject = f"[{state.campaign_id}] Đơn vị chưa sẵn sàng: {a.title}"
        lines = [
            "Kính gửi Văn phòng Đoàn Khối,",
            f"{heading} đã bắt đầu; các đơn vị sau chưa xác nhận sẵn sàng: {_names(state, action.units)}.",
        ]
    elif action.kind is ActionKind.ESCALATION:
        subject = f"[{state.campaign_id}] Báo cáo Ban Thường vụ (lần {action.level}): đơn vị chưa nộp báo cáo"
        named = [c for c in action.units if c in state.units]
        late = [
            f"- {state.units[c].name}: hạn {format_deadline(state.units[c].due)}, {_late(now, state.units[c].due)}"
            for c in named[:ESCALATION_NAMED]
        ]
        if len(named) > ESCALATION_NAMED:
            late.append(
                f"- … và {len(named) - ESCALATION_NAMED} đơn vị khác ({len(named)} đơn vị quá hạn ở mức này); "
                f"danh sách đầy đủ ở trang hoạt động {a.number} của chiến dịch {state.campaign_id} "
                "trên trang Văn phòng và trong bảng xuất của chiến dịch."
            )
        lines = [
            "Kính gửi Ban Thường vụ Đoàn Khối,",
            f"{heading}: các đơn vị sau quá hạn nộp báo cáo kết quả (mức {action.level}):",
            *late,
            "Đề nghị Ban Thường vụ đôn đốc, nhắc nhở.",
        ]
    elif action.kind is ActionKind.UNASSIGNED:
        subject = f"[{state.campaign_id}] Cần phân công đơn vị: {a.title}"
        lines = [
            "Kính gửi Văn phòng Đoàn Khối,",
            f"{heading} ghi đơn vị phụ trách là nhóm mô tả: {'; '.join(state.unassigned)}.",
            "Đề nghị phân công đơn vị cụ thể.",
        ]
    else:  # closing
        outcomes = {u.name: outcome_of(u) for u in state.units.values()}
        counts = Counter(outcomes.values())
        missing = [name for name, outcome in outcomes.items() if outcome is Outcome.MISSING]
        subject = f"[{state.campaign_id}] Kết thúc hoạt động {a.number}: {a.title}"
        lines = [
            "Kính gửi Văn phòng Đoàn Khối,",
            f"{heading} đã kết thúc lúc {format_moment(now)}.",
            f"Đúng hạn: {counts[Outcome.ON_TIME]}; trễ hạn: {counts[Outcome.LATE]}; "
            f"được miễn: {counts[Outcome.EXCUSED]}; không báo cáo: {counts[Outcome.MISSING]}.",
        ]
        if missing:
            lines.append("Không báo cáo: " + _some_names(missing, len(missing)) + ".")
    return Notice(
        key=notice_key(workflow_id, action.key),
        kind=action.kind,
        campaign_id=state.campaign_id,
        activity_no=a.no,
        recipient=action.recipient,
        units=action.units,
        subject=subject,
        body="\n".join(lines),
    )


def delivery_failed(notice: Notice, failures: list[str]) -> Notice:
    """Tell the office that `notice` could not reach its recipient."""
    return Notice(
        key=f"{notice.key}/delivery-failed",
        kind=ActionKind.DELIVERY_FAILED,
        campaign_id=notice.campaign_id,
        activity_no=notice.activity_no,
        recipient="office",
        units=[notice.recipient],
        subject=f"[{notice.campaign_id}] Không gửi được thông báo: {notice.subject}"[:300],
        body="\n".join(
            [
                "Kính gửi Văn phòng Đoàn Khối,",
                f"Thông báo “{notice.subject}” gửi {notice.to.name if notice.to else notice.recipient} không gửi được:",
                *(f"- {f}" for f in failures),
                "Đề nghị kiểm tra địa chỉ trong danh bạ đơn vị và liên hệ trực tiếp với đơn vị.",
            ]
        ),
    )


def record_set_aside(state: ActivityState, event_key: str, what: str, error: str) -> Notice:
    """Tell the office that a fact of this activity was kept aside: the database refused it for good."""
    return Notice(
        key=f"{event_key}/set-aside",
        kind=ActionKind.RECORD_SET_ASIDE,
        campaign_id=state.campaign_id,
        activity_no=state.activity.no,
        recipient="office",
        subject=f"[{state.campaign_id}] Không lưu được dữ liệu: hoạt động {state.activity.number}",
        body="\n".join(
            [
                "Kính gửi Văn phòng Đoàn Khối,",
                f"{_heading(state)}: cơ sở dữ liệu không nhận một bản ghi ({what}): {error}.",
                f"Bản ghi được giữ nguyên trong bảng dead_letters (khóa {event_key}); hoạt động vẫn tiếp tục.",
                "Đề nghị bộ phận kỹ thuật kiểm tra và nhập lại bản ghi nếu cần.",
            ]
        ),
    )


def activity_failed(campaign_id: str, activity: PlannedActivity, reason: str) -> Notice:
    """Tell the office that one activity's workflow failed; the rest of the campaign goes on."""
    return Notice(
        key=f"campaign/{campaign_id}/activity/{activity.no}/failed",
        kind=ActionKind.ACTIVITY_FAILED,
        campaign_id=campaign_id,
        activity_no=activity.no,
        recipient="office",
        subject=f"[{campaign_id}] Hoạt động {activity.number} dừng do lỗi: {activity.title}"[:300],
        body="\n".join(
            [
                "Kính gửi Văn phòng Đoàn Khối,",
                f"Việc theo dõi hoạt động {activity.number} “{activity.title}” đã dừng do lỗi: {reason}.",
                "Các hoạt động khác của chiến dịch vẫn tiếp tục; báo cáo cuối ghi hoạt động này là “dừng do lỗi” "
                "với tình hình đến lúc dừng.",
                "Đề nghị bộ phận kỹ thuật kiểm tra lịch sử workflow trên Temporal UI.",
            ]
        ),
    )


def link_resent(campaign_id: str, plan_title: str, unit: Unit, version: int, sent_at: datetime,
                link_until: datetime, by: str) -> Notice:  # fmt: skip
    """The unit's personal link sent again at the office's request (the sender signs it in)."""
    return Notice(
        key=f"campaign/{campaign_id}/link/{unit.code}/v{version}/{sent_at:%Y%m%dT%H%M%S%f}",
        kind=ActionKind.LINK_RESENT,
        campaign_id=campaign_id,
        activity_no=None,
        recipient=unit.code,
        units=[unit.code],
        to=unit,
        subject=f"[{campaign_id}] Liên kết trả lời của đơn vị: {plan_title}"[:300],
        body="\n".join(
            [
                f"Kính gửi {unit.name},",
                f"Văn phòng Đoàn Khối gửi lại liên kết để đơn vị xác nhận sẵn sàng và nộp báo cáo ({by}):",
                PERSONAL_LINK,
                "Liên kết là của riêng đơn vị; đề nghị không chuyển tiếp. Các liên kết gửi trước đó vẫn dùng được "
                "trừ khi Văn phòng đã thu hồi.",
            ]
        ),
        link_until=link_until,
    )
