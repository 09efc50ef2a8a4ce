"""Timers the activity loop looks at instead of awaiting (after samples-python's `updatable_timer`).

The loop waits for whichever comes first (a message, a timer, a finished batch), so a timer here is a
task it checks: `rang` while it waits, `take` at the top of a pass (true once, then the timer is spent).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from campaign.clock import PlanClock, format_moment


class Alarm:
    """A one-shot timer: `start` it, and the loop `take`s it once it has gone off."""

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self, delay: timedelta, summary: str) -> None:
        self._task = asyncio.ensure_future(workflow.sleep(delay, summary=summary))

    @property
    def set(self) -> bool:
        """Started and not yet taken (it may have gone off)."""
        return self._task is not None

    @property
    def rang(self) -> bool:
        return self._task is not None and self._task.done()

    def take(self) -> bool:
        """True once after the alarm went off; the alarm is then free to start again."""
        if not self.rang:
            return False
        self._task = None
        return True

    def cancel(self) -> None:
        """Stop a timer still running (a run about to hand over)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()


class WakeTimer(Alarm):
    """One timer for the next moment something is due (plan time), kept while messages come and go:
    re-armed only for an earlier moment, since one that wakes the loop early enough is enough (the
    loop then asks what is due). `rang`, `take` and `cancel` are the alarm's."""

    def __init__(self, clock: PlanClock) -> None:
        super().__init__()
        self._clock = clock
        self._at: datetime | None = None

    def arm(self, now: datetime, wake: tuple[datetime, str] | None) -> None:
        """Wake at `wake` (plan time, and what is due then, for the UI) unless already set to wake earlier."""
        if wake is None:
            return
        at, reason = wake
        if self._task is not None and not self._task.done() and self._at is not None:
            if self._at <= at:
                return
            self._task.cancel()
        delay = self._clock.wall_delay(at - now) + timedelta(milliseconds=1)
        self._task = asyncio.ensure_future(workflow.sleep(delay, summary=f"{reason} ({format_moment(at)})"))
        self._at = at
