"""The benchmarks run in their quick mode, so that they cannot rot (their figures are in the README)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.paths import ROOT


@pytest.mark.parametrize(
    ("bench", "printed"),
    [
        ("bench.scale", ["== 30 units, alone ==", "== 30 units, with a CPU hog", "timed out", "replay of the largest"]),
        ("bench.importer", ["import+lint of the seed plan", "import+lint of a body plan of 60 activities"]),
        ("bench.report_path", ["10 in flight: throughput project/trivial", "50 in flight: throughput"]),
        ("bench.portal_burst", ["portal (page + report)", "errors by status none", "none lost, none doubled"]),
        ("bench.campaigns", ["1 worker(s), speed", "2 worker(s), speed", "highest speed: one worker"]),
    ],
)
def test_the_benchmark_runs_in_its_quick_mode(bench: str, printed: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", bench, "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for line in printed:
        assert line in done.stdout, done.stdout[-3000:]
    assert "MISSING" not in done.stdout and "EXTRA" not in done.stdout
