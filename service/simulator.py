"""A unit simulator for the demo: units answer as real ones would, seeded and reproducible.

Most confirm readiness and report on time, some report late, some never answer,
so reminders, escalations and the final report all happen.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from campaign.clock import end_of_day, start_of_day
from campaign.duty import Duty, DutyAnswer
from campaign.messages import ConfirmReady, SubmitReport
from campaign.plan import Plan
from campaign.policy import PolicyFile


class Behaviour(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    SILENT = "silent"


class Answer(BaseModel):
    at: datetime  # plan time
    activity_no: int
    unit: str
    message: ConfirmReady | SubmitReport


def behaviour_of(rng: random.Random) -> Behaviour:
    roll = rng.random()
    if roll < 0.7:
        return Behaviour.ON_TIME
    if roll < 0.9:
        return Behaviour.LATE
    return Behaviour.SILENT


def plan_answers(plan: Plan, policy: PolicyFile, seed: int = 54) -> list[Answer]:
    """Every message the simulated units will send, in plan-time order."""
    rng = random.Random(seed)
    answers: list[Answer] = []
    for activity in plan.activities:
        rules = policy.for_activity(activity.no)
        event_start, event_end = start_of_day(activity.start), end_of_day(activity.end)
        due = event_end if activity.due_given else event_end + rules.report_due
        if activity.duties:  # the units' report on the plan: reports come in the last days before it is due
            event_end = max(event_start, due - timedelta(days=4))
        for code in activity.unit_codes:
            behaviour = behaviour_of(rng)
            if behaviour is Behaviour.SILENT:
                continue
            if not activity.duties and rng.random() < 0.85:
                ready_at = event_start - rules.ready_lead - timedelta(hours=rng.randint(-30, 30))
                answers.append(Answer(at=ready_at, activity_no=activity.no, unit=code, message=ConfirmReady(unit=code)))
            if behaviour is Behaviour.ON_TIME:
                report_at = event_end + (due - event_end) * rng.uniform(0.05, 0.9)
            else:
                report_at = due + rules.escalate_after + timedelta(hours=rng.randint(2, 96))
            people = rng.randint(8, 150)
            answers.append(
                Answer(
                    at=report_at,
                    activity_no=activity.no,
                    unit=code,
                    message=SubmitReport(
                        unit=code,
                        summary=f"Đã tổ chức “{activity.title[:60]}” với {people} đoàn viên tham gia.",
                        participants=people,
                        beneficiaries=rng.choice([None, rng.randint(10, 300)]),
                        evidence=[f"https://example.org/minh-chung/{activity.no}/{code}.jpg"],
                        submitted_by="Bí thư Chi đoàn",
                        request_id=f"sim-{activity.no}-{code}",
                        duties=duty_answers(activity.duties, rng) if activity.duties else None,
                    ),
                )
            )
    return sorted(answers, key=lambda a: (a.at, a.activity_no, a.unit))


def duty_answers(duties: list[Duty], rng: random.Random) -> list[DutyAnswer]:
    """A unit's answers on the plan's duties: most done, some not yet, a few not applicable to it."""
    answers = []
    for duty in duties:
        status = rng.choices(["done", "not_done", "not_applicable"], weights=[7, 2, 1])[0]
        done = status == "done"
        answers.append(
            DutyAnswer(
                duty=duty.no,
                status=status,  # type: ignore[arg-type]
                note="" if done else rng.choice(["Chuyển sang tháng sau", "Đơn vị không có đối tượng phù hợp"]),
                participants=rng.randint(5, 80) if done else None,
                count=rng.randint(1, 4) if done and duty.count_label else None,
            )
        )
    return answers


async def deliver_due(answers: list[Answer], now: datetime, send: Callable[[Answer], Awaitable[None]]) -> list[Answer]:
    """Send the answers whose time has come; return the rest."""
    index = 0
    while index < len(answers) and answers[index].at <= now:
        await send(answers[index])
        index += 1
    return answers[index:]
