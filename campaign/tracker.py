"""One campaign activity, followed unit by unit: its state (phase, each unit's report, deadline and
escalation level, what was sent) and the state at the activity's start.

Pure and deterministic: every function takes plan time `now` as an argument. What is due and when
(`decide`, `mark_done`, `next_wake`) is campaign.due.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, TypeAdapter, field_serializer

from campaign.clock import end_of_day, last_day, start_of_day
from campaign.dates import ActivityKind
from campaign.duty import DutyAnswer
from campaign.plan import PlannedActivity, UnitRole
from campaign.policy import Policy
from campaign.roll_index import RollIndex
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
    evidence: list[str] = Field(default_factory=list)
    submitted_by: str = ""
    submitted_at: datetime
    first_submitted_at: datetime
    on_time: bool
    # the answers per duty, in a report on the plan (campaign.duties); default_factory, not `[]`: pydantic
    # deep-copies a mutable default for every report a new run decodes (a tenth of its first task)
    duties: list[DutyAnswer] = Field(default_factory=list)


class UnitState(BaseModel):
    code: str
    name: str
    role: UnitRole = UnitRole.LEAD
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


# A roll as it travels (continue-as-new, a replay): each unit without the fields still at their defaults,
# which a city's roll is mostly made of (no readiness, no report, no escalation yet): half the JSON,
# decoded in half the time by the first task of the next run (bench.scale).
_ROLL = TypeAdapter(dict[str, UnitState])


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


# The kinds of action done once per unit: their keys are "<kind>/<code>" or "<kind>/<code>/<stamp>",
# kept as the pattern "<kind>/*" or "<kind>/*/<stamp>" and the code (`ActivityState.done_for`).
_PER_UNIT = frozenset({"assign", "ready-reminder", "report-reminder"})


def _pattern(key: str) -> tuple[str, str] | None:
    """A key of one unit's action as (pattern, code); None for any other key."""
    kind, _, rest = key.partition("/")
    if kind not in _PER_UNIT or not rest or "*" in key or rest.count("/") != (kind != "assign"):
        return None  # not of one unit, or a code `decide` would not find again: kept whole in `done`
    code, slash, stamp = rest.partition("/")
    return f"{kind}/*{slash}{stamp}", code


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
    done: set[str] = set()  # keys of the actions done; those done for one unit are in `done_for` (runs
    # before it kept them here too: both are read)
    # What was done for each unit, by the key's pattern ("assign/*", "report-reminder/*/<stamp>") → the
    # units' codes: a city's tens of thousands of such keys, each code once, read and written as they are.
    done_for: dict[str, set[str]] = {}
    receipts: dict[str, dict[str, object]] = {}  # unit/request_id → receipt, for duplicates
    reminders_sent: int = 0
    escalations_sent: int = 0
    closed_at: datetime | None = None
    cancelled_reason: str | None = None
    events_recorded: int = 0  # sequence of the records handed to the store
    phase_recorded: Phase | None = None
    # What the roll says, kept by `note` as units change (campaign.roll_index); not stored: rebuilt
    # from `units` whenever a state is read (a new run, a replay) or copied.
    _index: RollIndex = PrivateAttr(default_factory=RollIndex)

    def model_post_init(self, context: Any, /) -> None:
        self.reindex()

    @field_serializer("units", when_used="json")
    def _lean_roll(self, units: dict[str, UnitState]) -> Any:
        return _ROLL.dump_python(units, mode="json", exclude_defaults=True)

    def __copy__(self) -> ActivityState:
        copied = super().__copy__()
        copied.reindex()  # its own index, not the original's (a shallow copy would share it)
        return copied

    def reindex(self) -> None:
        """Rebuild the index from the whole roll."""
        self._index = RollIndex(self.units.values())

    def note(self, unit: UnitState) -> None:
        """Keep the index true after `unit` changed or joined: a report, an excuse, an escalation
        level, a new deadline, its readiness. Every change to a unit's settling, level, deadline or
        readiness goes through here."""
        self._index.note(unit)

    def expected(self) -> list[UnitState]:
        """The units still expected (no report, not excused), in roll order."""
        return [self.units[code] for code in self._index.open]

    def expected_units(self) -> Iterator[UnitState]:
        """`expected`, read only as far as the caller goes."""
        return (self.units[code] for code in self._index.open)

    def pending_codes(self) -> Iterator[str]:
        return iter(self._index.open)

    @property
    def all_settled(self) -> bool:
        return not self._index.open

    def done_with(self, pattern: str) -> set[str] | frozenset[str]:
        """The units an action of `pattern` was done for (see `done_for`)."""
        return self.done_for.get(pattern, frozenset())

    def is_done(self, key: str) -> bool:
        found = _pattern(key)
        return key in self.done or (found is not None and found[1] in self.done_with(found[0]))

    def mark(self, key: str) -> None:
        """Record the action of `key` as done (one unit's in `done_for`, any other in `done`)."""
        found = _pattern(key)
        if found is None:
            self.done.add(key)
        else:
            self.done_for.setdefault(found[0], set()).add(found[1])

    @property
    def preparation_free(self) -> bool:
        """Nothing to prepare: only a report is due (a deadline, the units' report on the plan)."""
        return bool(self.activity.duties) or self.activity.kind is ActivityKind.DEADLINE

    # --- time -----------------------------------------------------------------

    @property
    def ready_due(self) -> datetime:
        return self.event_start - self.policy.ready_lead

    @property
    def hard_close(self) -> datetime:
        dues = [due] if (due := self._index.latest_due()) is not None else []
        latest = max([end_of_day(self.window_end), self.event_end, *dues])
        return latest + self.policy.close_after

    def escalations_after(self, due: datetime) -> list[datetime]:
        first = due + self.policy.escalate_after
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
        if self._index.level_of:
            return Phase.ESCALATED
        return Phase.COLLECTING

    @property
    def reported(self) -> int:
        """How many units have reported (a report is never withdrawn)."""
        return len(self._index.reported)

    @property
    def ready(self) -> int:
        """How many units confirmed they are ready."""
        return len(self._index.ready)

    def pending(self) -> list[str]:
        return list(self._index.open)

    @property
    def pending_count(self) -> int:
        return len(self._index.open)

    def overdue(self, now: datetime, first: int | None = None) -> list[str]:
        """The expected units past their deadline, in roll order; with `first`, only that many (read
        only as far as they are found)."""
        found = []
        if self.overdue_count(now):
            for code in self._index.open:
                if now > self.units[code].due:
                    found.append(code)
                    if len(found) == first:
                        break
        return found

    def overdue_count(self, now: datetime) -> int:
        return self._index.overdue_count(now)

    @property
    def escalation_level(self) -> int:
        return self._index.level()


