"""The chaos suite: where it places the simulated answers, how it compares two runs, and its quick
run end to end (the stack killed and stopped under a campaign, compared with an undisturbed one)."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from campaign.messages import SubmitReport
from chaos.__main__ import setup
from chaos.answers import chaos_answers, moments, origin_of
from chaos.outcome import WorldResult
from chaos.report import compare
from chaos.simulate import Answered
from harness.paths import ROOT
from harness.postgres import postgres_binaries


@pytest.mark.parametrize("quick", [True, False])
def test_answers_keep_away_from_every_moment_and_revisions_follow_their_report(directory, quick) -> None:
    chosen = setup(quick, None)
    origin = origin_of(chosen.plan, chosen.rebase_to)
    times = moments(chosen.plan, directory, chosen.policy, origin)
    placed = chaos_answers(chosen.plan, directory, chosen.policy, origin, 21 if quick else 7)
    assert placed.margin >= (timedelta(days=1) if quick else timedelta(hours=12))
    for answer in placed.answers:
        assert min(abs(answer.at - t) for t in times[answer.activity_no]) >= placed.margin
        assert answer.at < times[answer.activity_no][-1]  # before the activity closes
    reports = [a for a in placed.answers if isinstance(a.message, SubmitReport)]
    revised = [a for a in reports if (a.message.request_id or "").endswith("-r2")]
    assert revised
    for revision in revised:
        original = next(a for a in reports if a.message.request_id == revision.message.request_id.removesuffix("-r2"))
        assert original.at < revision.at


def outcome(**changes) -> WorldResult:
    calm = WorldResult(
        completed=True,
        outcomes={(7, "bhxh"): ("on_time", 0), (7, "ldld"): (None, 1)},
        reports={(7, "bhxh", 1): (40, None, "Đã làm", True)},
        readiness={(7, "bhxh")},
        notices={"campaign/c/activity/7/assign/bhxh#email": "sent"},
        undelivered=[],
        copies=0,
        audit=Counter({(7, "report"): 1}),
        task_failures=0,
        task_timeouts=0,
        activity_timeouts=0,
        runs=2,
        held_up=0.2,
        answered=Answered(refusals={}, delays={"7/bhxh/ready": 0.3}),
    )
    return replace(calm, **changes)


def test_the_comparison_holds_only_when_the_runs_agree() -> None:
    assert all(check.held is not False for check in compare(outcome(), outcome(), margin_seconds=10))
    for changed, check in [
        ({"outcomes": {(7, "bhxh"): ("late", 0), (7, "ldld"): (None, 1)}}, "kết quả từng đơn vị"),
        ({"reports": {}}, "báo cáo và bản sửa"),
        ({"notices": {}}, "thông báo theo chính sách"),
        ({"undelivered": ["campaign/c/activity/7/assign/bhxh#email"]}, "thư đã gửi mà máy chủ thư không nhận"),
        ({"task_failures": 1}, "workflow task thất bại"),
        ({"held_up": 12.0}, "hẹn giờ chờ worker"),
        ({"completed": False}, "chiến dịch kết thúc"),
    ]:
        failed = [c.name for c in compare(outcome(), outcome(**changed), margin_seconds=10) if c.held is False]
        assert len(failed) == 1 and failed[0].startswith(check), (changed, failed)


@pytest.mark.skipif(postgres_binaries() is None, reason="PostgreSQL is not installed here; .ci/run installs it")
@pytest.mark.timeout(900)
def test_the_quick_chaos_run_holds() -> None:
    run = subprocess.run([sys.executable, "-m", "chaos", "--quick"], cwd=ROOT, capture_output=True, text=True,
                         timeout=840)  # fmt: skip
    out = run.stdout
    assert run.returncode == 0, out + run.stderr[-3000:]
    assert out.count("kill -9 worker") == 3 and "worker mới chạy sau" in out
    for fault in ("kill -9 máy chủ Temporal", "dừng PostgreSQL", "máy chủ SMTP từ chối kết nối"):
        assert fault in out
    assert "chưa xảy ra" not in out and "✗" not in out and "KẾT QUẢ: đạt" in out
