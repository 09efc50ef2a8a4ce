"""Whether an update failed because its activity no longer takes messages, from the error's type and
status (never its words), for every door that sends updates (portal, API, office pages, CLI).

An activity has ended for a client when
- its workflow refused the update with an `Ended` failure (closed or cancelled: the domain's
  `campaign.messages.Ended`, carried as the ApplicationError's type), or
- the server answers NOT_FOUND for it (status 5): the run has completed ("workflow execution already
  completed"), an update was aborted because the workflow closed under it ("workflow update was
  aborted by closing workflow"), or the run is gone after its retention.

What the person reads is `campaign.messages.ended_sentence`, written once.
"""

from __future__ import annotations

from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from campaign.messages import Ended


def ended_refusal(exc: BaseException) -> str | None:
    """The workflow's own sentence when it refused because the activity has ended, else None."""
    if isinstance(exc, WorkflowUpdateFailedError):
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == Ended.__name__:
            return cause.message
    return None


def activity_ended(exc: BaseException) -> bool:
    """True when `exc` (from sending an update) means the activity's workflow takes no more messages."""
    if ended_refusal(exc) is not None:
        return True
    return isinstance(exc, RPCError) and exc.status == RPCStatusCode.NOT_FOUND
