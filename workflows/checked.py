"""Each update's message read and checked once, shared by its validator and its handler.

The validator reads the raw JSON into its model, checks it against the state and keeps both (the
message and what the check found: the unit, an earlier receipt) under the update's ID; the handler
takes them and enacts the change. The SDK runs an update's validator and handler back to back in one
task, so nothing changes the state in between; still, what was kept is used only for the state it
was checked against (the same `version` and plan time). The SDK does not run validators when it
replays a history: the handler then finds nothing kept and reads and checks the message itself,
exactly as the validator did when the update first came (the same state, the same answer).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from campaign.messages import Message, Rejected, read_message
    from campaign.tracker import ActivityState

# A message refused because the activity is handing over to its next run: sent again, it is taken.
HANDING_OVER = "HandingOver"
HANDING_OVER_SAYS = "Hoạt động đang chuyển sang lượt chạy mới; đề nghị gửi lại sau giây lát."

M = TypeVar("M", bound=Message)
C = TypeVar("C")
Check = Callable[[ActivityState, M, datetime], C]


class CheckedMessages:
    def __init__(self) -> None:
        self._kept: dict[str, tuple[Message, object, int, datetime]] = {}

    def validate(
        self, model: type[M], check: Check[M, C], state: ActivityState, now: datetime, version: int, raw: Any
    ) -> None:
        """The validator's part: refuse (ApplicationError) or keep what was read and found."""
        message = read(model, raw)
        found = checked(check, state, message, now)
        self._kept[workflow.current_update_info().id] = (message, found, version, now)  # type: ignore[union-attr]

    def take(
        self, model: type[M], check: Check[M, C], state: ActivityState, now: datetime, version: int, raw: Any
    ) -> tuple[M, C]:
        """The handler's part: what the validator kept for this update, or the message read and checked now."""
        info = workflow.current_update_info()
        kept = self._kept.pop(info.id, None) if info is not None else None
        if kept is not None and kept[2:] == (version, now):
            return kept[0], kept[1]  # type: ignore[return-value]
        message = read(model, raw)
        return message, checked(check, state, message, now)


def read(model: type[M], raw: Any) -> M:
    """Any client's JSON as `model`; a malformed one is a Vietnamese, non-retryable rejection."""
    try:
        return read_message(model, raw)
    except Rejected as exc:
        raise ApplicationError(str(exc), type="Rejected", non_retryable=True) from None


def checked(check: Check[M, C], state: ActivityState, message: M, now: datetime) -> C:
    """What `check` finds; its refusal as a non-retryable ApplicationError of the same type name
    ("Ended" when the activity has ended: the doors answer 409)."""
    try:
        return check(state, message, now)
    except Rejected as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from None


def from_the_campaign(raw: Any, token: str | None) -> bool:
    """A signal the campaign sent: it carries the token only the campaign holds (taken out of `raw`).
    None: an activity started without a campaign (by an operator, by the tests) takes it unsigned."""
    given = raw.pop("token", None) if isinstance(raw, dict) else None
    return token is None or (isinstance(given, str) and hmac.compare_digest(given, token))


# Who sent a message, for the audit trail: the door that carried it (the portal names the unit's
# link, the office pages the signed-in person, starter.py the operator) says so in `via`. A message
# without it came straight through the Temporal frontend, an operators' door (mTLS in production).
FRONTEND = "Temporal frontend (không qua cổng nào)"


def sender(message: Message) -> str:
    return getattr(message, "via", None) or FRONTEND
