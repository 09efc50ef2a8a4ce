"""Sending an update to a workflow, as every door sends it (portal, API, office pages, CLI, demo, chaos),
and the one translation of what can go wrong into `Refused`.

An update is sent by the workflow method's reference (`CampaignActivityWorkflow.submit_report`), never by
its name as a string, so a renamed handler fails type checks rather than at run time.

`Refused(status, code, message)`: `message` is the Vietnamese sentence a person reads, `code` stable for
API clients and scripts, `status` the HTTP status a web door answers with. From an update:
- `closed` (409): the activity no longer takes messages. Its workflow refused with an `Ended` failure
  (the domain's `campaign.messages.Ended`, carried as the ApplicationError's type: the workflow's own
  sentence), or the server answers NOT_FOUND or FAILED_PRECONDITION for it: the run has completed
  ("workflow execution already completed"), an update was aborted because the workflow closed under it
  ("workflow update was aborted by closing workflow"), or the run is gone after its retention. Told by
  the error's type and status, never its words.
- `rejected` (422): the workflow's validator refused the message; its sentence.
- `unavailable` (503): the server did not answer, or answered "not ready" (FAILED_PRECONDITION carrying
  a `WorkflowNotReadyFailure`: it lost the update before the workflow accepted it, as when it reloads the
  workflow under load; the server's own advice is to send it again). `detail` keeps the server's words
  for operators; `again` says a retry may succeed.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from weakref import WeakKeyDictionary

from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from campaign.messages import Ended, ended_sentence, line_breaks_as_lf
from service.hedging import HEDGE_AFTER, first_answer
from workflows.checked import HANDING_OVER
from workflows.ids import activity_workflow_id

# A workflow's update method by reference, e.g. `CampaignActivityWorkflow.submit_report`.
Update = UpdateMethodMultiParam[[Any, Any], Any]

UNAVAILABLE = "Hệ thống tạm thời không trả lời. Đề nghị thử lại sau ít phút."
# Sent again: refused for too many in flight, or aborted (never applied) because the activity was
# handing over to its next run (continue-as-new); a report's request ID keeps a retry from doubling it.
AGAIN = {RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.UNAVAILABLE}


class Refused(Exception):
    """A request a door refuses; `code` is stable for API clients, `message` Vietnamese, `status` HTTP."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: str = "",
        status_code: RPCStatusCode | None = None,
        again: bool = False,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.status_code = status_code  # the server's own status, when the server refused
        self.again = again  # the same update sent again may be taken: busy, handing over, or not ready


NOT_READY = "type.googleapis.com/temporal.api.errordetails.v1.WorkflowNotReadyFailure"


def not_ready(exc: BaseException) -> bool:
    """True when the server lost the update before the workflow took it and asks for it again."""
    return isinstance(exc, RPCError) and any(d.type_url == NOT_READY for d in exc.grpc_status.details)


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


def translate_failure(exc: WorkflowUpdateFailedError | RPCError, closed: str) -> Refused:
    """What a failed update means to the person who sent it; `closed` is the sentence for a closed target."""
    if isinstance(exc, RPCError) and (not_ready(exc) or exc.status in AGAIN):
        return Refused(503, "unavailable", UNAVAILABLE, detail=exc.message, status_code=exc.status, again=True)
    if activity_ended(exc) or (isinstance(exc, RPCError) and exc.status == RPCStatusCode.FAILED_PRECONDITION):
        return Refused(409, "closed", ended_refusal(exc) or closed)
    if isinstance(exc, RPCError):
        return Refused(503, "unavailable", UNAVAILABLE, detail=exc.message, status_code=exc.status)
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type == HANDING_OVER:  # never applied: the next run takes it
        return Refused(503, "unavailable", UNAVAILABLE, detail=cause.message, again=True)
    return Refused(422, "rejected", cause.message if isinstance(cause, ApplicationError) else str(cause))


async def send_update(
    handle: WorkflowHandle[Any, Any],
    update: Update,
    message: Any,
    *,
    closed: str,
    update_id: str | None = None,
    missing: Callable[[], Awaitable[str | None]] | None = None,
) -> Any:
    """`update` (a workflow method's reference) with `message` to `handle`; its answer, or `Refused`.

    `closed` is what a person reads when the target takes no more messages and has not said why itself;
    `missing`, when given, is asked first whether the target was never there (a misspelled campaign) and
    returns that sentence, or None. `update_id` makes a retried send the same update. A message's line
    breaks are sent as LF (a browser's textarea sends CR LF): the update's input in the history holds
    what the workflow reads.
    """
    if isinstance(message, dict):
        message = line_breaks_as_lf(message)
    try:
        return await handle.execute_update(update, message, id=update_id)
    except (WorkflowUpdateFailedError, RPCError) as exc:
        refused = translate_failure(exc, closed)
        server_said_closed = isinstance(exc, RPCError) and refused.code == "closed"
    if server_said_closed and missing is not None and (said := await missing()):
        raise Refused(404, "not_found", said)
    raise refused


# Temporal takes at most 10 updates in flight per workflow (more are refused, RESOURCE_EXHAUSTED):
# this process sends at most IN_FLIGHT to one activity and queues the rest; one refused all the same
# (another process sending too) is tried again, politely, for up to BUSY_FOR. A unit on the evening
# before a deadline waits a moment instead of reading an error.
IN_FLIGHT = 8
BUSY_FOR = 30.0  # seconds
MOMENT = 0.2  # seconds at most between tries, but for an activity busy with other senders' updates
_lanes: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = WeakKeyDictionary()


async def send_to_activity(
    client: Client, campaign_id: str, no: int, update: Update, message: Any, update_id: str | None = None
) -> Any:
    """`send_update` to activity `no` of the campaign, as the web doors and the simulated units send it: at
    most IN_FLIGHT at once per activity from this process, tried again as `sent_politely` says, a closed
    activity told with `ended_sentence(no)` when its workflow has not said it itself."""
    workflow_id = activity_workflow_id(campaign_id, no)
    handle = client.get_workflow_handle(workflow_id)
    lane = _lanes.setdefault(asyncio.get_running_loop(), {}).setdefault(workflow_id, asyncio.Semaphore(IN_FLIGHT))
    # One update ID for every try: a try the server took before its answer was lost (UNAVAILABLE after it
    # admitted the update) is then the same update, answered once, never a second report.
    update_id = update_id or uuid.uuid4().hex

    async def attempt() -> Any:
        async with lane:  # a slow try and its second send share one place in the lane: the same update
            return await first_answer(
                lambda: send_update(handle, update, message, closed=ended_sentence(no), update_id=update_id),
                HEDGE_AFTER,
            )

    return await sent_politely(attempt)


async def sent_politely(attempt: Callable[[], Awaitable[Any]]) -> Any:
    """What `attempt` (one send, raising `Refused`) answers, tried again while its refusal says a retry may
    be taken (`Refused.again`: busy, handing over to the next run, not ready) for up to BUSY_FOR seconds;
    any other refusal, or the last one, is raised. Every try must be the same update (one update ID)."""
    loop, pause = asyncio.get_running_loop(), 0.05
    give_up = loop.time() + BUSY_FOR
    while True:
        try:
            return await attempt()
        except Refused as refused:
            if not refused.again or loop.time() + pause > give_up:
                raise
            # Busy with other senders' updates: back off to 2 s; handing over, not ready or a lost answer: a
            # moment, the next run answers within a second.
            longest = 2.0 if refused.status_code == RPCStatusCode.RESOURCE_EXHAUSTED else MOMENT
        await asyncio.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, longest)
