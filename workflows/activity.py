"""CampaignActivityWorkflow: one schedule row, from preparation to closing.

Thin orchestration over campaign.tracker: apply validated messages, run what
`decide` says is due (through activities), publish the state to the UI and the
parent campaign, and sleep until `next_wake` or the next message.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.contracts import RECORD_EVENT, SEND_NOTICE, SET_ASIDE, Delivery
    from campaign.clock import end_of_day, format_moment
    from campaign.due import decide, mark_done, next_wake
    from campaign.facts import ActivityEvent, EventKind
    from campaign.limits import campaign_id_problem
    from campaign.message_rules import (
        Receipt,
        apply_assign,
        apply_cancel,
        apply_confirm_ready,
        apply_excuse,
        apply_extend,
        apply_report,
        apply_reschedule,
        check_assign,
        check_cancel,
        check_confirm_ready,
        check_excuse,
        check_extend,
        check_report,
        check_reschedule,
        keep_latest_receipts,
    )
    from campaign.messages import (
        AssignUnits,
        Cancel,
        ConfirmReady,
        ExcuseUnit,
        ExtendDeadline,
        Message,
        Rejected,
        Reschedule,
        SubmitReport,
        read_message,
    )
    from campaign.notices import PERSONAL_LINK, Notice, compose, delivery_failed, record_set_aside
    from campaign.tracker import Action, ActionKind, ActivityState, new_activity_state
    from campaign.units import Unit
    from campaign.views import (
        ActivityResult,
        ActivityStatus,
        ActivitySummary,
        UnitResult,
        activity_status,
        activity_summary,
        unit_table,
    )
    from workflows import search_attributes as sa
    from workflows.dispatch import Dispatch, channel_failure
    from workflows.inputs import ActivityInput
    from workflows.retry import NOTIFY_RETRY, RECORD_RETRY

MessageT = TypeVar("MessageT", bound=Message)
# The rules a new activity runs by (campaign.tracker.ActivityState.rules_version). It travels in the
# input, so a run started before a rule changed replays with the rules it was started with.
CURRENT_RULES = 4
R = TypeVar("R")
# How long the effects of a stream of messages gather before the store, the search attributes,
# the UI and the campaign hear of them at once (one message alone is published at once).
PUBLISH_EVERY = timedelta(seconds=1)
# A workflow task of an activity is meant to take well under a second whatever its roll (bench.scale
# measures the longest). Temporal's default task timeout is 10 s; this one is set explicitly, longer,
# only as a margin for a host that is busy for a moment: a task that times out is retried by
# replaying the whole run, which costs more than the task did. It is not the fix for a slow task.
TASK_TIMEOUT = timedelta(seconds=30)
# Rules 3: a run continues as new by what a replay of it costs. A worker that lost the run from its
# cache replays it whole in one task, and under a stream of reports that happens at every hand-over
# (a completion that races new messages is refused by the server, and the worker replays). So a run
# hands over at RUN_EVENTS events or once its history has grown RUN_BYTES past its first task (the
# carried state is not counted: a city's is itself large), whichever comes first: about a second of
# replay on a busy 2-core host (bench.scale); or when the server suggests it.
RUN_EVENTS = 1_000
RUN_BYTES = 1_000_000
# Rules 3: what falls due at once for thousands of units (assignments, a wave of reminders) is
# carried out this many actions per workflow task, the next share in the next task (after a 1 ms
# timer): one task composes and hands out a few hundred notices, never a city's worth, and stays
# far below the SDK's 2 s deadlock detector and the task timeout on a busy host.
ACTIONS_PER_TASK = 250


@workflow.defn
class CampaignActivityWorkflow:
    @workflow.init
    def __init__(self, input: ActivityInput) -> None:
        self.input = input
        self.clock = input.clock
        self.state = input.state or new_activity_state(
            input.campaign_id, input.activity, input.units, input.policy, input.holidays, input.window_end
        )
        if input.state is None:  # a run that continues keeps the rules it started with
            self.state.rules_version = input.rules_version
        self._changed = False
        self._published: tuple[Any, ...] | None = None
        self._recording: list[tuple[workflow.ActivityHandle[bool], ActivityEvent]] = []
        # The batched loop (new runs): side effects in batches, timers kept across messages.
        self._batched = False
        self._out = Dispatch()
        self._contacts = {u.code: u for u in input.units}
        self._decide = True  # a message may have made something due: run `decide`
        self._settling = False  # a report or a readiness: only the closing can have become due
        self._dirty = False  # something visible changed since the last publish
        self._timer: asyncio.Task[None] | None = None
        self._timer_at: datetime | None = None
        self._publish_timer: asyncio.Task[None] | None = None
        self._last_publish: datetime | None = None  # wall time
        self._telling: asyncio.Task[None] | None = None
        self._untold: ActivitySummary | None = None
        self._resume: asyncio.Task[None] | None = None  # more actions are due than one task carries out
        self._first_size: int | None = None  # history bytes at the run's first task (its input)

    def now(self) -> datetime:
        return self.clock.plan_now(workflow.now())

    @workflow.run
    async def run(self, input: ActivityInput) -> ActivityResult:
        refuse_bad_campaign_id(input.campaign_id)
        if workflow.patched("batched-activity-loop"):
            self._batched = True
            return await self._run_batched(input)
        while True:
            now = self.now()
            for action in decide(self.state, now):
                await self._notify(action, now)
                mark_done(self.state, action, now)
                if action.kind is ActionKind.ESCALATION:
                    self._record(EventKind.ESCALATION, "system", at=action.at, level=action.level, units=action.units)
                workflow.logger.info(
                    "action done",
                    extra={"campaign_id": self.state.campaign_id, "activity_no": input.activity.no, "key": action.key},
                )
            await self._publish(now)
            await self._set_aside_told()
            if self.state.finished:
                break
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._records_written()
                workflow.continue_as_new(input.model_copy(update={"state": self.state}))
            await self._sleep(now)
        await workflow.wait_condition(workflow.all_handlers_finished)
        outcomes = {u.code: u.outcome for u in self.state.units.values() if u.outcome is not None}
        self._record(EventKind.CLOSED, "system", phase=self.state.phase(self.now()), outcomes=outcomes)
        await self._records_written()
        return self._result()

    def _record(self, kind: EventKind, actor: str, **fields: Any) -> None:
        """Hand a fact to the store without waiting: a database outage must not hold up reminders."""
        self.state.events_recorded += 1
        info = workflow.info()
        event = ActivityEvent(
            key=f"{info.workflow_id}/event/{self.state.events_recorded}",
            kind=kind,
            campaign_id=self.state.campaign_id,
            activity_no=self.state.activity.no,
            workflow_id=info.workflow_id,
            actor=actor,
            at=fields.pop("at", None) or self.now(),
            **fields,
        )
        self._dirty = True
        if self._batched:
            self._out.events.append(event)
            return
        handle = workflow.start_activity(
            RECORD_EVENT,
            event,
            result_type=bool,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RECORD_RETRY,
            summary=f"ghi {kind.value}",
        )
        self._recording.append((handle, event))

    async def _set_aside_told(self) -> None:
        """Records the database refused for good were kept aside: tell the office, and carry on."""
        still: list[tuple[workflow.ActivityHandle[bool], ActivityEvent]] = []
        for handle, event in self._recording:
            if not handle.done():
                still.append((handle, event))
                continue
            error = handle.exception()
            cause = error.cause if isinstance(error, ActivityError) else None
            if error is None:
                continue
            if not (isinstance(cause, ApplicationError) and cause.type == SET_ASIDE):
                raise error
            workflow.logger.error(
                "record set aside",
                extra={"campaign_id": event.campaign_id, "activity_no": event.activity_no, "key": event.key},
            )
            notice = record_set_aside(self.state, event.key, event.kind.value, cause.message)
            await send(notice.model_copy(update={"to": self.input.office}), self.input.office)
        self._recording = still

    async def _records_written(self) -> None:
        """Wait for every record handed to the store, then tell the office of any that was kept aside."""
        if self._recording:
            await asyncio.gather(*(handle for handle, _ in self._recording), return_exceptions=True)
        await self._set_aside_told()

    async def _sleep(self, now: datetime) -> None:
        wake = next_wake(self.state, now)
        self._changed = False
        if wake is None:
            await workflow.wait_condition(lambda: self._changed)
            return
        at, reason = wake
        delay = self.clock.wall_delay(at - now) + timedelta(milliseconds=1)
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._changed, timeout=delay, timeout_summary=f"{reason} ({format_moment(at)})"
            )

    async def _notify(self, action: Action, now: datetime) -> None:
        await send(self._notice(action, now, dated=False), self.input.office)

    async def _publish(self, now: datetime) -> None:
        """Search attributes, UI details, the store and the parent's overview, when they changed."""
        summary = activity_summary(self.state, now)
        if summary.phase != self.state.phase_recorded and not self.state.finished:
            self.state.phase_recorded = summary.phase
            self._record(EventKind.PHASE, "system", phase=summary.phase)
        current = (
            summary.phase,
            tuple(summary.pending),
            tuple(summary.overdue),
            summary.escalation_level,
            summary.escalations_sent,
        )
        details = unit_table(self.state, now)
        workflow.set_current_details(details)
        if current == self._published:
            return
        self._published = current
        self._upsert_attributes(summary)
        if self.input.parent_id:
            await self._tell_parent(summary)

    def _upsert_attributes(self, summary: ActivitySummary) -> None:
        """Bounded values only: the unit lists are cut, their "+N" counted from the whole list."""
        workflow.upsert_search_attributes(
            [
                sa.PHASE.value_set(summary.phase.value),
                sa.PENDING_UNITS.value_set(sa.bounded_codes(summary.pending, summary.pending_count)),
                sa.OVERDUE_UNITS.value_set(sa.bounded_codes(summary.overdue, summary.overdue_count)),
                sa.ESCALATION_LEVEL.value_set(summary.escalation_level),
                sa.EVENT_START.value_set(self.state.event_start),
            ]
        )

    async def _tell_parent(self, summary: ActivitySummary) -> None:
        parent = workflow.get_external_workflow_handle(self.input.parent_id or "")
        try:
            await parent.signal("activity_changed", summary.model_copy(update={"token": self.input.campaign_token}))
        except Exception:  # the campaign may be gone (cancelled, terminated); the activity carries on
            workflow.logger.warning("could not tell the campaign", extra={"campaign_id": self.state.campaign_id})

    # --- the batched loop -------------------------------------------------------

    async def _run_batched(self, input: ActivityInput) -> ActivityResult:
        """Wake for what is due or for messages; send, record and publish in batches, never waiting
        on a channel or the store. A report only settles its unit: the schedule is not re-read for it."""
        self._out.events += input.carried_events  # what the previous run had not handed out yet
        self._out.notices += input.carried_notices
        if input.rules_version >= 3 and input.carried_events:
            self._dirty = True  # to the store with the first publish, not whenever something next changes
        while True:
            now = self.now()
            timer_fired = self._timer is not None and self._timer.done()
            publish_timer_fired = self._publish_timer is not None and self._publish_timer.done()
            if publish_timer_fired:
                self._publish_timer = None
            if self._settling and now >= self.state.event_end and self.state.all_settled:
                self._decide = True  # the last report is in: time to close
            if self._resume is not None and self._resume.done():
                self._resume, self._decide = None, True
            self._settling = False
            acted = False
            if timer_fired:
                self._timer, self._decide = None, True
            if self._decide and self._resume is None:  # while a share waits for the next task: then
                self._decide = False
                acted = self._act(now)
                self._arm(now)
            self._after_sends()
            self._out.send_notices()
            if (acted and self._resume is None) or timer_fired or self._publish_due(publish_timer_fired):
                self._publish_batched(now)
            elif self._dirty and self._publish_timer is None:
                self._publish_timer = asyncio.ensure_future(
                    workflow.sleep(PUBLISH_EVERY, summary="cập nhật trạng thái đơn vị")
                )
            self._tell_parent_batched()
            if self.state.finished:
                break
            if self._run_is_long(input):
                await self._continue_as_new(input)
            self._changed = False
            await workflow.wait_condition(self._woken)
        await workflow.wait_condition(workflow.all_handlers_finished)
        outcomes = {u.code: u.outcome for u in self.state.units.values() if u.outcome is not None}
        self._record(EventKind.CLOSED, "system", phase=self.state.phase(self.now()), outcomes=outcomes)
        self._publish_batched(self.now())
        await self._settled_out()
        return self._result()

    def _run_is_long(self, input: ActivityInput) -> bool:
        info = workflow.info()
        if info.is_continue_as_new_suggested():
            return True
        events, size = info.get_current_history_length(), info.get_current_history_size()
        if input.rules_version >= 3:
            if self._first_size is None:
                self._first_size = size
            return events >= min(input.run_events, RUN_EVENTS) or size - self._first_size >= RUN_BYTES
        return events >= input.run_events  # older runs replay with the threshold they ran by

    def _woken(self) -> bool:
        return (
            self._changed
            or (self._timer is not None and self._timer.done())
            or (self._publish_timer is not None and self._publish_timer.done())
            or (self._resume is not None and self._resume.done())
            or self._out.finished_any()
            or (self._untold is not None and (self._telling is None or self._telling.done()))
        )

    def _act(self, now: datetime) -> bool:
        """Carry out what `decide` says is due: the notices queued, the state marked."""
        actions = decide(self.state, now)
        if self.input.rules_version >= 3 and len(actions) > ACTIONS_PER_TASK:
            actions = actions[:ACTIONS_PER_TASK]  # in the order `decide` gives: the next task decides again
            self._resume = asyncio.ensure_future(
                workflow.sleep(timedelta(milliseconds=1), summary="tiếp tục gửi thông báo")
            )
        for action in actions:
            self._out.notices.append(self._notice(action, now))
            mark_done(self.state, action, now)
            if action.kind is ActionKind.ESCALATION:
                self._record(EventKind.ESCALATION, "system", at=action.at, level=action.level, units=action.units)
        if actions:
            workflow.logger.info(
                "actions done",
                extra={
                    "campaign_id": self.state.campaign_id,
                    "activity_no": self.state.activity.no,
                    "count": len(actions),
                    "kinds": sorted({a.kind.value for a in actions}),
                },
            )
        return bool(actions)

    def _notice(self, action: Action, now: datetime, dated: bool = True) -> Notice:
        """The notice for `action`, addressed; `dated` (the batched loop): it says when it was due."""
        notice = compose(self.state, action, now, workflow.info().workflow_id)
        to = {"office": self.input.office, "committee": self.input.committee}.get(action.recipient)
        update: dict[str, Any] = {"to": self._contacts.get(action.recipient, to)}
        if dated:
            update |= {"due_at": self.clock.wall_at(action.at), "due_shown": format_moment(action.at)}
        if PERSONAL_LINK in notice.body:  # the link the activity signs lives until a while after the campaign
            update["link_until"] = self.clock.wall_at(end_of_day(self.state.window_end))
        return notice.model_copy(update=update)

    def _to_office(self, notice: Notice) -> None:
        self._out.notices.append(notice.model_copy(update={"to": self.input.office}))

    def _after_sends(self) -> None:
        """Tell the office of notices that could not be delivered and of facts the store refused."""
        undelivered, set_aside = self._out.collect()
        for notice, failures in undelivered:
            self._to_office(delivery_failed(notice, failures))
        for kept in set_aside:
            workflow.logger.error(
                "record set aside",
                extra={"campaign_id": self.state.campaign_id, "activity_no": self.state.activity.no, "key": kept.key},
            )
            self._to_office(record_set_aside(self.state, kept.key, kept.kind, kept.reason))

    async def _continue_as_new(self, input: ActivityInput) -> None:
        """Hand over to a fresh run. What is already handed out is waited for; what messages add
        meanwhile (a stream of reports does not pause) goes to the next run in its input."""
        await workflow.wait_condition(workflow.all_handlers_finished)
        if input.rules_version >= 3:
            # Rules 3 hands over at once, in the task that decided to: waiting for the store would let
            # a stream of reports go on adding to this run (and a completion that races new messages is
            # refused by the server and the run replayed whole). Only notices being sent are awaited.
            await self._out.notices_sent()
            self._after_sends()
            events, notices = self._out.handed_over()
        else:
            await self._out.all_done()
            self._after_sends()
            events, notices = self._out.events, self._out.notices
        keep_latest_receipts(self.state)
        carried: dict[str, Any] = {"carried_events": events, "carried_notices": notices}
        if input.rules_version >= 3:  # the plan's list of who is responsible made the roll; the state has it now
            lean = input.activity.model_copy(update={"responsible": []})
            self.state.activity = self.state.activity.model_copy(update={"responsible": []})
            carried["activity"] = lean
        workflow.continue_as_new(input.model_copy(update={"state": self.state, **carried}), task_timeout=TASK_TIMEOUT)

    async def _settled_out(self) -> None:
        """Everything handed out done, including what the office is told about it."""
        while not self._out.idle:
            await self._out.all_done()
            self._after_sends()  # which may queue notices to the office: another round
        while self._untold is not None or (self._telling is not None and not self._telling.done()):
            if self._telling is not None and not self._telling.done():
                await self._telling
            self._tell_parent_batched()  # the campaign hears the last state too

    def _arm(self, now: datetime) -> None:
        """One timer for the next moment something is due; kept while messages come and go."""
        wake = next_wake(self.state, now)
        if wake is None:
            return
        at, reason = wake
        if self._timer is not None and not self._timer.done() and self._timer_at is not None:
            if self._timer_at <= at:
                return  # it wakes us early enough; `decide` then finds what is due
            self._timer.cancel()
        delay = self.clock.wall_delay(at - now) + timedelta(milliseconds=1)
        self._timer = asyncio.ensure_future(workflow.sleep(delay, summary=f"{reason} ({format_moment(at)})"))
        self._timer_at = at

    def _publish_due(self, publish_timer_fired: bool) -> bool:
        if not self._dirty:
            return False
        quiet = self._last_publish is None or workflow.now() - self._last_publish >= PUBLISH_EVERY
        return publish_timer_fired or (quiet and self._publish_timer is None)

    def _publish_batched(self, now: datetime) -> None:
        """The store, the UI details, the search attributes and the campaign, once per batch."""
        summary = activity_summary(self.state, now)
        if summary.phase != self.state.phase_recorded and not self.state.finished:
            self.state.phase_recorded = summary.phase
            self._record(EventKind.PHASE, "system", phase=summary.phase)
        self._out.flush_records()
        self._dirty = False
        self._last_publish = workflow.now()
        workflow.set_current_details(unit_table(self.state, now))
        current = (
            summary.phase,
            tuple(summary.pending),
            summary.pending_count,
            tuple(summary.overdue),
            summary.overdue_count,
            summary.escalation_level,
            summary.escalations_sent,
            summary.reported,
            summary.ready,
        )
        if current == self._published:
            return
        if self._published is None or current[:7] != self._published[:7]:
            self._upsert_attributes(summary)
        self._published = current
        if self.input.parent_id:
            self._untold = summary

    def _tell_parent_batched(self) -> None:
        """The latest summary to the campaign; one signal in flight at a time, the newest wins."""
        if self._untold is None or (self._telling is not None and not self._telling.done()):
            return
        summary, self._untold = self._untold, None
        self._telling = asyncio.ensure_future(self._tell_parent(summary))

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

    # --- messages --------------------------------------------------------------

    def _read(self, model: type[MessageT], raw: Any) -> MessageT:
        """Any client's JSON as `model`; a malformed one is a Vietnamese, non-retryable rejection."""
        try:
            return read_message(model, raw)
        except Rejected as exc:
            raise ApplicationError(str(exc), type="Rejected", non_retryable=True) from None

    def _check(
        self, check: Callable[[ActivityState, MessageT, datetime], object], model: type[MessageT], raw: Any
    ) -> None:
        message = self._read(model, raw)
        try:
            check(self.state, message, self.now())
        except Rejected as exc:  # type "Ended" when the activity has ended: the doors answer 409
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from None

    def _apply(
        self, apply: Callable[[ActivityState, MessageT, datetime], R], model: type[MessageT], raw: Any
    ) -> tuple[MessageT, R]:
        message = self._read(model, raw)
        try:
            result = apply(self.state, message, self.now())
        except Rejected as exc:  # the state moved on between validation and handling
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from None
        self._changed = self._dirty = True
        if model in (SubmitReport, ConfirmReady):
            self._settling = True
        else:
            self._decide = True
        return message, result

    # Handlers take the raw JSON (`Any`), so that a malformed message from any client is
    # answered by the same Vietnamese checks instead of the SDK's English decoding error.

    @workflow.update
    def confirm_ready(self, raw: Any) -> str:
        message, unit = self._apply(apply_confirm_ready, ConfirmReady, raw)
        self._record(EventKind.READY, sender(message), unit_code=unit.code, detail={"note": message.note})
        return f"Đã ghi nhận {unit.name} sẵn sàng cho hoạt động {self.state.activity.no}."

    @confirm_ready.validator
    def _validate_confirm_ready(self, raw: Any) -> None:
        self._check(check_confirm_ready, ConfirmReady, raw)

    @workflow.update
    def submit_report(self, raw: Any) -> Receipt:
        message, receipt = self._apply(apply_report, SubmitReport, raw)
        unit = self.state.units[receipt.unit]
        if not receipt.duplicate:
            actor = sender(message)  # `submitted_by` is what the report says, not who sent it
            early = {"before_event_reason": message.before_event_reason} if message.before_event_reason else {}
            self._record(EventKind.REPORT, actor, unit_code=unit.code, report=unit.report, detail=early)
        return receipt

    @submit_report.validator
    def _validate_submit_report(self, raw: Any) -> None:
        self._check(check_report, SubmitReport, raw)

    @workflow.update
    def extend_deadline(self, raw: Any) -> str:
        message, units = self._apply(apply_extend, ExtendDeadline, raw)
        detail = {"units": [u.code for u in units], "new_due": message.new_due.isoformat(), "reason": message.reason}
        self._record(EventKind.EXTEND, sender(message), detail=detail)
        return f"Đã gia hạn báo cáo đến hết ngày {message.new_due:%d/%m/%Y} cho {', '.join(u.name for u in units)}."

    @extend_deadline.validator
    def _validate_extend_deadline(self, raw: Any) -> None:
        self._check(check_extend, ExtendDeadline, raw)

    @workflow.update
    def excuse_unit(self, raw: Any) -> str:
        message, unit = self._apply(apply_excuse, ExcuseUnit, raw)
        self._record(EventKind.EXCUSE, sender(message), unit_code=unit.code, detail={"reason": message.reason})
        return f"Đã miễn báo cáo cho {unit.name}."

    @excuse_unit.validator
    def _validate_excuse_unit(self, raw: Any) -> None:
        self._check(check_excuse, ExcuseUnit, raw)

    @workflow.update
    def reschedule(self, raw: Any) -> str:
        message, _ = self._apply(apply_reschedule, Reschedule, raw)
        self._record(EventKind.RESCHEDULE, sender(message), detail=message.model_dump(mode="json"))
        return (
            f"Đã dời hoạt động {self.state.activity.no} sang {message.new_start:%d/%m/%Y}–{message.new_end:%d/%m/%Y}."
        )

    @reschedule.validator
    def _validate_reschedule(self, raw: Any) -> None:
        self._check(check_reschedule, Reschedule, raw)

    @workflow.update
    def cancel(self, raw: Any) -> str:
        message, _ = self._apply(apply_cancel, Cancel, raw)
        self._record(EventKind.CANCEL, sender(message), detail={"reason": message.reason})
        return f"Đã hủy hoạt động {self.state.activity.no}."

    @cancel.validator
    def _validate_cancel(self, raw: Any) -> None:
        self._check(check_cancel, Cancel, raw)

    @workflow.update
    def assign_units(self, raw: Any) -> str:
        message, added = self._apply(apply_assign, AssignUnits, raw)
        self.input.units.extend(message.units)  # their contacts, for the notices (kept across continue-as-new)
        self._contacts.update({u.code: u for u in message.units})
        assigned = [{"code": u.code, "name": u.name, "role": u.role.value} for u in added]
        self._record(EventKind.ASSIGN, sender(message), detail={"units": assigned, "reason": message.reason})
        return f"Đã phân công {', '.join(u.name for u in added)} cho hoạt động {self.state.activity.no}."

    @assign_units.validator
    def _validate_assign_units(self, raw: Any) -> None:
        self._check(check_assign, AssignUnits, raw)

    @workflow.signal
    def cancel_from_campaign(self, raw: Any) -> None:
        """The whole campaign was cancelled; a signal, since nobody waits for each answer. Only the
        campaign knows the token it gave this activity: a signal without it changes nothing."""
        token = raw.pop("token", None) if isinstance(raw, dict) else None
        expected = self.input.campaign_token
        if expected is not None and not (isinstance(token, str) and hmac.compare_digest(token, expected)):
            workflow.logger.warning(
                "campaign cancel refused: not sent by the campaign", extra={"campaign_id": self.state.campaign_id}
            )
            return
        try:
            message = read_message(Cancel, raw)
            apply_cancel(self.state, message, self.now())
            self._changed = self._decide = self._dirty = True
            if self.input.rules_version >= 2:  # older runs replay without this record
                self._record(EventKind.CANCEL, message.via or "campaign", detail={"reason": message.reason})
        except Rejected as exc:  # already closed or cancelled, or a malformed signal: nothing changes
            workflow.logger.info(
                "campaign cancel not applied", extra={"campaign_id": self.state.campaign_id, "reason": str(exc)}
            )

    @workflow.query
    def status(self) -> ActivityStatus:
        return activity_status(self.state, self.now())

    @workflow.query
    def unit_status(self, unit: str) -> ActivityStatus:
        """`status` with only `unit`'s row: what a unit's page reads, without the whole roll of a city."""
        return activity_status(self.state, self.now(), only=unit)


