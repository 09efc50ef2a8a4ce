"""How often an activity shows what changed, and how its campaign hears of it.

`PublishThrottle`: the effects of a stream of messages gather for `every` before the store, the search
attributes, the UI and the campaign hear of them at once; one change after a quiet spell goes out at
once. `LatestOnly`: the newest summary to the parent campaign, one signal in flight at a time, so a
slow campaign never has a queue of stale summaries to read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from campaign.views import ActivitySummary
    from workflows.timers import Alarm

T = TypeVar("T")


class PublishThrottle:
    def __init__(self, every: timedelta, summary: str) -> None:
        self.every = every
        self.dirty = False  # something visible changed since the last publish
        self._summary = summary  # the gathering timer's name in the UI
        self._last: datetime | None = None  # wall time of the last publish
        self._gathering = Alarm()

    def due(self) -> bool:
        """Publish now: something changed, and the gathering time is over or nothing was published
        lately. Call once a pass (it takes the gathering timer once it has gone off)."""
        gathered = self._gathering.take()
        if not self.dirty:
            return False
        quiet = self._last is None or workflow.now() - self._last >= self.every
        return gathered or (quiet and not self._gathering.set)

    def gather(self) -> None:
        """Something changed and is not published: publish when the gathering time is over."""
        if self.dirty and not self._gathering.set:
            self._gathering.start(self.every, self._summary)

    def published(self) -> None:
        self.dirty = False
        self._last = workflow.now()

    @property
    def rang(self) -> bool:
        return self._gathering.rang

    def cancel(self) -> None:
        """Stop the gathering timer (a run about to hand over: what gathered goes to the next run)."""
        self._gathering.cancel()


class LatestOnly(Generic[T]):
    """Hands the newest value to `tell`, one call in flight at a time; a value put meanwhile replaces
    the one waiting (the campaign needs the latest state, not every step)."""

    def __init__(self, tell: Callable[[T], Awaitable[None]]) -> None:
        self._tell = tell
        self._untold: T | None = None
        self._telling: asyncio.Task[None] | None = None

    def put(self, value: T) -> None:
        self._untold = value

    @property
    def _busy(self) -> bool:
        return self._telling is not None and not self._telling.done()

    @property
    def in_flight(self) -> bool:
        """A call to `tell` has not finished yet."""
        return self._busy

    @property
    def ready(self) -> bool:
        """A value waits and nothing is in flight: `send` has something to do."""
        return self._untold is not None and not self._busy

    def send(self) -> None:
        if self._untold is None or self._busy:
            return
        value, self._untold = self._untold, None
        self._telling = asyncio.ensure_future(self._tell(value))

    async def told(self) -> None:
        """Until the last value put has been handed over and its call has finished."""
        while self._untold is not None or self._busy:
            if self._telling is not None and self._busy:
                await self._telling
            self.send()


def shown(summary: ActivitySummary) -> tuple[Any, ...]:
    """What of a summary the search attributes (the first seven) and the campaign are told: a publish
    that changes none of it tells neither."""
    return (
        summary.phase,
        tuple(summary.pending),
        summary.pending_count,
        tuple(summary.overdue),
        summary.overdue_count,
        summary.escalation_level,
        summary.escalations_sent,
        summary.reported,
        summary.ready,
    )


async def tell_campaign(parent_id: str, summary: ActivitySummary, token: str | None, campaign_id: str) -> None:
    """Signal the campaign the activity's summary, signed with the token the campaign gave it."""
    parent = workflow.get_external_workflow_handle(parent_id)
    try:
        await parent.signal("activity_changed", summary.model_copy(update={"token": token}))
    except Exception:  # the campaign may be gone (cancelled, terminated); the activity carries on
        workflow.logger.warning("could not tell the campaign", extra={"campaign_id": campaign_id})
