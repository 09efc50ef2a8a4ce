"""What people see of an activity: status, summaries for the overview, UI details."""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import islice

from pydantic import BaseModel

from campaign.clock import format_deadline, format_start
from campaign.duty import Duty
from campaign.escape import markdown_text
from campaign.plan import PlannedActivity
from campaign.tracker import ActivityState, Outcome, Phase, Report, UnitState, phase_words


class UnitView(BaseModel):
    code: str
    name: str
    role: str
    ready: bool
    report: Report | None  # the workflow's own results report, one shape from the door to the store
    due: datetime
    excused: bool
    overdue: bool
    escalation_level: int
    outcome: Outcome | None
    ready_at: datetime | None = None  # plan time
    ready_note: str | None = None  # what the unit wrote when it confirmed


class ActivityStatus(BaseModel):
    campaign_id: str
    no: int
    title: str
    phase: Phase
    number: str = ""  # as the plan writes it ("3.1" for a sub-item); empty: the same as `no`
    start: date
    end: date
    event_start: datetime
    event_end: datetime
    ready_due: datetime
    hard_close: datetime
    plan_now: datetime
    escalation_level: int
    units: list[UnitView]
    unassigned: list[str]
    reminders_sent: int
    escalations_sent: int
    cancelled_reason: str | None
    duties: list[Duty] = []  # the units' report on the plan: what each unit answers
    preparation_free: bool = False  # only a report is due: no readiness to confirm


# A summary travels to the campaign at every visible change: its unit lists stop here, so that an
# activity of thousands of units sends a few kilobytes, not its whole roll (the counts say how many).
SUMMARY_CODES = 30


class ActivitySummary(BaseModel):
    """One line of the campaign overview."""

    no: int
    title: str
    phase: Phase
    pending: list[str]  # the first SUMMARY_CODES pending units
    overdue: list[str]  # the first SUMMARY_CODES overdue units
    escalation_level: int
    reported: int
    ready: int
    units: int
    escalations_sent: int = 0
    token: str | None = None  # the campaign's secret for this activity: a summary without it is refused
    pending_count: int | None = None  # None in summaries sent before the lists were capped
    overdue_count: int | None = None
    number: str = ""  # as the plan writes it ("3.1" for a sub-item); empty: the same as `no`

    @property
    def waiting(self) -> int:
        return len(self.pending) if self.pending_count is None else self.pending_count

    @property
    def late(self) -> int:
        return len(self.overdue) if self.overdue_count is None else self.overdue_count

    def overdue_text(self, shown: int = 10) -> str:
        """The overdue units' codes, the first `shown` of them and how many more."""
        more = self.late - min(shown, len(self.overdue))
        return ", ".join(self.overdue[:shown]) + (f" và {more} đơn vị khác" if more > 0 else "")


def activity_status(state: ActivityState, now: datetime, only: list[str] | None = None) -> ActivityStatus:
    """The activity and its units; with `only`, just those units' rows, in that order (a code not on
    the roll has none)."""
    units = state.units.values() if only is None else [state.units[code] for code in only if code in state.units]
    return ActivityStatus(
        campaign_id=state.campaign_id,
        no=state.activity.no,
        number=state.activity.number,
        title=state.activity.title,
        phase=state.phase(now),
        start=state.activity.start,
        end=state.activity.end,
        event_start=state.event_start,
        event_end=state.event_end,
        ready_due=state.ready_due,
        hard_close=state.hard_close,
        plan_now=now,
        escalation_level=state.escalation_level,
        units=[
            UnitView(
                code=u.code,
                name=u.name,
                role=u.role.value,
                ready=u.ready_at is not None,
                report=u.report,
                due=u.due,
                excused=u.excused,
                overdue=u.overdue(now),
                escalation_level=u.escalation_level,
                outcome=u.outcome,
                ready_at=u.ready_at,
                ready_note=u.ready_note,
            )
            for u in units
        ],
        unassigned=state.unassigned,
        reminders_sent=state.reminders_sent,
        escalations_sent=state.escalations_sent,
        cancelled_reason=state.cancelled_reason,
        duties=state.activity.duties,
        preparation_free=state.preparation_free,
    )


def activity_summary(state: ActivityState, now: datetime) -> ActivitySummary:
    return ActivitySummary(
        no=state.activity.no,
        title=state.activity.title,
        phase=state.phase(now),
        pending=list(islice(state.pending_codes(), SUMMARY_CODES)),
        overdue=state.overdue(now, first=SUMMARY_CODES),
        pending_count=state.pending_count,
        overdue_count=state.overdue_count(now),
        number=state.activity.number,
        escalation_level=state.escalation_level,
        reported=state.reported,
        ready=state.ready,
        units=len(state.units),
        escalations_sent=state.escalations_sent,
    )


class UnitResult(BaseModel):
    code: str
    name: str
    outcome: Outcome | None
    revision: int | None
    participants: int | None


class ActivityResult(BaseModel):
    no: int
    title: str
    phase: Phase
    units: list[UnitResult]
    reminders_sent: int
    escalations_sent: int


_STATE_WORDS = {
    Outcome.ON_TIME: "✅ đúng hạn",
    Outcome.LATE: "🕒 trễ hạn",
    Outcome.EXCUSED: "➖ được miễn",
    Outcome.MISSING: "❌ không báo cáo",
}


