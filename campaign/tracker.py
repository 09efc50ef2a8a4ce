"""One campaign activity, followed unit by unit: the state, what is due, and when.

Pure and deterministic: every function takes plan time `now` as an argument.
The workflow applies messages, runs the actions `decide` returns, marks them
done, and sleeps until `next_wake`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from campaign.clock import end_of_day, last_day, start_of_day
from campaign.dates import ActivityKind
from campaign.duty import DutyAnswer
from campaign.plan import PlannedActivity, Role
from campaign.policy import Policy
from campaign.units import Unit
from campaign.workdays import next_working_day


class Phase(StrEnum):
    PREPARING = "PREPARING"
    IN_EVENT = "IN_EVENT"
    COLLECTING = "COLLECTING"
    ESCALATED = "ESCALATED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"  # the activity's workflow failed or was terminated; the campaign carried on


FINAL_PHASES = frozenset({Phase.CLOSED, Phase.CANCELLED, Phase.FAILED})

# What people read; the codes stay for machines (search attributes, JSON, the store).
PHASE_WORDS = {
    Phase.PREPARING: "Chuẩn bị",
    Phase.IN_EVENT: "Đang diễn ra",
    Phase.COLLECTING: "Thu báo cáo",
    Phase.ESCALATED: "Đã báo cáo BTV",
    Phase.CLOSED: "Đã kết thúc",
    Phase.CANCELLED: "Đã hủy",
    Phase.FAILED: "Dừng do lỗi",
}


def phase_words(phase: str) -> str:
    """A phase code as people read it (an unknown code is shown as it is)."""
    return PHASE_WORDS.get(phase, phase)  # type: ignore[call-overload]


class Outcome(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    EXCUSED = "excused"
    MISSING = "missing"


class Report(BaseModel):
    revision: int
    summary: str
    participants: int
    beneficiaries: int | None = None
    evidence: list[str] = []
    submitted_by: str = ""
    submitted_at: datetime
    first_submitted_at: datetime
    on_time: bool
    duties: list[DutyAnswer] = []  # the answers per duty, in a report on the plan (campaign.duties)


class UnitState(BaseModel):
    code: str
    name: str
    role: Role = Role.LEAD
    due: datetime  # results report due (plan time)
    assigned_at: datetime | None = None  # when its assignment notice went out
    ready_at: datetime | None = None
    ready_note: str | None = None
    report: Report | None = None
    excused_reason: str | None = None
    escalation_level: int = 0
    outcome: Outcome | None = None

    @property
    def excused(self) -> bool:
        return self.excused_reason is not None

    @property
    def settled(self) -> bool:
        """Nothing more is expected from this unit."""
        return self.report is not None or self.excused

    def overdue(self, now: datetime) -> bool:
        return not self.settled and now > self.due


class ActionKind(StrEnum):
    ASSIGNMENT = "assignment"  # to each responsible unit, at start
    UNASSIGNED = "unassigned"  # to the office: a described group needs real units
    READY_REMINDER = "ready_reminder"
    NOT_READY = "not_ready"  # to the office, when the event starts
    REPORT_REMINDER = "report_reminder"
    ESCALATION = "escalation"  # to the Standing Committee
    CLOSING = "closing"  # to the office: the activity's outcome
    DELIVERY_FAILED = "delivery_failed"  # to the office: a notice could not be delivered
    ACTIVITY_FAILED = "activity_failed"  # to the office: an activity's workflow failed
    RECORD_SET_ASIDE = "record_set_aside"  # to the office: the database refused a fact for good
    DIGEST = "digest"  # to the Standing Committee, weekly
    FINAL_REPORT = "final_report"  # to the plan's recipients, at the campaign's end
    LINK_RESENT = "link_resent"  # to a unit, when the office sends its personal link again


class Action(BaseModel):
    key: str  # stable: the notification's idempotency key within the workflow
    kind: ActionKind
    recipient: str  # a unit code, "office" or "committee"
    units: list[str] = []  # the units the notice is about
    at: datetime
    level: int = 0


class ActivityState(BaseModel):
    campaign_id: str
    activity: PlannedActivity
    policy: Policy
    holidays: list[date] = []
    window_end: date
    event_start: datetime
    event_end: datetime
    units: dict[str, UnitState]
    unassigned: list[str] = []  # described groups the plan names without units
    done: set[str] = set()
    receipts: dict[str, dict[str, object]] = {}  # unit/request_id → receipt, for duplicates
    reminders_sent: int = 0
    escalations_sent: int = 0
    closed_at: datetime | None = None
    cancelled_reason: str | None = None
    events_recorded: int = 0  # sequence of the records handed to the store
    phase_recorded: Phase | None = None
    # 0: the rules as first deployed; 1: reports only from the event's start, no readiness
    # reminder a unit was not yet assigned for (from the workflow's input, so old runs replay);
    # 3: a deadline activity has no preparation (no readiness reminders, no "not ready" notice)
    rules_version: int = 0

    @property
    def preparation_free(self) -> bool:
        """Nothing to prepare: only a report is due (a deadline, the units' report on the plan)."""
        return bool(self.activity.duties) or (self.rules_version >= 3 and self.activity.kind is ActivityKind.DEADLINE)

    # --- time -----------------------------------------------------------------

    @property
    def ready_due(self) -> datetime:
        return self.event_start - self.policy.ready_lead

    @property
    def hard_close(self) -> datetime:
        latest = max([end_of_day(self.window_end), self.event_end, *(u.due for u in self.units.values())])
        return latest + self.policy.close_after

    def escalation_times(self, unit: UnitState) -> list[datetime]:
        first = unit.due + self.policy.escalate_after
        return [first + self.policy.escalation_repeat * n for n in range(self.policy.max_escalation_level)]

    # --- derived state ---------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.closed_at is not None or self.cancelled_reason is not None

    def phase(self, now: datetime) -> Phase:
        if self.cancelled_reason is not None:
            return Phase.CANCELLED
        if self.closed_at is not None:
            return Phase.CLOSED
        if now < self.event_start:
            return Phase.PREPARING
        if now < self.event_end:
            return Phase.IN_EVENT
        if any(not u.settled and u.escalation_level > 0 for u in self.units.values()):
            return Phase.ESCALATED
        return Phase.COLLECTING

    def pending(self) -> list[str]:
        return [u.code for u in self.units.values() if not u.settled]

    def overdue(self, now: datetime) -> list[str]:
        return [u.code for u in self.units.values() if u.overdue(now)]

    @property
    def escalation_level(self) -> int:
        return max((u.escalation_level for u in self.units.values() if not u.settled), default=0)


def report_due_after(event_end: datetime, policy: Policy, holidays: frozenset[date]) -> datetime:
    """Reports are due `report_due` after the event; on working days only if the policy says so."""
    due = event_end + policy.report_due
    if policy.working_days:
        day = last_day(due)
        moved = next_working_day(day, holidays)
        if moved != day:
            due = end_of_day(moved)
    return due


def new_activity_state(
    campaign_id: str,
    activity: PlannedActivity,
    units: list[Unit],
    policy: Policy,
    holidays: list[date],
    window_end: date,
) -> ActivityState:
    """The state at the activity's start: every responsible unit expected, nothing sent."""
    event_start = start_of_day(activity.start)
    if activity.start_time is not None:  # the plan gives the hour the event starts
        event_start += timedelta(hours=activity.start_time.hour, minutes=activity.start_time.minute)
    event_end = end_of_day(activity.end)
    # the units' report on the plan is due on the day the plan gives, when it gives one
    due = event_end if activity.due_given else report_due_after(event_end, policy, frozenset(holidays))
    roles = {p.unit_code: p.role for p in activity.responsible if p.unit_code}
    return ActivityState(
        campaign_id=campaign_id,
        activity=activity,
        policy=policy,
        holidays=holidays,
        window_end=window_end,
        event_start=event_start,
        event_end=event_end,
        units={u.code: UnitState(code=u.code, name=u.name, role=roles.get(u.code, Role.LEAD), due=due) for u in units},
        unassigned=[p.name for p in activity.responsible if p.unit_code is None],
    )


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _latest_due(times: list[datetime], now: datetime) -> datetime | None:
    """Of a series of reminders, only the latest one whose time has come is sent."""
    passed = [t for t in times if t <= now]
    return max(passed) if passed else None


def decide(state: ActivityState, now: datetime) -> list[Action]:
    """Everything that is due at `now` and not yet done, in the order to do it."""
    if state.finished:
        return []
    actions: list[Action] = []
    units = list(state.units.values())
    expected = [u for u in units if not u.excused]

    for unit in expected:
        key = f"assign/{unit.code}"
        if key not in state.done:
            actions.append(Action(key=key, kind=ActionKind.ASSIGNMENT, recipient=unit.code, units=[unit.code], at=now))
    if state.unassigned and "unassigned" not in state.done:
        actions.append(Action(key="unassigned", kind=ActionKind.UNASSIGNED, recipient="office", at=now))

    if state.preparation_free:
        pass
    elif now < state.event_start:
        times = [state.event_start - offset for offset in state.policy.reminders_before_event]
        at = _latest_due(times, now)
        if at is not None:
            for unit in expected:
                key = f"ready-reminder/{unit.code}/{_stamp(at)}"
                stale = state.rules_version >= 1 and (unit.assigned_at is None or at <= unit.assigned_at)
                if unit.ready_at is None and key not in state.done and not stale:
                    actions.append(
                        Action(key=key, kind=ActionKind.READY_REMINDER, recipient=unit.code, units=[unit.code], at=at)
                    )
    else:
        key = f"not-ready/{_stamp(state.event_start)}"
        not_ready = [u.code for u in expected if u.ready_at is None and u.report is None]
        if not_ready and key not in state.done and now < state.event_end:
            actions.append(
                Action(key=key, kind=ActionKind.NOT_READY, recipient="office", units=not_ready, at=state.event_start)
            )

    escalating: dict[int, list[tuple[str, datetime]]] = {}
    for unit in units:
        if unit.settled:
            continue
        escalations = state.escalation_times(unit)
        first_escalation = escalations[0] if escalations else state.hard_close
        if now < first_escalation:
            at = _latest_due([unit.due + offset for offset in state.policy.report_reminders], now)
            key = f"report-reminder/{unit.code}/{_stamp(at)}" if at else ""
            if at is not None and at >= state.event_end and key not in state.done:
                actions.append(
                    Action(key=key, kind=ActionKind.REPORT_REMINDER, recipient=unit.code, units=[unit.code], at=at)
                )
        level = sum(1 for t in escalations if t <= now)
        if level > unit.escalation_level:
            escalating.setdefault(level, []).append((unit.code, escalations[level - 1]))
    for level, entries in sorted(escalating.items()):
        at = max(t for _, t in entries)
        codes = sorted(code for code, _ in entries)
        actions.append(
            Action(
                key=f"escalation/L{level}/{_stamp(at)}/{'+'.join(codes)}",
                kind=ActionKind.ESCALATION,
                recipient="committee",
                units=codes,
                at=at,
                level=level,
            )
        )

    everyone_settled = all(u.settled for u in units)
    if (now >= state.event_end and everyone_settled) or now >= state.hard_close:
        actions.append(Action(key="closing", kind=ActionKind.CLOSING, recipient="office", at=now))
    return actions


def mark_done(state: ActivityState, action: Action, now: datetime) -> None:
    """Record that `action` was carried out."""
    state.done.add(action.key)
    if action.kind is ActionKind.ASSIGNMENT:
        for code in action.units:
            state.units[code].assigned_at = now
    elif action.kind in (ActionKind.READY_REMINDER, ActionKind.REPORT_REMINDER):
        state.reminders_sent += 1
    elif action.kind is ActionKind.ESCALATION:
        state.escalations_sent += 1
        for code in action.units:
            state.units[code].escalation_level = action.level
    elif action.kind is ActionKind.CLOSING:
        close(state, now)


def close(state: ActivityState, now: datetime) -> None:
    state.closed_at = now
    settle_outcomes(state, without_report=Outcome.MISSING)


def outcome_of(unit: UnitState, without_report: Outcome = Outcome.MISSING) -> Outcome:
    """The unit's outcome if the activity ended now."""
    if unit.excused:
        return Outcome.EXCUSED
    if unit.report is None:
        return without_report
    return Outcome.ON_TIME if unit.report.on_time else Outcome.LATE


def settle_outcomes(state: ActivityState, without_report: Outcome) -> None:
    """Every unit's final outcome; `without_report` for those that never reported."""
    for unit in state.units.values():
        unit.outcome = outcome_of(unit, without_report)


def next_wake(state: ActivityState, now: datetime) -> tuple[datetime, str] | None:
    """The next moment something becomes due, and what it is (for the timer's summary)."""
    if state.finished:
        return None
    candidates: list[tuple[datetime, str]] = [
        (state.event_start, "hoạt động bắt đầu"),
        (state.event_end, "hoạt động kết thúc"),
        (state.hard_close, "đóng hoạt động"),
    ]
    if not state.preparation_free:
        candidates += [(state.event_start - o, "nhắc xác nhận sẵn sàng") for o in state.policy.reminders_before_event]
    per_unit: dict[tuple[datetime, str], list[str]] = {}
    for unit in state.units.values():
        if unit.settled:
            continue
        per_unit.setdefault((unit.due, "hạn báo cáo của"), []).append(unit.code)
        for offset in state.policy.report_reminders:
            per_unit.setdefault((unit.due + offset, "nhắc báo cáo"), []).append(unit.code)
        for moment in state.escalation_times(unit):
            per_unit.setdefault((moment, "báo cáo Ban Thường vụ về"), []).append(unit.code)
    candidates += [(at, f"{what} {_some(codes)}") for (at, what), codes in per_unit.items()]
    future = [c for c in candidates if c[0] > now]
    return min(future, key=lambda c: c[0]) if future else None


def unanswered(state: ActivityState, start: datetime, until: datetime | None = None) -> Iterator[Action]:
    """Every action the policy takes from `start` (to `until`, when given) if no unit ever answers, in
    the order the workflow would take them, each marked done on `state` as it goes."""
    now = start
    while until is None or now <= until:
        for action in decide(state, now):
            yield action
            mark_done(state, action, now)
        wake = next_wake(state, now)
        if wake is None:
            return
        now = wake[0] + timedelta(milliseconds=1)


def _some(codes: list[str], shown: int = 3) -> str:
    """Every unit a timer waits for, or the first few and how many in all."""
    if len(codes) <= shown:
        return ", ".join(codes)
    return f"{', '.join(codes[:shown])} và {len(codes) - shown} đơn vị khác ({len(codes)})"


def activity_window(start: date, end: date) -> tuple[datetime, datetime]:
    return start_of_day(start), end_of_day(end)
