"""The malformed-input corpus (tests/corpus/): every plan through import, lint and start, every
message through a real activity workflow. Each gets a clear Vietnamese answer or a clean
rejection; never a traceback, a hang, a stuck activity or a workflow-task failure."""

from __future__ import annotations

import json
import os
import signal
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
import yaml
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from typer.testing import CliRunner

from campaign.formats import PlanReadError
from campaign.importer import import_plan
from campaign.limits import MAX_ACTIVITIES, MAX_LINE_CHARS, MAX_PLAN_BYTES, MAX_PLAN_LINES
from campaign.plan import schedule_problems
from campaign.units import UnitDirectory
from harness.corpus_inputs import ROWS, plan_lines
from harness.temporal import time_skipping_env
from starter import app
from tests import office_documents
from tests.conftest import CORPUS
from tests.helpers import advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow

EXPECTED = yaml.safe_load((CORPUS / "plans.yaml").read_text(encoding="utf-8"))
MESSAGES = [json.loads(line) for line in (CORPUS / "messages.jsonl").read_text(encoding="utf-8").splitlines()]
ENGLISH = ("Input should", "Field required", "validation error", "Traceback", "Extra inputs")
MEMORY_LIMIT = 200 * 1024 * 1024  # a plan's import never holds more than this


@contextmanager
def bounded(seconds: int = 20) -> Iterator[None]:
    """A guard against hangs and runaway memory (not a speed check: the limit is far above normal)."""

    def hang(*_: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    tracemalloc.start()
    try:
        yield
        _, peak = tracemalloc.get_traced_memory()
        assert peak < MEMORY_LIMIT, f"peak memory {peak / 1e6:.0f} MB"
    finally:
        tracemalloc.stop()
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_the_corpus_is_large_enough() -> None:
    assert len(EXPECTED) + len(GENERATED) + len(MESSAGES) >= 100
    assert sorted(EXPECTED) == sorted(p.name for p in (CORPUS / "plans").iterdir())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_plan_is_read_or_refused_clearly(name: str, directory: UnitDirectory) -> None:
    expected = EXPECTED[name]
    path = CORPUS / "plans" / name
    with bounded():
        if "refused" in expected:
            with pytest.raises(PlanReadError) as refused:
                import_plan(path, directory)
            assert expected["refused"] in str(refused.value) and "\n" not in str(refused.value)
            return
        plan = import_plan(path, directory)
    assert sorted({f.kind for f in plan.findings}) == expected["findings"]
    assert all(f.message and "\n" not in f.message for f in plan.findings)
    assert bool(plan.blocking_findings) == (expected["start"] == "refused")
    if expected["start"] == "accepted":  # what the campaign workflow checks before it starts anything
        assert schedule_problems(plan) == []


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _docx_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _duplicates(count: int) -> list[str]:
    return [f"{1 + n % 40}\tHoạt động {n}\t10/3/2024\tHội trường\tĐoàn Bảo hiểm xã hội" for n in range(count)]


# Inputs too big or too strange to keep as files: made here, each with what it must give.
GENERATED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "fifo": (_fifo, "không phải tệp thông thường"),
    "dev-zero": (lambda _: Path("/dev/zero"), "không phải tệp thông thường"),
    "directory": (lambda p: (p.mkdir(), p)[1], "là thư mục"),
    "missing": (lambda p: p, "không tìm thấy tệp"),
    "too-big": (lambda p: (p.write_bytes(b"a" * (MAX_PLAN_BYTES + 1)), p)[1], "quá lớn"),
    "docx-bomb.docx": (_docx_bomb, "giải nén ra"),
    "pdf-bomb.pdf": (lambda p: office_documents.pdf_bomb(p), "giải nén ra hơn"),
    "ocr-20000px.png": (lambda p: office_documents.huge_png(p), "quá lớn (tối đa 40 triệu điểm ảnh)"),
    "too-many-lines": (lambda p: _write(p, ["dòng"] * (MAX_PLAN_LINES + 1)), f"tối đa {MAX_PLAN_LINES}"),
    "too-many-activities": (
        lambda p: _write(p, plan_lines([f"{n % 999 + 1}\tHĐ\t10/3/2024\tA\tB" for n in range(MAX_ACTIVITIES + 1)])),
        f"tối đa {MAX_ACTIVITIES}",
    ),
    "long-line-tu": (lambda p: _write(p, plan_lines(ROWS, body=["từ 1/1 " * 20000])), "long_line"),
    "long-line-dates": (lambda p: _write(p, plan_lines(ROWS, body=["1/1 " * 40000])), "long_line"),
    "long-line-weekdays": (lambda p: _write(p, plan_lines(ROWS, body=["CN 1/1 " * 20000])), "long_line"),
    "names-50000": (
        lambda p: _write(p, plan_lines([*ROWS, "4\tHĐ\t10/3/2024\tA\t" + ", ".join(["Đoàn Sở A"] * 50000)])),
        "long_line",
    ),
    "duplicates-400": (lambda p: _write(p, plan_lines(_duplicates(400))), "duplicate_no"),
}


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_inputs_are_refused_or_flagged_in_bounded_time(name: str, tmp_path: Path, directory) -> None:
    make, expected = GENERATED[name]
    path = make(tmp_path / name)
    with bounded():
        try:
            plan = import_plan(path, directory)
        except PlanReadError as exc:
            assert expected in str(exc), str(exc)
            return
    assert expected in {f.kind for f in plan.findings}, [f.kind for f in plan.findings]
    if expected == "long_line":
        assert all(len(a.title) <= MAX_LINE_CHARS for a in plan.activities)
    if expected == "duplicate_no":
        assert plan.blocking_findings