# The UI's details show at most this many units, those still expected first (overdue, then
# waiting, then the rest in roll order); the rest are in the `status` query, the office's pages and
# the store.
DETAIL_ROWS = 100
# ... and stay this small, however many units and however long their names: the UI reads the
# details through a query whose answer (the table, escaped as ASCII JSON, beside the handlers'
# names) is compressed by the payload codec from 16 KiB, and a compressed answer shows as
# "No Current Details" to an auditor without the codec.
DETAIL_BYTES = 12_000


def _json_bytes(text: str) -> int:
    """Bytes `text` takes inside the query's JSON (non-ASCII escaped, \\uXXXX each), without quotes."""
    return len(json.dumps(text)) - 2


def _shown_units(state: ActivityState, now: datetime) -> list[UnitState]:
    """Up to DETAIL_ROWS units for the details: overdue first, then waiting, then settled ones.
    Reads only the units still expected and as many settled ones as fit: the roll is never sorted."""
    if len(state.units) <= DETAIL_ROWS:
        return list(state.units.values())
    overdue = [state.units[code] for code in state.overdue(now, first=DETAIL_ROWS)]
    waiting: list[UnitState] = []
    if len(overdue) < DETAIL_ROWS:
        waiting = list(islice((u for u in state.expected_units() if not u.overdue(now)), DETAIL_ROWS - len(overdue)))
    shown = overdue + waiting
    for unit in state.units.values():
        if len(shown) >= DETAIL_ROWS:
            break
        if unit.settled:
            shown.append(unit)
    return shown


def _row(u: UnitState, now: datetime) -> str:
    if u.outcome:
        where = _STATE_WORDS[u.outcome]
    elif u.excused:
        where = "➖ được miễn"
    elif u.report:
        where = "✅ đã nộp" if u.report.on_time else "🕒 nộp trễ"
    elif u.overdue(now):
        where = f"⚠️ quá hạn (mức {u.escalation_level})"
    else:
        where = "⏳ đang chờ"
    report = f"lần {u.report.revision}, {u.report.participants} người" if u.report else "—"
    ready = "✔" if u.ready_at else "—"
    return f"| {markdown_text(u.name)} (`{u.code}`) | {ready} | {report} | {format_deadline(u.due)} | {where} |"


def unit_table(state: ActivityState, now: datetime) -> str:
    """Markdown for the Temporal UI's current details: a summary of at most DETAIL_ROWS units and
    DETAIL_BYTES bytes (as the query's JSON counts them), whatever the size of the activity."""
    a = state.activity
    head = [
        _cut(f"**{a.number}\\. {markdown_text(a.title)}** — {phase_words(state.phase(now))}", 1_000),
        "",
        "| Đơn vị | Sẵn sàng | Báo cáo | Hạn | Trạng thái |",
        "| --- | --- | --- | --- | --- |",
    ]
    tail = []
    if state.unassigned:
        tail = ["", _cut("Cần phân công: " + "; ".join(markdown_text(group) for group in state.unassigned), 1_000)]
    # The note that says how many are shown, at its longest (counts of the same width or shorter).
    budget = DETAIL_BYTES - sum(_json_bytes(line) + 2 for line in head + tail) - 400
    rows: list[str] = []
    for unit in _shown_units(state, now):
        row = _row(unit, now)
        budget -= _json_bytes(row) + 2
        if budget < 0:
            break
        rows.append(row)
    note = []
    if len(state.units) > len(rows):
        settled = len(state.units) - state.pending_count
        note = [
            "",
            f"Hiện {len(rows)}/{len(state.units)} đơn vị ({settled} đã xong); "
            "xem đủ ở trang hoạt động của Văn phòng hoặc truy vấn `status`.",
        ]
    return "\n".join(head + rows + note + tail)


def _cut(line: str, chars: int) -> str:
    return line if len(line) <= chars else line[: chars - 1] + "…"


def activity_ui_summary(activity: PlannedActivity) -> str:
    """The activity's summary line in the Temporal UI, which renders Markdown: "7\\. …" shows "7. …"."""
    when = f"{activity.start:%d/%m/%Y}" + ("" if activity.start == activity.end else f"–{activity.end:%d/%m/%Y}")
    return f"{activity.number}\\. {markdown_text(activity.title)} ({when})"[:400]


def activity_numbered(summaries: list[ActivitySummary], given: str) -> int | None:
    """The activity a person means by `given`: its number as the plan writes it ("3.1", "7"), or
    the internal number; None when there is no such activity."""
    wanted = given.strip().rstrip(".")
    for summary in summaries:
        if (summary.number or str(summary.no)) == wanted:
            return summary.no
    if wanted.isdigit() and any(s.no == int(wanted) for s in summaries):
        return int(wanted)
    return None


def ready_due_words(status: ActivityStatus) -> str | None:
    """The readiness deadline as the unit's page says it, as the assignment notice does: the common
    deadline while it is ahead; once it has passed (a campaign started late, a unit assigned late) "as
    soon as possible, before the event starts"; nothing once the event has started, nor for an activity
    with nothing to prepare (a deadline, the units' report on the plan)."""
    if status.preparation_free:
        return None
    if status.ready_due > status.plan_now:
        return f"hạn xác nhận sẵn sàng: {format_deadline(status.ready_due)}"
    if status.event_start > status.plan_now:
        return f"xác nhận sẵn sàng sớm nhất có thể, trước khi hoạt động bắt đầu ({format_start(status.event_start)})"
    return None
