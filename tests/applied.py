"""Each message checked and enacted in one go, as the activity's update handler does when its
validator's check was not kept (campaign.message_rules: `check_*`, then `enact_*`): the shorthand the
domain's tests use to change a state."""

from __future__ import annotations

from datetime import datetime

from campaign.message_rules import (
    Receipt,
    check_assign,
    check_confirm_ready,
    check_excuse,
    check_extend,
    check_report,
    check_reschedule,
    enact_assign,
    enact_confirm_ready,
    enact_excuse,
    enact_extend,
    enact_report,
    enact_reschedule,
)
from campaign.messages import AssignUnits, ConfirmReady, ExcuseUnit, ExtendDeadline, Reschedule, SubmitReport
from campaign.tracker import ActivityState, UnitState


def apply_confirm_ready(state: ActivityState, message: ConfirmReady, now: datetime) -> UnitState:
    return enact_confirm_ready(state, message, now, check_confirm_ready(state, message, now))


def apply_report(state: ActivityState, message: SubmitReport, now: datetime) -> Receipt:
    return enact_report(state, message, now, check_report(state, message, now))


def apply_extend(state: ActivityState, message: ExtendDeadline, now: datetime) -> list[UnitState]:
    return enact_extend(state, message, now, check_extend(state, message, now))


def apply_excuse(state: ActivityState, message: ExcuseUnit, now: datetime) -> UnitState:
    return enact_excuse(state, message, now, check_excuse(state, message, now))


def apply_reschedule(state: ActivityState, message: Reschedule, now: datetime) -> None:
    check_reschedule(state, message, now)
    enact_reschedule(state, message, now, None)


def apply_assign(state: ActivityState, message: AssignUnits, now: datetime) -> list[UnitState]:
    return enact_assign(state, message, now, check_assign(state, message, now))