runner = CliRunner()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_plan_lint_answers_every_corpus_plan_in_one_line(name: str) -> None:
    result = runner.invoke(app, ["plan", "lint", str(CORPUS / "plans" / name)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if "refused" in EXPECTED[name]:
        assert result.exit_code == 2
        assert result.output.strip().startswith("Lỗi:") and len(result.output.strip().splitlines()) == 1
    else:
        assert result.exit_code == 0


@pytest.mark.parametrize(
    "name", sorted(n for n, e in EXPECTED.items() if e.get("start") == "refused" and n.endswith(".txt"))
)
def test_start_refuses_a_plan_that_cannot_run(name: str) -> None:
    result = runner.invoke(app, ["start", str(CORPUS / "plans" / name)])
    assert result.exit_code == 2
    assert "hãy sửa trước khi khởi động" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--campaign-id", "../../../outside"),
        ("--campaign-id", "/tmp/absolute"),
        ("--campaign-id", "a\r\nBcc: x@example.org"),
        ("--campaign-id", "x" * 121),
        ("--campaign-id", "Chữ-Hoa"),
    ],
)
def test_unsafe_campaign_ids_are_refused_at_the_door(flag: str, value: str) -> None:
    result = runner.invoke(app, ["start", str(CORPUS / "plans" / "ok-baseline.txt"), flag, value])
    assert result.exit_code == 2 and "mã chiến dịch" in result.output
    for command in (["status", "--campaign", value], ["export", "--campaign", value]):
        answer = runner.invoke(app, command)
        assert answer.exit_code == 2 and "mã chiến dịch" in answer.output, answer.output


def test_a_report_over_the_limits_is_refused_before_it_is_sent() -> None:
    args = ["report", "--campaign", "c", "--activity", "1", "--unit", "a", "--summary", "x"]
    for participants, words in (("1000000000000000000000000000000", "tối đa"), ("3000000000", "tối đa")):
        result = runner.invoke(app, [*args, "--participants", participants])
        assert result.exit_code == 2 and words in result.output, result.output
    result = runner.invoke(app, [*args, "--participants", "3", "--submitted-by", "b" * 150])
    assert result.exit_code == 2 and "người gửi dài quá" in result.output


