"""Waiting until something holds: the store and the workflows hear of things a moment later."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any


def poll(check: Callable[[], Any], timeout: float = 90, every: float = 0.5) -> Any:
    """`check()`'s first truthy value; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


async def eventually(
    read: Callable[[], Any], until: Callable[[Any], bool], seconds: float = 30, every: float = 0.1
) -> Any:
    """`read()` (sync or async) once `until(value)` holds, or its last value after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if inspect.isawaitable(value):
            value = await value
        if until(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


async def until(check: Callable[[], Any], seconds: float = 30, every: float = 0.05) -> Any:
    """`check()`'s (sync or async) first truthy value, asked every `every` s; TimeoutError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"not so after {seconds} s: {getattr(check, '__name__', check)}")
        await asyncio.sleep(every)


async def until_listening(server: Any, serving: asyncio.Task[Any], seconds: float = 30) -> None:
    """Until a uvicorn `server` (run by the task `serving`) listens; the task's own error if it ended first."""

    def listening() -> bool:
        if serving.done():
            serving.result()  # raises what stopped it
            raise RuntimeError("the server ended before it listened")
        return bool(server.started)

    await until(listening, seconds)


async def answered(ask: Callable[[], Any], seconds: float = 60, every: float = 0.1) -> Any:
    """The first answer to `ask()` (a query, say) that does not raise: a workflow answers queries
    only once a worker has run its first task."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await ask()
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(every)
