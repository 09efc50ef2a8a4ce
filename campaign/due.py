"""What is due for one campaign activity, and when: the notices `decide` returns at plan time `now`,
marking them done, closing, the units' outcomes, the next moment to wake, and what went unanswered.

Pure and deterministic, over the state in campaign.tracker: the workflow applies messages, runs the
actions `decide` returns, marks them done, and sleeps until `next_wake`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from campaign.tracker import Action, ActionKind, ActivityState, Outcome, UnitState


def _stamp(moment: datetime) -> str:
    # Not strftime: inside the workflow sandbox each call costs an import (tens of microseconds).
    m = moment
    return f"{m.year:04d}{m.month:02d}{m.day:02d}T{m.hour:02d}{m.minute:02d}{m.second:02d}Z"


def _latest_due(times: list[datetime], now: datetime) -> datetime | None:
    """Of a series of reminders, only the latest one whose time has come is sent."""
    passed = [t for t in times if t <= now]
    return max(passed) if passed else None


def decide(state: ActivityState, now: datetime, limit: int | None = None) -> list[Action]:
    """Everything that is due at `now` and not yet done, in the order to do it; with `limit`, only the
    first `limit` of them (a wave of thousands is carried out a share at a time: the rest are not built).

    One pass over the roll, and over the units still expected; what depends only on a due date
    (the escalation times, the latest reminder) is worked out once per date, not once per unit."""
    if state.finished:
        return []
    actions: list[Action] = []
    full = limit if limit is not None else -1  # len(actions) never equals -1
    expected = [u for u in state.units.values() if not u.excused]

    assigned = state.done_with("assign/*")
    for unit in expected:
        if unit.assigned_at is not None or unit.code in assigned:  # its assignment went out (`mark_done`)
            continue
        key = f"assign/{unit.code}"
        if key not in state.done:  # as runs before `done_for` kept it
            actions.append(Action(key=key, kind=ActionKind.ASSIGNMENT, recipient=unit.code, units=[unit.code], at=now))
            if len(actions) == full:
                return actions
    if state.unassigned and not state.is_done("unassigned"):
        actions.append(Action(key="unassigned", kind=ActionKind.UNASSIGNED, recipient="office", at=now))

    if state.preparation_free:
        pass
    elif now < state.event_start:
        times = [state.event_start - offset for offset in state.policy.reminders_before_event]
        at = _latest_due(times, now)
        if at is not None:
            prefix, suffix = "ready-reminder/", f"/{_stamp(at)}"
            reminded = state.done_with(f"{prefix}*{suffix}")
            for unit in expected:
                if unit.ready_at is not None or unit.code in reminded:
                    continue
                key = prefix + unit.code + suffix
                stale = unit.assigned_at is None or at <= unit.assigned_at
                if not stale and key not in state.done:
                    actions.append(
                        Action(key=key, kind=ActionKind.READY_REMINDER, recipient=unit.code, units=[unit.code], at=at)
                    )
                    if len(actions) == full:
                        return actions
    else:
        key = f"not-ready/{_stamp(state.event_start)}"
        if not state.is_done(key) and now < state.event_end:
            not_ready = [u.code for u in expected if u.ready_at is None and u.report is None]
            if not_ready:
                actions.append(
                    Action(
                        key=key, kind=ActionKind.NOT_READY, recipient="office", units=not_ready, at=state.event_start
                    )
                )

    ladder = _Ladder(state, now)
    escalating: dict[int, list[tuple[str, datetime]]] = {}
    for unit in state.expected_units():
        escalations, reminder, reminder_stamp, level = ladder.of(unit.due)
        first_escalation = escalations[0] if escalations else ladder.hard_close
        if now < first_escalation and reminder is not None and reminder >= state.event_end:
            key = (
                "" if unit.code in ladder.reminded(reminder_stamp) else f"report-reminder/{unit.code}/{reminder_stamp}"
            )
            if key and key not in state.done:
                actions.append(
                    Action(
                        key=key, kind=ActionKind.REPORT_REMINDER, recipient=unit.code, units=[unit.code], at=reminder
                    )
                )
                if len(actions) == full:
                    return actions
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

    if (now >= state.event_end and state.all_settled) or now >= ladder.hard_close:
        actions.append(Action(key="closing", kind=ActionKind.CLOSING, recipient="office", at=now))
    return actions if limit is None else actions[:limit]


class _Ladder:
    """What follows from a report due date at `now`, worked out once per date: the escalation
    times, the latest report reminder whose time has come and its stamp, and the escalation level
    reached (how many of those times have come)."""

    def __init__(self, state: ActivityState, now: datetime) -> None:
        self.state, self.now = state, now
        self._by_due: dict[datetime, tuple[list[datetime], datetime | None, str, int]] = {}
        self._hard_close: datetime | None = None
        self._reminded: dict[str, set[str] | frozenset[str]] = {}

    @property
    def hard_close(self) -> datetime:
        if self._hard_close is None:
            self._hard_close = self.state.hard_close
        return self._hard_close

    def of(self, due: datetime) -> tuple[list[datetime], datetime | None, str, int]:
        found = self._by_due.get(due)
        if found is None:
            escalations = self.state.escalations_after(due)
            reminder = _latest_due([due + offset for offset in self.state.policy.report_reminders], self.now)
            stamp = _stamp(reminder) if reminder is not None else ""
            level = sum(1 for t in escalations if t <= self.now)
            found = self._by_due[due] = (escalations, reminder, stamp, level)
        return found

    def reminded(self, stamp: str) -> set[str] | frozenset[str]:
        """The units the report reminder of `stamp` went to."""
        found = self._reminded.get(stamp)
        if found is None:
            found = self._reminded[stamp] = self.state.done_with(f"report-reminder/*/{stamp}")
        return found


def mark_done(state: ActivityState, action: Action, now: datetime) -> None:
    """Record that `action` was carried out."""
    state.mark(action.key)
    if action.kind is ActionKind.ASSIGNMENT:
        for code in action.units:
            state.units[code].assigned_at = now
    elif action.kind in (ActionKind.READY_REMINDER, ActionKind.REPORT_REMINDER):
        state.reminders_sent += 1
    elif action.kind is ActionKind.ESCALATION:
        state.escalations_sent += 1
        for code in action.units:
            state.units[code].escalation_level = action.level
            state.note(state.units[code])
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
    by_due: dict[datetime, list[str]] = {}  # the units still expected, by due date: each date worked out once
    for unit in state.expected():
        by_due.setdefault(unit.due, []).append(unit.code)
    per_unit: dict[tuple[datetime, str], list[str]] = {}
    for due, codes in by_due.items():
        keys = [
            (due, "hạn báo cáo của"),
            *((due + offset, "nhắc báo cáo") for offset in state.policy.report_reminders),
            *((moment, "báo cáo Ban Thường vụ về") for moment in state.escalations_after(due)),
        ]
        for key in keys:
            per_unit.setdefault(key, []).extend(codes)
    candidates += [(at, f"{what} {_some(codes)}") for (at, what), codes in per_unit.items()]
    future = [c for c in candidates if c[0] > now]
    return min(future, key=lambda c: c[0]) if future else None


def still_addressed(state: ActivityState, now: datetime) -> set[str]:
    """The units the activity may still send a notice to, whose contacts a new run needs (continue-as-
    new): all of them until the event has ended (a reschedule can bring readiness reminders back);
    after it, those still expected and those not yet told of their assignment. A settled unit hears
    nothing more from the activity, and a city's contacts are half of what a new run decodes."""
    if now < state.event_end and not state.finished:
        return set(state.units)
    return set(state.pending()) | {code for code, unit in state.units.items() if unit.assigned_at is None}


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
