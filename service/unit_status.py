"""A unit's row of an activity, as the unit's page reads it: every page waiting for the same activity
shares one query, and a whole roll just read answers the pages that follow for a moment.

Temporal answers a query to a workflow that has a task in flight (an activity taking reports, the
evening before a deadline) only after that task, and holds one such query per workflow: the rest are
refused ("consistent query buffer is full", RESOURCE_EXHAUSTED) and, after the SDK's retries, a page
without the unit's state and without its report form. So this process asks each activity one query at
a time; pages that arrive meanwhile wait for the next one, which starts after they arrived. One page
waiting: its own row (`unit_status`); several: the whole roll once (`status`, compressed on the wire),
each page taking its row, while the roll is at most SHARED_ROLL units (a larger roll, a city, is asked
unit by unit, as before).

The whole roll costs the workflow about 0.2 ms a unit (a task's worth at 2,000 units on a busy host),
so for FRESH_FOR seconds after its answer it answers the pages that come next, except a unit that has
sent a message through this process since the query was asked (or is sending one): its page waits for
a query asked after that message was answered, so a unit always sees its own report. What others
change (the office excusing a unit, a deadline passing) shows at most FRESH_FOR (and the query's
own time) late.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from weakref import WeakKeyDictionary

from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError

from campaign.views import ActivityStatus, UnitView
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

# Units in a roll asked whole for several pages at once (5,000: about a second of a busy worker's
# time); above that, each page asks for its own row.
SHARED_ROLL = 5_000
FRESH_FOR = 2.0  # seconds a whole roll answers the pages that follow its answer (not a unit that has sent since)

# One hung query must not hold every page of an activity in this process: it is given up after this.
QUERY_FOR = timedelta(seconds=10)


@dataclass
class _Whole:
    """A whole roll as the workflow answered it, when (loop time) the query was sent and answered."""

    status: ActivityStatus
    rows: dict[str, UnitView]
    asked_at: float
    answered_at: float

    def of(self, unit: str) -> ActivityStatus:
        return self.status.model_copy(update={"units": [self.rows[unit]] if unit in self.rows else []})


@dataclass
class _Reader:
    """One activity as this process reads it: the pages waiting (unit code → their futures), the query
    answering them, the last whole roll, and the units' messages sent through this process."""

    handle: WorkflowHandle[CampaignActivityWorkflow, object]
    waiting: dict[str, list[asyncio.Future[ActivityStatus | None]]] = field(default_factory=dict)
    asking: asyncio.Task[None] | None = None
    whole: _Whole | None = None
    sending: dict[str, int] = field(default_factory=dict)  # unit → its messages in flight
    answered: dict[str, float] = field(default_factory=dict)  # unit → when its last message was answered

    def fresh_for(self, unit: str, now: float) -> _Whole | None:
        """The whole roll when it still answers `unit`'s page: young enough, and asked after the unit's
        last message was answered."""
        whole = self.whole
        if whole is None or now - whole.answered_at > FRESH_FOR or self.sending.get(unit):
            return None
        return whole if self.answered.get(unit, float("-inf")) < whole.asked_at else None

    def idle(self, now: float) -> bool:
        stale = self.whole is None or now - self.whole.answered_at > FRESH_FOR
        return stale and not self.waiting and self.asking is None and not any(self.sending.values())


# Per event loop, per (client, workflow ID): the activities being read or written through this process.
_readers: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Reader]] = WeakKeyDictionary()
_large: set[str] = set()  # workflow IDs whose whole answer had more than SHARED_ROLL units


def _reader(client: Client, workflow_id: str) -> _Reader:
    loop = asyncio.get_running_loop()
    readers, key, now = _readers.setdefault(loop, {}), (id(client), workflow_id), loop.time()
    reader = readers.get(key)
    if reader is None:
        for old in [k for k, r in readers.items() if r.idle(now)]:  # what no page can use any more
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
    if (whole := reader.fresh_for(unit, loop.time())) is not None:
        return whole.of(unit)
    answer: asyncio.Future[ActivityStatus | None] = loop.create_future()
    reader.waiting.setdefault(unit, []).append(answer)
    if reader.asking is None:
        reader.asking = asyncio.create_task(_answer_all(reader, workflow_id))
    return await asyncio.shield(answer)  # a page that goes away leaves the others their answer


@contextmanager
def message_from(client: Client, workflow_id: str, unit: str | None) -> Iterator[None]:
    """While a unit's message to the activity is sent (and once it is answered), that unit's page waits
    for a query asked after it: the unit sees what it sent."""
    if unit is None:
        yield
        return
    reader = _reader(client, workflow_id)
    reader.sending[unit] = reader.sending.get(unit, 0) + 1
    try:
        yield
    finally:
        reader.sending[unit] -= 1
        if not reader.sending[unit]:
            del reader.sending[unit]
        reader.answered[unit] = asyncio.get_running_loop().time()


async def _answer_all(reader: _Reader, workflow_id: str) -> None:
    """Until nobody waits: one query for everyone waiting now, their answers, then the next."""
    try:
        while reader.waiting:
            batch, reader.waiting = reader.waiting, {}
            rows: dict[str, ActivityStatus | None] = {}
            try:
                rows = await _ask(reader, workflow_id, list(batch))
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


async def _ask(reader: _Reader, workflow_id: str, units: list[str]) -> dict[str, ActivityStatus | None]:
    """Each unit's status, by one query: its own row for one unit, the whole roll for several (kept)."""
    if len(units) == 1 or workflow_id in _large:
        answers = await asyncio.gather(*(_own_row(reader.handle, code) for code in units))
        return dict(zip(units, answers, strict=True))
    asked_at = asyncio.get_running_loop().time()
    whole = await _whole(reader.handle)
    if whole is None:
        return {}
    if len(whole.units) > SHARED_ROLL:
        _large.add(workflow_id)
    rows, answered_at = {row.code: row for row in whole.units}, asyncio.get_running_loop().time()
    kept = reader.whole = _Whole(whole, rows, asked_at, answered_at)
    reader.answered = {unit: at for unit, at in reader.answered.items() if at >= asked_at}  # the rest it covers
    return {code: kept.of(code) for code in units}


async def _own_row(handle: WorkflowHandle[CampaignActivityWorkflow, object], unit: str) -> ActivityStatus | None:
    try:
        mine: ActivityStatus = await handle.query(CampaignActivityWorkflow.unit_status, unit, rpc_timeout=QUERY_FOR)
        return mine
    except WorkflowQueryFailedError:  # started before the query existed: the whole status
        pass
    except Exception:  # closed long ago, or the server is away
        return None
    whole = await _whole(handle)
    return whole.model_copy(update={"units": [u for u in whole.units if u.code == unit]}) if whole else None


async def _whole(handle: WorkflowHandle[CampaignActivityWorkflow, object]) -> ActivityStatus | None:
    try:
        answer: ActivityStatus = await handle.query(CampaignActivityWorkflow.status, rpc_timeout=QUERY_FOR)
    except Exception:  # closed long ago, or the server is away
        return None
    return answer
