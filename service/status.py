"""Reading where workflows stand: each activity's `status` query (in parallel, for pages) and one query
whose failure a person must be told (for the CLI)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.common import QueryRejectCondition
from temporalio.service import RPCError, RPCStatusCode

from campaign.views import ActivityStatus
from service.updates import UNAVAILABLE, Refused
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

# A query refused because the run it reached had just handed over is asked again of the next run at
# most this many times (the next run exists as soon as the last one closes: once is the rule).
HANDED_OVER_TRIES = 3


async def ask_current_run(
    handle: WorkflowHandle[Any, Any], query: Callable[..., Any], *args: Any, rpc_timeout: timedelta | None = None
) -> Any:
    """The answer of `query` (a workflow method's reference) from the workflow's current run.

    A query that reaches a run just as it hands over to its next (continue-as-new) is refused by the
    server (reject condition NOT_OPEN) and asked again, of the next run. Without it the server answers
    from the closed run by replaying it whole on a worker: 5 s for a run of a 20,000-unit activity
    (bench.scale), a page's second at every hand-over of a 2,000-unit burst (bench.portal_burst). A
    workflow that has ended for good (closed, cancelled, failed) is asked as before: its last run
    answers, replayed. Raises what `WorkflowHandle.query` raises."""
    for _ in range(HANDED_OVER_TRIES):
        try:
            return await handle.query(
                query, args=args, reject_condition=QueryRejectCondition.NOT_OPEN, rpc_timeout=rpc_timeout
            )
        except WorkflowQueryRejectedError as rejected:
            if rejected.status != WorkflowExecutionStatus.CONTINUED_AS_NEW:
                break
    return await handle.query(query, args=args, rpc_timeout=rpc_timeout)


async def statuses(
    client: Client, campaign_id: str, nos: list[int], unit: str | None = None
) -> list[ActivityStatus | None]:
    """Each activity's `status` query, sent in parallel; None where the workflow does not answer. With
    `unit`, only that unit's row is asked for (`unit_status`): a unit's page of a city-wide activity."""

    async def status(no: int) -> ActivityStatus | None:
        handle = client.get_workflow_handle(activity_workflow_id(campaign_id, no))
        if unit is not None:
            try:
                mine: ActivityStatus = await ask_current_run(handle, CampaignActivityWorkflow.unit_status, unit)
                return mine
            except WorkflowQueryFailedError:  # started before the query existed: the whole status
                pass
            except Exception:  # closed long ago, or the server is away
                return None
        try:
            answer: ActivityStatus = await ask_current_run(handle, CampaignActivityWorkflow.status)
        except Exception:  # closed long ago, or the server is away
            return None
        return answer

    return list(await asyncio.gather(*(status(no) for no in nos)))


async def query(
    handle: WorkflowHandle[Any, Any], what: Callable[..., Any], *, missing: Callable[[], Awaitable[str | None]]
) -> Any:
    """The answer of query `what` (a workflow method's reference); Refused when the workflow is not there
    (`missing` says why, in the person's words) or the server does not answer."""
    try:
        return await ask_current_run(handle, what)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Refused(404, "not_found", await missing() or "không tìm thấy quy trình này") from None
        raise Refused(503, "unavailable", UNAVAILABLE, detail=exc.message) from None
