"""What the simulated units send in a chaos run: the demo's answers (plus some revised reports),
each moved away from every moment its activity's policy acts on.

A fault delays a message by a few seconds. A message that a delay could carry across a reminder,
a due time or an escalation would make a disturbed run differ from an undisturbed one for a reason
that is no fault of the service (the same would happen to a unit whose report was late in the
post). So each answer is placed in the middle of the gap it falls in between two such moments;
the smallest distance left is printed, and the speed is chosen so that it exceeds any delay."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from campaign.clock import start_of_day
from campaign.due import unanswered
from campaign.messages import SubmitReport
from campaign.plan import Plan
from campaign.policy import PolicyFile
from campaign.tracker import new_activity_state
from campaign.units import UnitDirectory
from service.simulator import Answer, plan_answers


@dataclass
class Placed:
    answers: list[Answer]
    margin: timedelta  # the smallest distance from any answer to a moment of its activity
    last: datetime  # the last moment of any activity: when the campaign has closed at the latest


def moments(plan: Plan, directory: UnitDirectory, policy: PolicyFile, origin: datetime) -> dict[int, list[datetime]]:
    """Per activity, every time its workflow acts when nobody answers (answers only remove actions)."""
    found: dict[int, list[datetime]] = {}
    for activity in plan.activities:
        units = [directory.get(c) for c in activity.unit_codes if c in directory.by_code]
        state = new_activity_state("chaos", activity, units, policy.for_activity(activity.no), [], plan.window.end)
        times = {origin, state.event_start, state.event_end, state.hard_close, state.ready_due}
        times |= {unit.due for unit in state.units.values()}  # a report on time or late
        times |= {max(action.at, origin) for action in unanswered(state, origin)}
        found[activity.no] = sorted(t for t in times if t >= origin)
    return found


def placed(at: datetime, times: list[datetime]) -> datetime:
    """The middle of the gap between two moments that `at` falls in (the first gap for an answer sent
    before the campaign starts); after the last moment, unchanged."""
    index = min(max(bisect_right(times, at), 1), len(times))
    if index == len(times):
        return at
    before, after = times[index - 1], times[index]
    return before + (after - before) / 2


def revisions(answers: list[Answer], rng: random.Random) -> list[Answer]:
    """One report in five is revised with corrected numbers."""
    revised = []
    for answer in answers:
        if isinstance(answer.message, SubmitReport) and rng.random() < 0.2:
            report = answer.message.model_copy(
                update={"participants": answer.message.participants + rng.randint(1, 20),
                        "request_id": f"{answer.message.request_id}-r2",
                        "summary": f"{answer.message.summary} (bổ sung số liệu)"}
            )  # fmt: skip
            revised.append(answer.model_copy(update={"message": report}))
    return revised


def chaos_answers(plan: Plan, directory: UnitDirectory, policy: PolicyFile, origin: datetime, seed: int) -> Placed:
    """The simulator's answers in the middle of their gaps; a revision in the gap after its report's;
    none after the activity's close."""
    times = moments(plan, directory, policy, origin)
    first = [a.model_copy(update={"at": placed(a.at, times[a.activity_no])}) for a in plan_answers(plan, policy, seed)]
    later = [
        a.model_copy(update={"at": next_gap(a.at, times[a.activity_no])}) for a in revisions(first, random.Random(seed))
    ]
    kept = [a for a in first + later if a.at < times[a.activity_no][-1]]
    margin = min((min(abs(a.at - t) for t in times[a.activity_no]) for a in kept), default=timedelta.max)
    last = max(max(moments_of) for moments_of in times.values())
    return Placed(sorted(kept, key=lambda a: (a.at, a.activity_no, a.unit)), margin, last)


def next_gap(at: datetime, times: list[datetime]) -> datetime:
    """The middle of the gap after the one `at` is in (the last moment when there is none)."""
    index = bisect_right(times, at)
    return placed(times[index], times) if index < len(times) - 1 else times[-1]


def origin_of(plan: Plan, rebase_to: date | None = None) -> datetime:
    return start_of_day(rebase_to or plan.starts_on)