# --- messages through a real workflow ----------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_every_corpus_message_is_rejected_in_vietnamese_and_the_activity_still_closes(env) -> None:
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(12))
        for case in MESSAGES:
            with pytest.raises(WorkflowUpdateFailedError) as caught:
                await handle.execute_update(case["update"], case["payload"])
            cause = caught.value.cause
            assert isinstance(cause, ApplicationError), (case, cause)
            assert cause.type == "Rejected" and cause.non_retryable, (case, cause)
            assert case["expect"] in cause.message, (case["expect"], cause.message)
            assert not any(word in cause.message for word in ENGLISH), cause.message
        good = {"unit": "a", "summary": "Đã làm", "participants": 10, "request_id": "r-1"}
        receipt = await handle.execute_update(CampaignActivityWorkflow.submit_report, good)
        assert receipt.revision == 1 and receipt.on_time
        await handle.execute_update(CampaignActivityWorkflow.cancel, {"reason": "Kết thúc thử"})
        result = await handle.result()
        history = await handle.fetch_history()
    assert result.phase.value == "CANCELLED"
    failures = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    assert failures == []


async def test_a_request_id_belongs_to_one_unit(env) -> None:
    """Another unit's reuse of a request ID is its own report; the same ID with other content is refused."""
    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(12))
        first = await handle.execute_update(
            CampaignActivityWorkflow.submit_report,
            {"unit": "a", "summary": "A làm", "participants": 5, "request_id": "same"},
        )
        other = await handle.execute_update(
            CampaignActivityWorkflow.submit_report,
            {"unit": "b", "summary": "B làm", "participants": 7, "request_id": "same"},
        )
        again = await handle.execute_update(
            CampaignActivityWorkflow.submit_report,
            {"unit": "a", "summary": "A làm", "participants": 5, "request_id": "same"},
        )
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await handle.execute_update(
                CampaignActivityWorkflow.submit_report,
                {"unit": "a", "summary": "A sửa", "participants": 6, "request_id": "same"},
            )
        status = await handle.query(CampaignActivityWorkflow.status)
        await handle.execute_update(CampaignActivityWorkflow.cancel, {"reason": "xong"})
        await handle.result()  # closed while its worker runs: nothing left to hold the server's time
    assert (first.unit, other.unit, other.duplicate) == ("a", "b", False)
    assert again.duplicate and again.revision == 1
    assert "đã dùng cho một báo cáo khác" in str(caught.value.cause)
    reports = {u.code: u.report for u in status.units}
    assert (reports["a"].participants, reports["b"].participants) == (5, 7)


async def test_a_campaign_id_that_is_unsafe_fails_the_workflow_at_once(env) -> None:
    """Started past the CLI (the official temporal CLI, raw JSON): the workflow refuses, it does not loop."""
    from temporalio.client import WorkflowFailureError

    from tests.helpers import UNITS

    async with worker(env.client) as queue:
        for bad in ("../../outside", "a\r\nb"):
            handle = await start(env, queue, units=UNITS, campaign_id=bad)
            with pytest.raises(WorkflowFailureError) as failed:
                await handle.result()
            assert "mã chiến dịch" in str(failed.value.cause)


def test_dates_in_plans_stay_near_their_issue_date(directory) -> None:
    plan = import_plan(CORPUS / "plans" / "year-0001.txt", directory)
    fourth = plan.activity(4)
    assert fourth.start == date(1, 1, 1)  # read as written, not as 2001, and flagged
    assert any(f.kind == "far_date" and f.line == fourth.line for f in plan.findings)


async def test_the_cli_tells_a_closed_activity_from_a_misspelled_campaign(env) -> None:
    import asyncio
    import subprocess
    import sys

    from harness.paths import ROOT

    address = env.client.service_client.config.target_host

    def report(campaign: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "starter.py", "report", "--campaign", campaign, "--activity", "7", "--unit", "a",
             "--summary", "muộn", "--participants", "3"],
            cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "TEMPORAL_ADDRESS": address},
        )  # fmt: skip

    async with worker(env.client) as queue:
        handle = await start(env, queue)
        await handle.execute_update(CampaignActivityWorkflow.cancel, {"reason": "Hoãn"})
        await handle.result()
    campaign = handle.id.removeprefix("campaign/").removesuffix("/activity/7")
    closed, missing = await asyncio.gather(
        asyncio.to_thread(report, campaign), asyncio.to_thread(report, campaign + "-sai")
    )
    assert closed.returncode == 1 and "đã kết thúc" in closed.stderr, closed.stderr
    assert missing.returncode == 1 and f"không tìm thấy chiến dịch {campaign}-sai" in missing.stderr, missing.stderr
