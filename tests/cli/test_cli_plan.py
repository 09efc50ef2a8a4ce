"""`python starter.py plan …` and `units check` as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from harness.paths import ROOT, SEED, UNITS


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "starter.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_plan_import_json_contract() -> None:
    result = run("plan", "import", str(SEED), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["code"] == "54-KH/ĐTN"
    assert data["window"] == {"start": "2023-05-01", "end": "2023-05-31"}
    assert len(data["activities"]) == 12
    assert data["activities"][6]["responsible"][2] == {
        "name": "Đoàn Khu Công nghệ cao",
        "role": "lead",
        "unit_code": "khu-cnc",
    }
    assert {f["kind"] for f in data["findings"]} >= {"invalid_date", "date_conflict", "weekday_mismatch"}


def test_plan_import_human_table() -> None:
    result = run("plan", "import", str(SEED), "--units", str(UNITS))
    assert result.returncode == 0, result.stderr
    assert "54-KH/ĐTN" in result.stdout and "Ngày Chủ nhật xanh" in result.stdout
    assert "dòng 85" in result.stdout


def test_plan_lint_exit_zero_with_findings() -> None:
    result = run("plan", "lint", str(SEED), "--json")
    assert result.returncode == 0
    findings = json.loads(result.stdout)
    assert {"kind": "invalid_date", "line": 19, "message": "Ngày 29/2/2021 không tồn tại"} in findings


def test_plan_lint_unreadable_exit_two(tmp_path: Path) -> None:
    for path, reason in [
        (tmp_path / "missing.txt", "không tìm thấy tệp"),
        (ROOT / "pyproject.toml", "không tìm thấy bảng lịch"),
    ]:
        result = run("plan", "lint", str(path))
        assert result.returncode == 2
        assert result.stdout == ""
        assert reason in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_units_check(tmp_path: Path) -> None:
    assert run("units", "check", str(UNITS)).returncode == 0
    bad = tmp_path / "u.yaml"
    bad.write_text("units:\n  - {code: a, name: A}\n  - {code: a, name: B}\n", encoding="utf-8")
    result = run("units", "check", str(bad))
    assert result.returncode == 1 and "bị trùng" in result.stderr
    result = run("plan", "import", str(SEED), "--units", str(tmp_path / "none.yaml"))
    assert result.returncode == 2 and "không tìm thấy tệp danh bạ" in result.stderr
