"""What a world ended with: per-unit outcomes, reports and revisions, notices and what the mail
server received, the audit trail, and the workflow histories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from activities.channels import message_id
from chaos.simulate import Answered
from chaos.world import World
from settings import Settings
from store.database import Store
from store.schema import Assignment, AuditEntry, Notification, Readiness, UnitReport


@dataclass
class WorldResult:
    completed: bool
    outcomes: dict[tuple[int, str], tuple[str | None, int]]  # (activity, unit) → (outcome, escalation level)
    reports: dict[tuple[int, str, int], tuple[int, int | None, str, bool]]  # … revision → numbers, on time
    readiness: set[tuple[int, str]]
    notices: dict[str, str]  # notice key and channel → status
    undelivered: list[str]  # sent by the store's account, never received by the mail server
    copies: int  # messages received more than once (the same Message-ID: a receiver drops them)
    audit: Counter[tuple[int | None, str]]
    task_failures: int
    task_timeouts: int
    activity_timeouts: int  # attempts given up on (a worker killed while it ran them)
    runs: int
    held_up: float  # the longest a fired timer waited for a worker, in seconds
    answered: Answered = field(default_factory=Answered)


async def histories(client: Client) -> tuple[int, int, int, int, float]:
    """(workflow-task failures, workflow-task time-outs, activity time-outs, runs, the longest a fired
    timer waited for a worker to start the task that sees it) over every run on the server."""
    failures = timeouts = activity_timeouts = runs = 0
    held_up = 0.0
    async for execution in client.list_workflows():
        runs += 1
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        fired: float | None = None
        for event in history.events:
            failures += event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
            timeouts += event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT
            activity_timeouts += event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
            at = event.event_time.ToDatetime().timestamp()
            if event.event_type == EventType.EVENT_TYPE_TIMER_FIRED and fired is None:
                fired = at
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED and fired is not None:
                held_up, fired = max(held_up, at - fired), None
    return failures, timeouts, activity_timeouts, runs, held_up


def key(report: UnitReport) -> tuple[int, str, int]:
    return report.activity_no, report.unit_code, report.revision


async def outcome_of(world: World, campaign_id: str, completed: bool, answered: Answered) -> WorldResult:
    store = Store(world.database)
    with store.session() as session:
        assignments = session.scalars(select(Assignment).where(Assignment.campaign_id == campaign_id)).all()
        reports = session.scalars(select(UnitReport).where(UnitReport.campaign_id == campaign_id)).all()
        ready = session.execute(select(Readiness.activity_no, Readiness.unit_code)).all()
        notices = session.execute(select(Notification.key, Notification.channel, Notification.status)).all()
        audit = session.execute(select(AuditEntry.activity_no, AuditEntry.action)).all()
    sender = Settings().smtp_from
    received = Counter(world.mail.inbox.message_ids())
    undelivered = [
        key
        for key, channel, status in notices
        if channel == "email" and status == "sent" and message_id(key.rsplit("#", 1)[0], sender) not in received
    ]
    assert world.client is not None
    failures, timeouts, activity_timeouts, runs, held_up = await histories(world.client)
    return WorldResult(
        completed=completed,
        outcomes={(a.activity_no, a.unit_code): (a.outcome, a.escalation_level) for a in assignments},
        reports={key(r): (r.participants, r.beneficiaries, r.summary, r.on_time) for r in reports},
        readiness={(no, unit) for no, unit in ready},
        notices={key: status for key, _, status in notices},
        undelivered=undelivered,
        copies=sum(n - 1 for n in received.values()),
        audit=Counter((no, action) for no, action in audit),
        task_failures=failures,
        task_timeouts=timeouts,
        activity_timeouts=activity_timeouts,
        runs=runs,
        held_up=held_up,
        answered=answered,
    )