def report_due_after(event_end: datetime, policy: Policy, holidays: frozenset[date]) -> datetime:
    """Reports are due `report_due` after the event; on working days only if the policy says so."""
    due = event_end + policy.report_due
    if policy.working_days:
        day = last_day(due)
        moved = next_working_day(day, holidays)
        if moved != day:
            due = end_of_day(moved)
    return due


def reports_due(activity: PlannedActivity, event_end: datetime, policy: Policy, holidays: Iterable[date]) -> datetime:
    """When the units' reports are due: at the event's end when the plan gives the day itself (the units'
    report on the plan, "báo cáo trước ngày …"), else the policy's `report_due` after it."""
    return event_end if activity.due_given else report_due_after(event_end, policy, frozenset(holidays))


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
    due = reports_due(activity, event_end, policy, holidays)
    roles = {p.unit_code: p.role for p in activity.responsible if p.unit_code}
    return ActivityState(
        campaign_id=campaign_id,
        activity=activity,
        policy=policy,
        holidays=holidays,
        window_end=window_end,
        event_start=event_start,
        event_end=event_end,
        units={
            u.code: UnitState(code=u.code, name=u.name, role=roles.get(u.code, UnitRole.LEAD), due=due) for u in units
        },
        unassigned=[p.name for p in activity.responsible if p.unit_code is None],
    )
