"""CampaignActivityWorkflow: one schedule row, from preparation to closing.

Thin orchestration over campaign.tracker: apply validated messages (activity_messages.py, its base
class: the updates, the campaign's signal and the queries), carry out what `decide` says is
due (notices and facts handed out in batches, never waited for: dispatch.py), publish the state to
the store, the UI and the parent campaign (publishing.py), and wait for the next due moment
(timers.py), a message or a finished batch.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from campaign.due import decide, mark_done, next_wake, still_addressed
    from campaign.facts import EventKind
    from campaign.message_rules import (
        keep_latest_receipts,
    )
    from campaign.tracker import ActionKind, new_activity_state
    from campaign.views import (
        ActivityResult,
        ActivitySummary,
        UnitResult,
        activity_summary,
        unit_table,
    )
    from workflows import search_attributes as sa
    from workflows.activity_messages import ActivityMessages
    from workflows.checked import CheckedMessages
    from workflows.ids import refuse_bad_campaign_id
    from workflows.inputs import ActivityInput
    from workflows.outbox import Outbox
    from workflows.publishing import LatestOnly, PublishThrottle, shown, tell_campaign
    from workflows.timers import Alarm, WakeTimer

__all__ = ["ACTIONS_PER_TASK", "TASK_TIMEOUT", "CampaignActivityWorkflow"]

# How long the effects of a stream of messages gather before the store, the search attributes,
# the UI and the campaign hear of them at once (one message alone is published at once).
PUBLISH_EVERY = timedelta(seconds=1)
# A workflow task of an activity is meant to take well under a second whatever its roll (bench.scale
# measures the longest; its goal is under 3 s, and a replay of a whole run under 3 s). The task timeout
# is also how long the activity stays deaf when its worker dies holding a task (killed, out of memory,
# a lost poll response): the server hands the task to another worker only when it runs out, and a
# unit's report waits for it (30 s kept a report in the chaos run waiting 21.9 s). So it is Temporal's
# default, 10 s, set explicitly: a margin over the goal, not the fix for a slow task (a task that times
# out is retried by replaying the whole run, which costs more than the task did).
TASK_TIMEOUT = timedelta(seconds=10)
# A run continues as new by what a replay of it costs (a worker that lost the run from its cache
# replays it whole in one task): at RUN_EVENTS events (or its input's lower `run_events`), once its
# history has grown RUN_BYTES past its first task (a city's carried state is itself large), or after
# RUN_ACTIONS actions, about a second of replay on a busy 2-core host (bench.scale); or when the
# server suggests it.
RUN_EVENTS = 1_000
RUN_BYTES = 1_000_000
# ... or once it has carried out this many actions: composing a notice is the costliest thing a
# replay does again (a wave of a city's reminders is 10,000 of them in a thousand events).
RUN_ACTIONS = 4_000
# A hand-over waits for the store's writes at most this long (wall time), then carries what still runs.
QUIET_AT_MOST = timedelta(minutes=2)
# A run handing over takes messages while it waits for the store (a report is not held up for it), until
# it holds REFUSE_PAST times its event threshold: from then on, for at most REFUSE_WHILE_HANDING_OVER
# (wall time) after it decided to hand over, its validators refuse them as HANDING_OVER (no event is
# written; the doors send them again a moment later, to the next run), so a stream of reports does not
# lengthen it much further. Longer (the store is down), messages are taken again: nobody waits minutes.
REFUSE_PAST = 1.3
REFUSE_WHILE_HANDING_OVER = timedelta(seconds=5)
# What falls due at once for thousands of units (assignments, a wave of reminders) is carried out
# this many actions per workflow task, the next share in the next task (after a 1 ms timer): one task
# composes and hands out a few hundred notices, never a city's worth, and stays far below the SDK's
# 2 s deadlock detector and the task timeout on a busy host.
ACTIONS_PER_TASK = 250


@workflow.defn
class CampaignActivityWorkflow(ActivityMessages):
    @workflow.init
    def __init__(self, input: ActivityInput) -> None:
        self.input = input
        self.clock = input.clock
        self.state = input.state or new_activity_state(
            input.campaign_id, input.activity, input.units, input.policy, input.holidays, input.window_end
        )
        self._out = Outbox(self.state, self.clock, input.units, input.office, input.committee)  # not waited for
        self._wake = WakeTimer(self.clock)  # the next moment something is due
        self._resume = Alarm()  # more actions are due than one task carries out
        self._throttle = PublishThrottle(PUBLISH_EVERY, "cập nhật trạng thái đơn vị")
        self._parent = LatestOnly(self._tell_parent)  # the latest summary to the campaign
        self._published: tuple[Any, ...] | None = None  # what the search attributes and the campaign last got
        self._checked = CheckedMessages()
        self._version = 0  # counts changes to the state: what a validator checked is used only unchanged
        self._changed = False  # a message came: look again
        self._decide = True  # a message may have made something due: run `decide`
        self._settling = False  # a report or a readiness: only the closing can have become due
        self._first_size: int | None = None  # history bytes at the run's first task (its input)
        self._actions = 0  # actions carried out by this run
        self._handing_over_until: datetime | None = None  # wall time: new messages are refused until then

    def now(self) -> datetime:
        return self.clock.plan_now(workflow.now())

    @workflow.run
    async def run(self, input: ActivityInput) -> ActivityResult:
        """Wake for what is due or for messages; send, record and publish in batches, never waiting on
        a channel or the store. A report only settles its unit: the schedule is not re-read for it."""
        refuse_bad_campaign_id(input.campaign_id)
        self._out.events += input.carried_events  # what the previous run had not handed out yet
        self._out.notices += input.carried_notices
        # A continued run publishes once at once: the facts carried go to the store, the campaign hears the
        # state the last run may not have told it, and a message its first task took (the SDK runs those
        # handlers before `run`) is not left unpublished.
        self._throttle.dirty = self._throttle.dirty or bool(input.carried_events) or input.state is not None
        while True:
            now = self.now()
            due_now = self._wake.take()
            resumed = self._resume.take()
            if due_now or resumed or self._last_report_in(now):
                self._decide = True
            self._settling = False
            acted = False
            if self._decide and not self._resume.set:  # while a share waits for the next task: then
                self._decide = False
                acted = self._act(now)
                self._wake.arm(now, next_wake(self.state, now))
            self._out.tell_office_of_failures()
            self._out.send_notices()
            if not self.state.finished and self._run_is_long() and workflow.patched("hand-over-before-publish"):
                # Publishing now would start a fact batch and a signal that the hand-over must then wait
                # for, holding up every message meanwhile: the next run publishes at once instead.
                await self._continue_as_new(input)
            publish = self._throttle.due()
            if (acted and not self._resume.set) or due_now or publish:
                self._publish(now)
            else:
                self._throttle.gather()
            self._parent.send()
            if self.state.finished:
                break
            if self._run_is_long():  # runs started before the patch above
                await self._continue_as_new(input)
            self._changed = False
            await workflow.wait_condition(self._woken)
        await workflow.wait_condition(workflow.all_handlers_finished)
        outcomes = {u.code: u.outcome for u in self.state.units.values() if u.outcome is not None}
        self._record(EventKind.CLOSED, "system", phase=self.state.phase(self.now()), outcomes=outcomes)
        self._publish(self.now())
        await self._settled_out()
        return self._result()

    def _last_report_in(self, now: datetime) -> bool:
        """A report or readiness came after the event and nobody is expected any more: time to close."""
        return self._settling and now >= self.state.event_end and self.state.all_settled

    def _woken(self) -> bool:
        return (
            self._changed
            or self._wake.rang
            or self._throttle.rang
            or self._resume.rang
            or self._out.finished_any()
            or self._parent.ready
        )

    def _act(self, now: datetime) -> bool:
        """Carry out what `decide` says is due: the notices queued, the state marked."""
        actions = decide(self.state, now, limit=ACTIONS_PER_TASK + 1)  # the share, and whether more is due
        if len(actions) > ACTIONS_PER_TASK:
            actions = actions[:ACTIONS_PER_TASK]  # in the order `decide` gives: the next task decides again
            self._resume.start(timedelta(milliseconds=1), "tiếp tục gửi thông báo")
        self._version += bool(actions)
        self._actions += len(actions)
        for action in actions:
            self._out.notify(action, now)
            mark_done(self.state, action, now)
            if action.kind is ActionKind.ESCALATION:
                self._record(EventKind.ESCALATION, "system", at=action.at, level=action.level, units=action.units)
        if actions:
            kinds = sorted({a.kind.value for a in actions})
            ids = {"campaign_id": self.state.campaign_id, "activity_no": self.state.activity.no}
            workflow.logger.info("actions done", extra={**ids, "count": len(actions), "kinds": kinds})
        return bool(actions)

    def _record(self, kind: EventKind, actor: str, **fields: Any) -> None:
        """A fact for the store, handed out with the next publish: a database outage holds up nothing."""
        self._out.record(kind, actor, fields.pop("at", None) or self.now(), **fields)
        self._throttle.dirty = True

    def _publish(self, now: datetime) -> None:
        """The store, the UI details, the search attributes and the campaign, once per batch."""
        summary = activity_summary(self.state, now)
        if summary.phase != self.state.phase_recorded and not self.state.finished:
            self.state.phase_recorded = summary.phase
            self._record(EventKind.PHASE, "system", phase=summary.phase)
        self._out.flush_records()
        self._throttle.published()
        workflow.set_current_details(unit_table(self.state, now))
        current = shown(summary)
        if current == self._published:
            return
        if self._published is None or current[:7] != self._published[:7]:
            workflow.upsert_search_attributes(sa.activity_values(summary, self.state.event_start))
        self._published = current
        if self.input.parent_id:
            self._parent.put(summary)

    async def _tell_parent(self, summary: ActivitySummary) -> None:
        await tell_campaign(self.input.parent_id or "", summary, self.input.campaign_token, self.state.campaign_id)

    def _run_is_long(self) -> bool:
        info = workflow.info()
        if info.is_continue_as_new_suggested():
            return True
        events, size = info.get_current_history_length(), info.get_current_history_size()
        if self._first_size is None:
            self._first_size = size
        if events >= min(self.input.run_events, RUN_EVENTS) or size - self._first_size >= RUN_BYTES:
            return True
        return self._actions >= min(self.input.run_actions, RUN_ACTIONS) and workflow.patched("run-ends-by-actions")

    async def _continue_as_new(self, input: ActivityInput) -> None:
        """Hand over to a fresh run soon after the task that decided to: waiting for the store's
        backlog would let a stream of reports go on adding to this run. Notices being sent are awaited
        (a mail must not be sent twice), then the run goes quiet (`_quiet`); the facts still being
        written and what waits go to the next run in its input (the store keeps each fact once by its
        key), with the contacts of the units a notice may still go to."""
        self._handing_over_until = workflow.now() + REFUSE_WHILE_HANDING_OVER
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._out.notices_sent()
        await self._quiet(input)
        self._out.tell_office_of_failures()
        events, notices = self._out.handed_over()
        keep_latest_receipts(self.state)
        # The plan's list of who is responsible made the roll; the state has it now.
        lean = input.activity.model_copy(update={"responsible": []})
        self.state.activity = self.state.activity.model_copy(update={"responsible": []})
        addressed = still_addressed(self.state, self.now())
        contacts = [unit for code, unit in self._out.contacts.items() if code in addressed]
        carried = {
            "state": self.state,
            "activity": lean,
            "units": contacts,
            "carried_events": events,
            "carried_notices": notices,
        }
        workflow.continue_as_new(input.model_copy(update=carried), task_timeout=TASK_TIMEOUT)

    async def _quiet(self, input: ActivityInput) -> None:
        """Hand over once nothing but messages is pending: the server refuses a completion when an
        event lands during its task (a fact batch done, a timer, the campaign's signal), and the worker
        then replays the whole run, again and again while they keep landing (bench.scale). The timers
        are cancelled (the next run decides and arms its own), the fact batches and the signal awaited,
        but no longer than until the run holds twice its event threshold (reports keep coming meanwhile
        and a run must stay short to replay), nor than QUIET_AT_MOST or the next moment something is due
        (a store that is down must not hold up reminders, escalations or the close: the batches still
        running are carried, and the store keeps each fact once by its key)."""
        self._wake.cancel()
        self._resume.cancel()
        self._throttle.cancel()
        cap = 2 * min(input.run_events, RUN_EVENTS)
        info = workflow.info()
        now = self.now()
        wait = QUIET_AT_MOST
        if (wake := next_wake(self.state, now)) is not None:
            wait = min(wait, self.clock.wall_delay(wake[0] - now) + timedelta(milliseconds=1))
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: (
                    (self._out.records_written and not self._parent.in_flight)
                    or info.get_current_history_length() >= cap
                ),
                timeout=wait,
                timeout_summary="chờ ghi xong trước khi chuyển lượt chạy",
            )

    async def _settled_out(self) -> None:
        """Everything handed out done, including what the office is told about it, and the campaign
        told the last state."""
        while not self._out.idle:
            await self._out.all_done()
            self._out.tell_office_of_failures()  # which may queue notices to the office: another round
        await self._parent.told()

    def _result(self) -> ActivityResult:
        now = self.now()
        return ActivityResult(
            no=self.state.activity.no,
            title=self.state.activity.title,
            phase=self.state.phase(now),
            units=[
                UnitResult(
                    code=u.code,
                    name=u.name,
                    outcome=u.outcome,
                    revision=u.report.revision if u.report else None,
                    participants=u.report.participants if u.report else None,
                )
                for u in self.state.units.values()
            ],
            reminders_sent=self.state.reminders_sent,
            escalations_sent=self.state.escalations_sent,
        )

    def _refusing(self) -> bool:
        """Past REFUSE_PAST times its event threshold, for REFUSE_WHILE_HANDING_OVER after deciding to."""
        if self._handing_over_until is None or workflow.now() >= self._handing_over_until:
            return False
        threshold = min(self.input.run_events, RUN_EVENTS)
        return workflow.info().get_current_history_length() >= REFUSE_PAST * threshold
