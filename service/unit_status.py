"""A unit's row of an activity, as the unit's page reads it: every page waiting for the same activity
shares one query.

Temporal answers a query to a workflow that has a task in flight (an activity taking reports, the
evening before a deadline) only after that task, and holds one such query per workflow: the rest are
refused ("consistent query buffer is full", RESOURCE_EXHAUSTED) and, after the SDK's retries, a page
without the unit's state and without its report form. So this process asks each activity one query at
a time; pages that arrive meanwhile wait for the next one, which starts after they arrived (never an
answer older than the request). One page waiting: its own row (`unit_status`); several: the whole
roll once (`status`, compressed on the wire), each page taking its row, while the roll is at most
SHARED_ROLL units. A larger roll (a city) is asked unit by unit, as before.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError

from campaign.views import ActivityStatus
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

# Units in a roll asked whole for several pages at once. The whole `status` of 5,000 units costs the
# worker about as much as a few dozen of its tasks; above that, each page asks for its own row.
SHARED_ROLL = 5_000


@dataclass
class _Reader:
    """The pages waiting for one activity (unit code → their futures) and the query answering them."""

    handle: WorkflowHandle[CampaignActivityWorkflow, object]
    waiting: dict[str, list[asyncio.Future[ActivityStatus | None]]] = field(default_factory=dict)
    asking: asyncio.Task[None] | None = None


# Per event loop, per (client, workflow ID): the reader while pages wait (dropped when none does).
_readers: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Reader]] = WeakKeyDictionary()
_large: set[str] = set()  # workflow IDs whose whole answer had more than SHARED_ROLL units


async def unit_statuses(client: Client, campaign_id: str, nos: list[int], unit: str) -> list[ActivityStatus | None]:
    """Each activity's status with only `unit`'s row (ActivityStatus.units: that row, or none), in the
    order of `nos`; None where the workflow does not answer (closed long ago, or the server away)."""
    return list(await asyncio.gather(*(unit_status(client, campaign_id, no, unit) for no in nos)))


async def unit_status(client: Client, campaign_id: str, no: int, unit: str) -> ActivityStatus | None:
    workflow_id = activity_workflow_id(campaign_id, no)
    loop = asyncio.get_running_loop()
    readers, key = _readers.setdefault(loop, {}), (id(client), workflow_id)
    reader = readers.get(key)
    if reader is None:
        reader = readers[key] = _Reader(client.get_workflow_handle(workflow_id))
    answer: asyncio.Future[ActivityStatus | None] = loop.create_future()
    reader.waiting.setdefault(unit, []).append(answer)
    if reader.asking is None:
        reader.asking = asyncio.create_task(_answer_all(readers, key, reader))
    return await asyncio.shield(answer)  # a page that goes away leaves the others their answer


async def _answer_all(readers: dict[tuple[int, str], _Reader], key: tuple[int, str], reader: _Reader) -> None:
    """Until nobody waits: one query for everyone waiting now, their answers, then the next."""
    try:
        while reader.waiting:
            batch, reader.waiting = reader.waiting, {}
            rows: dict[str, ActivityStatus | None] = {}
            try:
                rows = await _ask(reader.handle, key[1], list(batch))
            finally:  # answered, or this task cancelled: nobody is left waiting
                for code, futures in batch.items():
                    _settle(futures, rows.get(code))
    finally:
        for futures in reader.waiting.values():
            _settle(futures, None)
        reader.waiting, reader.asking = {}, None
        if readers.get(key) is reader:
            del readers[key]


def _settle(futures: list[asyncio.Future[ActivityStatus | None]], answer: ActivityStatus | None) -> None:
    for future in futures:
        if not future.done():
            future.set_result(answer)


async def _ask(
    handle: WorkflowHandle[CampaignActivityWorkflow, object], workflow_id: str, units: list[str]
) -> dict[str, ActivityStatus | None]:
    """Each unit's status, by one query: its own row for one unit, the whole roll for several."""
    if len(units) == 1 or workflow_id in _large:
        answers = await asyncio.gather(*(_own_row(handle, code) for code in units))
        return dict(zip(units, answers, strict=True))
    whole = await _whole(handle)
    if whole is None:
        return {}
    if len(whole.units) > SHARED_ROLL:
        _large.add(workflow_id)
    by_code = {row.code: row for row in whole.units}
    return {code: whole.model_copy(update={"units": [by_code[code]] if code in by_code else []}) for code in units}


async def _own_row(handle: WorkflowHandle[CampaignActivityWorkflow, object], unit: str) -> ActivityStatus | None:
    try:
        mine: ActivityStatus = await handle.query(CampaignActivityWorkflow.unit_status, unit)
        return mine
    except WorkflowQueryFailedError:  # started before the query existed: the whole status
        pass
    except Exception:  # closed long ago, or the server is away
        return None
    whole = await _whole(handle)
    return whole.model_copy(update={"units": [u for u in whole.units if u.code == unit]}) if whole else None


async def _whole(handle: WorkflowHandle[CampaignActivityWorkflow, object]) -> ActivityStatus | None:
    try:
        answer: ActivityStatus = await handle.query(CampaignActivityWorkflow.status)
    except Exception:  # closed long ago, or the server is away
        return None
    return answer
