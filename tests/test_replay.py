"""Replaying recorded histories: a code change that would break running workflows fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from access.payloads import data_converter
from workflows.registry import ALL_WORKFLOWS

HISTORIES = sorted((Path(__file__).resolve().parent / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_replay(path: Path) -> None:
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=data_converter())
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text(encoding="utf-8"))
    await replayer.replay_workflow(history)


def test_histories_are_committed() -> None:
    legacy = {"campaign", "activity-7"}  # recorded before the batched activity loop
    batched = {"campaign-v2", "activity-7-v2", "activity-10-rescheduled-v2", "activity-9-cancelled-v2",
               "campaign-cancelled-v2", "activity-1-campaign-cancelled-v2",
               "activity-7-continued-v2", "activity-7-continued-next-v2"}  # fmt: skip
    assert {p.stem for p in HISTORIES} == legacy | batched


def test_the_hand_over_pair_is_one_run_continued_by_the_next() -> None:
    def history(name: str) -> WorkflowHistory:
        return WorkflowHistory.from_json(name, (HISTORIES[0].parent / f"{name}.json").read_text(encoding="utf-8"))

    first, second = history("activity-7-continued-v2"), history("activity-7-continued-next-v2")
    assert first.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    started = second.events[0].workflow_execution_started_event_attributes
    assert started.continued_execution_run_id  # the run it continues
    assert second.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
