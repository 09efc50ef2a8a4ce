"""The yardstick for the report path: a workflow whose update only appends to a list."""

from __future__ import annotations

from typing import Any

from temporalio import workflow


@workflow.defn
class AppendOnly:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.done = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.done)
        return len(self.items)

    @workflow.update
    def add(self, item: Any) -> int:
        self.items.append(item)
        return len(self.items)

    @workflow.signal
    def finish(self) -> None:
        self.done = True
