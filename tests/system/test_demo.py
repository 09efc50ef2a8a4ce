"""The README's main command, compressed: `make demo` with DEMO_EXIT=1 ends with the report's path."""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from campaign.clock import end_of_day
from campaign.duties import with_plan_report
from campaign.importer import import_plan
from campaign.messages import ConfirmReady, SubmitReport
from campaign.policy import PolicyFile
from campaign.tracker import Phase
from campaign.views import ActivitySummary
from harness.net import free_port
from harness.paths import ROOT, SEED
from service.simulator import plan_answers
from store.database import Store
from store.schema import AuditEntry
from store.users import sign_in
from workflows.inputs import Overview


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


def test_simulated_units_answer_the_plan_report_duty_by_duty(directory) -> None:
    plan = with_plan_report(import_plan(SEED, directory), directory)
    on_plan = [a for a in plan_answers(plan, PolicyFile(), seed=54) if a.activity_no == 13]
    assert on_plan and all(isinstance(a.message, SubmitReport) for a in on_plan)  # nothing to confirm
    assert all([d.duty for d in a.message.duties or []] == [1, 2, 3, 4, 5, 6] for a in on_plan)
    statuses = Counter(d.status for a in on_plan for d in a.message.duties or [])
    assert statuses["done"] > statuses["not_done"] > 0


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
    # the seed's units report on the plan, duty by duty (at this speed few answers arrive in time: the
    # answers themselves are checked in test_simulated_units_answer_the_plan_report_duty_by_duty)
    grassroots = text.split("## Kết quả thực hiện tại cơ sở")[1]
    assert "cơ sở (hoạt động 13)" in grassroots and "| 6 | Triển khai các hoạt động cụ thể nhằm củng cố" in grassroots
    assert re.search(r"http://localhost:\d+/u/[\w.-]+", result.stdout)  # a person can answer by hand
    store = Store(f"sqlite:///{tmp_path / 'data' / 'campaign.db'}")
    with store.session() as session:  # the simulated units answered through the portal, with their links
        actors = session.scalars(select(AuditEntry.actor).where(AuditEntry.action.in_(["ready", "report"]))).all()
    assert actors and all(" qua liên kết " in actor for actor in actors)

    # The office's pages: the login URL and a demo account that signs in.
    login = re.search(r"(http://localhost:\d+/login) — .*?vanphong / (\S+?),", result.stdout)
    assert login, result.stdout[:3000]
    with store.session() as session:
        assert sign_in(session, "vanphong", login.group(2)).role == "office"
    admin = re.search(r"quantri / (\S+?) ", result.stdout)  # the administrator, for /accounts and /directory
    assert admin, result.stdout[:3000]
    with store.session() as session:
        assert sign_in(session, "quantri", admin.group(1)).role == "admin"
    assert "README" not in result.stdout  # how to see the columns is said, not sent to the README
    # The README's commands against the demo's campaign: its settings in demo.env (the one default
    # task queue), `units link` by a unit's name, and every unit's link in a file.
    settings = dict(
        shlex.split(line)[0].split("=", 1) for line in (tmp_path / "data" / "demo.env").read_text().splitlines()
    )
    assert settings["TEMPORAL_TASK_QUEUE"] == "campaign"
    campaign_id = re.search(r"Chiến dịch (demo-[\d-]+)", result.stdout).group(1)  # type: ignore[union-attr]
    links = (tmp_path / "data" / f"lien-ket-{campaign_id}.txt").read_text(encoding="utf-8").splitlines()
    assert len(links) > 10 and any(line.startswith("bhxh\tĐoàn Bảo hiểm xã hội\thttp://localhost:") for line in links)
    assert f"units link --campaign {campaign_id}" in result.stdout
    link = subprocess.run([sys.executable, "starter.py", "units", "link", "--campaign", campaign_id, "--unit",
                           "Doan Bao hiem xa hoi"], cwd=ROOT, env={**os.environ, **settings}, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert link.returncode == 0 and link.stdout.startswith(settings["PORTAL_URL"] + "/u/"), link.stderr


def seed_overview(directory) -> Overview:
    plan = import_plan(SEED, directory)
    rows = [ActivitySummary(no=a.no, title=a.title, phase=Phase.ESCALATED, pending=a.unit_codes,
                            overdue=a.unit_codes, escalation_level=2, reported=1, ready=2, units=len(a.unit_codes))
            for a in plan.activities]  # fmt: skip
    return Overview(campaign_id="demo-1", plan_code=plan.code, title=plan.title, phase="RUNNING",
                    plan_now=datetime.now(UTC), activities=rows)  # fmt: skip


def test_the_live_table_fits_an_80_column_terminal(directory) -> None:
    """Every activity of the seed plan on its own line of a 80×24 terminal (titles cut, not wrapped)."""
    from demo import view

    overview = seed_overview(directory)
    events = [
        f"02/05/2023 10:00 [{n}] Đã nhận báo cáo lần 1 của Đoàn Sở Văn hóa và Thể thao (đúng hạn)" for n in range(30)
    ]
    console = Console(width=80, height=24, record=True, file=io.StringIO())
    console.print(view(overview, events, datetime.now(UTC)))
    lines = console.export_text().splitlines()
    assert len(lines) <= 23, "\n".join(lines)  # and the cursor's line
    assert all(console.measure(line).maximum <= 80 for line in lines)
    for activity in overview.activities:
        row = next((line for line in lines if line.split(" ", 1)[0] == str(activity.no)), "")
        assert activity.title[:12] in row and "Đã báo cáo BTV" in row, (activity.no, lines)
    assert "Đoàn Sở Văn hóa" in lines[-1]  # the latest events below the table


def test_the_live_table_says_what_has_no_readiness_and_names_late_units(directory) -> None:
    """A report-only activity (the units' report on the plan) has nothing to confirm: "—", not "0/16";
    an activity without units shows "—" too; the escalation line names the units, not their codes."""
    from demo import escalation_line, report_only, view

    plan = with_plan_report(import_plan(SEED, directory), directory)
    only = report_only(plan)
    assert 13 in only and 1 not in only
    counts = {a.no: len(a.unit_codes) or (16 if a.no == 13 else 0) for a in plan.activities}  # 13: every cơ sở
    rows = [ActivitySummary(no=a.no, title=a.title, phase=Phase.IN_EVENT, pending=a.unit_codes, overdue=[],
                            escalation_level=0, reported=0, ready=0, units=counts[a.no])
            for a in plan.activities]  # fmt: skip
    overview = Overview(campaign_id="demo-1", plan_code=plan.code, title=plan.title, phase="RUNNING",
                        plan_now=datetime.now(UTC), activities=rows)  # fmt: skip
    console = Console(width=100, height=40, record=True, file=io.StringIO())
    console.print(view(overview, [], datetime.now(UTC), 40, only))
    lines = console.export_text().splitlines()
    row13 = next(line for line in lines if line.split(" ", 1)[0] == "13")
    row6 = next(line for line in lines if line.split(" ", 1)[0] == "6")  # a described group: no unit named
    assert "0/16" in row13 and row13.count("0/16") == 1 and "—" in row13, row13  # the report count stays
    assert "0/0" not in row6, row6
    names = {u.code: u.name for u in directory.units}
    late = rows[0].model_copy(update={"overdue": ["so-vhtt", "bhxh"], "escalation_level": 3})
    line = escalation_line(late, names)
    assert line == "⚠ Báo cáo BTV mức 3: hoạt động 1 — Sở Văn hóa và Thể thao, Bảo hiểm xã hội", line
