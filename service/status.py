"""Reading where workflows stand: each activity's `status` query (in parallel, for pages) and one query
whose failure a person must be told (for the CLI)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from campaign.views import ActivityStatus
from service.updates import UNAVAILABLE, Refused
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id


async def statuses(
    client: Client, campaign_id: str, nos: list[int], unit: str | None = None
) -> list[ActivityStatus | None]:
    """Each activity's `status` query, sent in parallel; None where the workflow does not answer. With
    `unit`, only that unit's row is asked for (`unit_status`): a unit's page of a city-wide activity."""

    async def status(no: int) -> ActivityStatus | None:
        handle = client.get_workflow_handle(activity_workflow_id(campaign_id, no))
        if unit is not None:
            try:
                mine: ActivityStatus = await handle.query(CampaignActivityWorkflow.unit_status, unit)
                return mine
            except WorkflowQueryFailedError:  # started before the query existed: the whole status
                pass
            except Exception:  # closed long ago, or the server is away
                return None
        try:
            answer: ActivityStatus = await handle.query(CampaignActivityWorkflow.status)
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
        return await handle.query(what)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise Refused(404, "not_found", await missing() or "không tìm thấy quy trình này") from None
        raise Refused(503, "unavailable", UNAVAILABLE, detail=exc.message) from None