# Who sent a message, for the audit trail: the door that carried it (the portal names the unit's
# link, the office pages the signed-in person, starter.py the operator) says so in `via`. A message
# without it came straight through the Temporal frontend, an operators' door (mTLS in production).
FRONTEND = "Temporal frontend (không qua cổng nào)"


def sender(message: Message) -> str:
    return getattr(message, "via", None) or FRONTEND


def refuse_bad_campaign_id(campaign_id: str) -> None:
    """A campaign ID names files and e-mail subjects: one that is unsafe fails the workflow at once, cleanly."""
    if problem := campaign_id_problem(campaign_id):
        raise ApplicationError(problem, type="Rejected", non_retryable=True)


async def send(notice: Notice, office: Unit | None) -> None:
    """Send `notice`; what cannot be delivered is reported to the office (once, never in a loop)."""
    delivery = await workflow.execute_activity(
        SEND_NOTICE,
        notice,
        result_type=Delivery,
        start_to_close_timeout=timedelta(seconds=60),
        retry_policy=NOTIFY_RETRY,
        summary=notice.subject[:200],
    )
    if delivery.failed and notice.kind is not ActionKind.DELIVERY_FAILED:
        failures = [channel_failure(f) for f in delivery.failed]
        await send(delivery_failed(notice, failures).model_copy(update={"to": office}), office)
