"""Replaying recorded histories: a code change that would break running workflows fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
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
               "campaign-cancelled-v2", "activity-1-campaign-cancelled-v2"}  # fmt: skip
    assert {p.stem for p in HISTORIES} == legacy | batched
