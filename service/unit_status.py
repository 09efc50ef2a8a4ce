"""A unit's row of an activity, as the unit's page reads it: every page waiting for the same activity
shares one query that answers their rows only.

Temporal answers a query to a workflow that has a task in flight (an activity taking reports, the
evening before a deadline) only after that task, and holds one such query per workflow: the rest are
refused ("consistent query buffer is full", RESOURCE_EXHAUSTED) and, after the SDK's retries, a page
without the unit's state and without its report form. So this process asks each activity one query at
a time (sent a second time beside the first when it is slow: service.hedging); pages that arrive
meanwhile wait for the next one, which starts after they arrived (a unit that has just sent a report
sees it). That query, `units_status`, returns the rows of the units
waiting, so it costs the workflow what those rows cost, not its whole roll (a city's roll was about a
second of a busy worker's time, during which no report was taken).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from weakref import WeakKeyDictionary

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError

from campaign.views import ActivityStatus
from service.hedging import HEDGE_AFTER, first_answer
from service.status import ask_current_run
from workflows.activity import CampaignActivityWorkflow
from workflows.activity_messages import MAX_ASKED
from workflows.ids import activity_workflow_id

# One hung query must not hold every page of an activity in this process: it is given up after this.
QUERY_FOR = timedelta(seconds=10)

Activity = WorkflowHandle[CampaignActivityWorkflow, object]


@dataclass
class _Reader:
    """One activity as this process reads it: the pages waiting (unit code → their futures) and the
    query answering them."""

    handle: Activity
    waiting: dict[str, list[asyncio.Future[ActivityStatus | None]]] = field(default_factory=dict)
    asking: asyncio.Task[None] | None = None


# Per event loop, per (client, workflow ID): the activities being read through this process.
_readers: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Reader]] = WeakKeyDictionary()


def _reader(client: Client, workflow_id: str) -> _Reader:
    readers, key = _readers.setdefault(asyncio.get_running_loop(), {}), (id(client), workflow_id)
    reader = readers.get(key)
    if reader is None:
        for old in [k for k, r in readers.items() if r.asking is None and not r.waiting]:  # nobody reads them
            del readers[old]
        reader = readers[key] = _Reader(client.get_workflow_handle(workflow_id))
    return reader


async def unit_statuses(client: Client, campaign_id: str, nos: list[int], unit: str) -> list[ActivityStatus | None]:
    """Each activity's status with only `unit`'s row (ActivityStatus.units: that row, or none), in the
    order of `nos`; None where the workflow does not answer (closed long ago, or the server away)."""
    return list(await asyncio.gather(*(unit_status(client, campaign_id, no, unit) for no in nos)))


async def unit_status(client: Client, campaign_id: str, no: int, unit: str) -> ActivityStatus | None:
    workflow_id = activity_workflow_id(campaign_id, no)
    reader, loop = _reader(client, workflow_id), asyncio.get_running_loop()
    answer: asyncio.Future[ActivityStatus | None] = loop.create_future()
    reader.waiting.setdefault(unit, []).append(answer)
    if reader.asking is None:
        reader.asking = asyncio.create_task(_answer_all(reader))
    return await asyncio.shield(answer)  # a page that goes away leaves the others their answer


async def _answer_all(reader: _Reader) -> None:
    """Until nobody waits: one query for everyone waiting now (MAX_ASKED at most), their answers, then
    the next."""
    try:
        while reader.waiting:
            codes = list(reader.waiting)[:MAX_ASKED]
            batch = {code: reader.waiting.pop(code) for code in codes}
            rows: dict[str, ActivityStatus | None] = {}
            try:
                rows = await _rows(reader.handle, codes)
            finally:  # answered, or this task cancelled: nobody is left waiting
                for code, futures in batch.items():
                    _settle(futures, rows.get(code))
    finally:
        for futures in reader.waiting.values():
            _settle(futures, None)
        reader.waiting, reader.asking = {}, None


def _settle(futures: list[asyncio.Future[ActivityStatus | None]], answer: ActivityStatus | None) -> None:
    for future in futures:
        if not future.done():
            future.set_result(answer)


async def _rows(handle: Activity, units: list[str]) -> dict[str, ActivityStatus | None]:
    """Each unit's status with its own row only (none for a code not on the roll), by one query; nothing
    when the workflow does not answer."""
    try:
        status: ActivityStatus = await first_answer(
            lambda: ask_current_run(handle, CampaignActivityWorkflow.units_status, units, rpc_timeout=QUERY_FOR),
            HEDGE_AFTER,
        )
    except WorkflowQueryFailedError:  # a run of a worker without the query: the whole roll, once
        whole = await _whole(handle)
        if whole is None:
            return {}
        asked = set(units)
        status = whole.model_copy(update={"units": [u for u in whole.units if u.code in asked]})
    except Exception:  # closed long ago, or the server is away
        return {}
    rows = {row.code: row for row in status.units}
    return {code: status.model_copy(update={"units": [rows[code]] if code in rows else []}) for code in units}


async def _whole(handle: Activity) -> ActivityStatus | None:
    try:
        answer: ActivityStatus = await ask_current_run(handle, CampaignActivityWorkflow.status, rpc_timeout=QUERY_FOR)
    except Exception:  # closed long ago, or the server is away
        return None
    return answer
