"""Replaying recorded histories: a code change that would break running workflows fails here.

Every `tests/histories/*.json` must replay against today's code (`python -m tests.record_histories`
writes them); every `tests/histories/nondeterministic/*.json` must not, nor must a recorded history
with one command changed: the negative controls, proof that the replay test can fail at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from access.payloads import data_converter
from workflows.registry import ALL_WORKFLOWS

FOLDER = Path(__file__).resolve().parent.parent / "histories"
HISTORIES = sorted(FOLDER.glob("*.json"))
NONDETERMINISTIC = sorted((FOLDER / "nondeterministic").glob("*.json"))


def replayer() -> Replayer:
    return Replayer(workflows=ALL_WORKFLOWS, data_converter=data_converter())


def history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_replay(path: Path) -> None:
    await replayer().replay_workflow(history(path))


@pytest.mark.parametrize("path", NONDETERMINISTIC, ids=[p.stem for p in NONDETERMINISTIC])
async def test_a_history_of_removed_code_does_not_replay(path: Path) -> None:
    with pytest.raises(NondeterminismError):
        await replayer().replay_workflow(history(path))


async def test_a_history_with_a_command_changed_does_not_replay() -> None:
    """The activity's first batch of notices recorded as another activity type: today's code
    schedules `send_notices` there, and the replay must say the two differ."""
    recorded = json.loads((FOLDER / "activity-7.json").read_text(encoding="utf-8"))
    scheduled = [e["activityTaskScheduledEventAttributes"] for e in recorded["events"]
                 if "activityTaskScheduledEventAttributes" in e]  # fmt: skip
    sends = [a for a in scheduled if a["activityType"]["name"] == "send_notices"]
    sends[0]["activityType"]["name"] = "send_notice"
    changed = WorkflowHistory.from_json("replay-changed", json.dumps(recorded))
    with pytest.raises(NondeterminismError, match="send_notice"):
        await replayer().replay_workflow(changed)


def test_the_folder_holds_both_workflows_and_a_hand_over() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"campaign", "activity-7", "activity-7-continued", "activity-7-continued-next"} <= names
    assert NONDETERMINISTIC, "the negative control is missing"


def test_the_hand_over_pair_is_one_run_continued_by_the_next() -> None:
    first, second = history(FOLDER / "activity-7-continued.json"), history(FOLDER / "activity-7-continued-next.json")
    assert first.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    started = second.events[0].workflow_execution_started_event_attributes
    assert started.continued_execution_run_id  # the run it continues
    assert second.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
