"""The README's main command, compressed: `make demo` with DEMO_EXIT=1 ends with the report's path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from campaign.clock import end_of_day
from campaign.importer import import_plan
from campaign.messages import ConfirmReady, SubmitReport
from campaign.policy import PolicyFile
from cli.simulator import plan_answers
from harness.net import free_port
from store.database import Store
from store.schema import AuditEntry
from tests.conftest import ROOT, SEED


def test_simulated_units_are_reproducible_and_mixed(directory) -> None:
    plan = import_plan(SEED, directory)
    first, second = plan_answers(plan, PolicyFile(), seed=54), plan_answers(plan, PolicyFile(), seed=54)
    assert first == second
    assert first != plan_answers(plan, PolicyFile(), seed=7)
    reports = [a for a in first if isinstance(a.message, SubmitReport)]
    assert any(isinstance(a.message, ConfirmReady) for a in first)
    assigned = sum(len(a.unit_codes) for a in plan.activities)
    assert 0 < len(reports) < assigned  # some units never answer
    due = {a.no: end_of_day(a.end) + PolicyFile().for_activity(a.no).report_due for a in plan.activities}
    late = [a for a in reports if a.at > due[a.activity_no]]
    assert 0 < len(late) < len(reports)  # most report on time, some late
    assert Counter(type(a.message).__name__ for a in first)["SubmitReport"] == len(reports)
    assert [a.at for a in first] == sorted(a.at for a in first)


def test_demo_runs_the_seed_campaign_to_its_final_report(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DEMO_EXIT": "1",
        "DEMO_SPEED": "259200",  # three plan days per second
        "DEMO_DATA": str(tmp_path / "data"),
        "REPORTS_DIR": str(tmp_path / "reports"),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "TEMPORAL_UI_PORT": str(free_port()),
        "DEMO_PORTAL_PORT": str(free_port()),
    }
    result = subprocess.run([sys.executable, "demo.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    report = Path(result.stdout.strip().splitlines()[-1])
    assert report.parent.parent == tmp_path / "reports" and report.exists()
    assert (report.parent / "bao-cao.xlsx").exists() and (report.parent / "hoan-thanh.png").exists()
    assert (tmp_path / "data" / "campaign.db").exists()
    text = report.read_text(encoding="utf-8")
    assert "# Báo cáo kết quả Kế hoạch 54-KH/ĐTN" in text and "| **Cộng** |" in text
    assert "Không báo cáo" in text
    assert re.search(r"http://127\.0\.0\.1:\d+/u/[\w.-]+", result.stdout)  # a person can answer by hand
    store = Store(f"sqlite:///{tmp_path / 'data' / 'campaign.db'}")
    with store.session() as session:  # the simulated units answered through the portal, with their links
        actors = session.scalars(select(AuditEntry.actor).where(AuditEntry.action.in_(["ready", "report"]))).all()
    assert actors and all(" qua liên kết " in actor for actor in actors)
