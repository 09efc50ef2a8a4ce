"""A request that has not answered in the time nearly all do is sent a second time beside the first,
and whichever answers first is taken: the hedged request of tail-latency practice.

Where the doors use it, the slow few are those that met an activity handing over to its next run
(continue-as-new): an update the old run had admitted but not yet taken is aborted when it closes and
the server sends it on to the next run about a second later; a query that waited for the old run's
last task is answered by replaying the closed run whole on a worker. The same request sent again a
moment later reaches the next run and is answered in a tenth of a second (bench.portal_burst: 1–1.4 s
before, at every hand-over). A second send must be harmless: the same update (one update ID, which the
server answers once), or a query.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# Seconds: more than nearly every update or query of the doors takes while a burst of reports comes in
# (bench.portal_burst, 2,000 units, 50 clients: p95 0.18 s, p98 0.3 s; those that met a hand-over 0.9–1.4 s):
# about one in thirty is sent twice.
HEDGE_AFTER = 0.25


async def first_answer(attempt: Callable[[], Awaitable[T]], after: float) -> T:
    """What `attempt()` answers; when it has not answered within `after` seconds, `attempt()` is started
    again beside it and the first answer of the two is taken, the other cancelled. When both fail, the
    first one's error is raised."""
    first = asyncio.ensure_future(attempt())
    try:
        done, _ = await asyncio.wait({first}, timeout=after)
        if done:
            return first.result()
        second = asyncio.ensure_future(attempt())
        running, failed = {first, second}, []
        try:
            while running:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=lambda t: t is second):  # the first attempt's answer before the second's
                    if task.exception() is None:
                        return task.result()
                    failed.append(task)
            first_failure = min(failed, key=lambda t: t is second)
            raise first_failure.exception()  # type: ignore[misc]
        finally:
            for task in running:
                _let_go(task)
    finally:
        if not first.done():
            _let_go(first)


def _let_go(task: asyncio.Future[T]) -> None:
    """Cancel a send no longer waited for; what it ends with is read and dropped (the SDK ends a
    cancelled update with its own error, which asyncio would otherwise report as never retrieved)."""
    task.cancel()
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
