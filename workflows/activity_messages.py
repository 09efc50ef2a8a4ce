"""What an activity workflow answers: its updates (each with its validator), the campaign's cancel
signal and its queries, as a base class of CampaignActivityWorkflow (workflows/activity.py), which
holds the state and the loop these hand their changes to.

Handlers take the raw JSON (`Any`), so that a malformed message from any client is answered by the
same Vietnamese checks instead of the SDK's English decoding error. Each message is read and checked
once, by the validator; the handler enacts what it found (checked.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from campaign.facts import EventKind
    from campaign.message_rules import (
        Receipt,
        apply_cancel,
        check_assign,
        check_cancel,
        check_confirm_ready,
        check_excuse,
        check_extend,
        check_report,
        check_reschedule,
        enact_assign,
        enact_cancel,
        enact_confirm_ready,
        enact_excuse,
        enact_extend,
        enact_report,
        enact_reschedule,
    )
    from campaign.messages import (
        AssignUnits,
        Cancel,
        ConfirmReady,
        ExcuseUnit,
        ExtendDeadline,
        Rejected,
        Reschedule,
        SubmitReport,
        read_message,
    )
    from campaign.tracker import ActivityState
    from campaign.views import ActivityStatus, activity_status
    from workflows.checked import (
        HANDING_OVER,
        HANDING_OVER_SAYS,
        C,
        Check,
        CheckedMessages,
        M,
        from_the_campaign,
        sender,
    )
    from workflows.inputs import ActivityInput
    from workflows.outbox import Outbox
    from workflows.publishing import PublishThrottle

R = TypeVar("R")
# The units' rows one `units_status` query answers (the pages of one process waiting together).
MAX_ASKED = 1_000


class ActivityMessages:
    # Kept by CampaignActivityWorkflow: the state the messages change and what tells its loop they did.
    input: ActivityInput
    state: ActivityState
    _out: Outbox
    _checked: CheckedMessages
    _throttle: PublishThrottle
    _version: int  # counts changes to the state: what a validator checked is used only unchanged
    _changed: bool  # a message came: look again
    _decide: bool  # a message may have made something due: run `decide`
    _settling: bool  # a report or a readiness: only the closing can have become due

    def now(self) -> datetime:
        raise NotImplementedError

    def _refusing(self) -> bool:
        """True while a run hands over and takes no more messages."""
        raise NotImplementedError

    def _record(self, kind: EventKind, actor: str, **fields: Any) -> None:
        raise NotImplementedError

    def _validate(self, model: type[M], check: Check[M, C], raw: Any) -> None:
        if self._refusing():
            raise ApplicationError(HANDING_OVER_SAYS, type=HANDING_OVER, non_retryable=True)
        self._checked.validate(model, check, self.state, self.now(), self._version, raw)

    def _enact(
        self, model: type[M], check: Check[M, C], enact: Callable[[ActivityState, M, datetime, C], R], raw: Any
    ) -> tuple[M, R]:
        now = self.now()
        message, found = self._checked.take(model, check, self.state, now, self._version, raw)
        result = enact(self.state, message, now, found)
        self._version += 1
        self._changed = self._throttle.dirty = True
        if model in (SubmitReport, ConfirmReady):
            self._settling = True
        else:
            self._decide = True
        return message, result

    @workflow.update
    def confirm_ready(self, raw: Any) -> str:
        message, unit = self._enact(ConfirmReady, check_confirm_ready, enact_confirm_ready, raw)
        self._record(EventKind.READY, sender(message), unit_code=unit.code, detail={"note": message.note})
        return f"Đã ghi nhận {unit.name} sẵn sàng cho hoạt động {self.state.activity.no}."

    @confirm_ready.validator
    def _validate_confirm_ready(self, raw: Any) -> None:
        self._validate(ConfirmReady, check_confirm_ready, raw)

    @workflow.update
    def submit_report(self, raw: Any) -> Receipt:
        message, receipt = self._enact(SubmitReport, check_report, enact_report, raw)
        unit = self.state.units[receipt.unit]
        if not receipt.duplicate:
            actor = sender(message)  # `submitted_by` is what the report says, not who sent it
            early = {"before_event_reason": message.before_event_reason} if message.before_event_reason else {}
            self._record(EventKind.REPORT, actor, unit_code=unit.code, report=unit.report, detail=early)
        return receipt

    @submit_report.validator
    def _validate_submit_report(self, raw: Any) -> None:
        self._validate(SubmitReport, check_report, raw)

    @workflow.update
    def extend_deadline(self, raw: Any) -> str:
        message, units = self._enact(ExtendDeadline, check_extend, enact_extend, raw)
        detail = {"units": [u.code for u in units], "new_due": message.new_due.isoformat(), "reason": message.reason}
        self._record(EventKind.EXTEND, sender(message), detail=detail)
        return f"Đã gia hạn báo cáo đến hết ngày {message.new_due:%d/%m/%Y} cho {', '.join(u.name for u in units)}."

    @extend_deadline.validator
    def _validate_extend_deadline(self, raw: Any) -> None:
        self._validate(ExtendDeadline, check_extend, raw)

    @workflow.update
    def excuse_unit(self, raw: Any) -> str:
        message, unit = self._enact(ExcuseUnit, check_excuse, enact_excuse, raw)
        self._record(EventKind.EXCUSE, sender(message), unit_code=unit.code, detail={"reason": message.reason})
        return f"Đã miễn báo cáo cho {unit.name}."

    @excuse_unit.validator
    def _validate_excuse_unit(self, raw: Any) -> None:
        self._validate(ExcuseUnit, check_excuse, raw)

    @workflow.update
    def reschedule(self, raw: Any) -> str:
        message, _ = self._enact(Reschedule, check_reschedule, enact_reschedule, raw)
        self._record(EventKind.RESCHEDULE, sender(message), detail=message.model_dump(mode="json"))
        return (
            f"Đã dời hoạt động {self.state.activity.no} sang {message.new_start:%d/%m/%Y}–{message.new_end:%d/%m/%Y}."
        )

    @reschedule.validator
    def _validate_reschedule(self, raw: Any) -> None:
        self._validate(Reschedule, check_reschedule, raw)

    @workflow.update
    def cancel(self, raw: Any) -> str:
        message, _ = self._enact(Cancel, check_cancel, enact_cancel, raw)
        self._record(EventKind.CANCEL, sender(message), detail={"reason": message.reason})
        return f"Đã hủy hoạt động {self.state.activity.no}."

    @cancel.validator
    def _validate_cancel(self, raw: Any) -> None:
        self._validate(Cancel, check_cancel, raw)

    @workflow.update
    def assign_units(self, raw: Any) -> str:
        message, added = self._enact(AssignUnits, check_assign, enact_assign, raw)
        self.input.units.extend(message.units)  # their contacts, for the notices (kept across continue-as-new)
        self._out.contacts.update({u.code: u for u in message.units})
        assigned = [{"code": u.code, "name": u.name, "role": u.role.value} for u in added]
        self._record(EventKind.ASSIGN, sender(message), detail={"units": assigned, "reason": message.reason})
        return f"Đã phân công {', '.join(u.name for u in added)} cho hoạt động {self.state.activity.no}."

    @assign_units.validator
    def _validate_assign_units(self, raw: Any) -> None:
        self._validate(AssignUnits, check_assign, raw)

    @workflow.signal
    def cancel_from_campaign(self, raw: Any) -> None:
        """The whole campaign was cancelled; a signal, since nobody waits for each answer. Only the
        campaign knows the token it gave this activity: a signal without it changes nothing."""
        if not from_the_campaign(raw, self.input.campaign_token):
            workflow.logger.warning(
                "campaign cancel refused: not sent by the campaign", extra={"campaign_id": self.state.campaign_id}
            )
            return
        try:
            message = read_message(Cancel, raw)
            apply_cancel(self.state, message, self.now())
        except Rejected as exc:  # already closed or cancelled, or a malformed signal: nothing changes
            workflow.logger.info(
                "campaign cancel not applied", extra={"campaign_id": self.state.campaign_id, "reason": str(exc)}
            )
            return
        self._version += 1
        self._changed = self._decide = self._throttle.dirty = True
        self._record(EventKind.CANCEL, message.via or "campaign", detail={"reason": message.reason})

    @workflow.query
    def status(self) -> ActivityStatus:
        return activity_status(self.state, self.now())

    @workflow.query
    def unit_status(self, unit: str) -> ActivityStatus:
        """`status` with only `unit`'s row: what a unit's page reads, without the whole roll of a city."""
        return activity_status(self.state, self.now(), only=[unit])

    @workflow.query
    def units_status(self, units: list[str]) -> ActivityStatus:
        """`status` with the rows of `units` only (codes not on the roll are left out), in the order
        asked: the pages waiting together read their own rows, at a cost that does not grow with the
        roll (at most MAX_ASKED codes: a longer list is refused)."""
        if len(units) > MAX_ASKED:
            raise ValueError(f"at most {MAX_ASKED} units per query, {len(units)} asked")
        return activity_status(self.state, self.now(), only=units)
