"""The system of record on SQLite and on a real PostgreSQL server: migrations, idempotent writes, exports."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select, text

from campaign.facts import ActivityEvent, EventKind, campaign_record
from campaign.importer import import_plan
from campaign.notices import Notice
from campaign.tracker import ActionKind, Outcome, Phase, Report
from exports.files import write_report
from harness.paths import ROOT, SEED
from store.database import Store, upgrade
from store.outbox import SENT, claim, finish
from store.queries import CampaignNotRecorded, campaign_report
from store.schema import Assignment, AuditEntry, CampaignActivity, Escalation, Notification, Readiness, UnitReport
from store.writes import record_campaign, record_event

AT = datetime(2023, 5, 12, 3, tzinfo=UTC)
TABLES = {"campaigns", "campaign_activities", "assignments", "reports", "readiness", "notifications", "escalations",
          "audit_trail", "dead_letters", "unit_links", "users", "office_sessions", "plan_drafts", "campaign_plans",
          "alembic_version"}  # fmt: skip


@pytest.fixture
def store(database_url) -> Store:
    upgrade(database_url)
    return Store(database_url)


@pytest.fixture
def seeded(store, directory) -> Store:
    plan = import_plan(SEED, directory)
    record = campaign_record("seed", "campaign/seed", plan, directory, started_at=AT)
    for _ in range(2):  # a retried activity
        with store.session() as session:
            record_campaign(session, record)
    return store


def event(n: int, kind: EventKind, **fields) -> ActivityEvent:
    fields.setdefault("activity_no", 7)
    fields.setdefault("actor", "system")
    return ActivityEvent(
        key=f"campaign/seed/activity/{fields['activity_no']}/event/{n}",
        kind=kind,
        campaign_id="seed",
        workflow_id=f"campaign/seed/activity/{fields['activity_no']}",
        at=AT,
        **fields,
    )


def report(revision: int, people: int, on_time: bool = True) -> Report:
    return Report(revision=revision, summary="Trao 120 phần quà cho công nhân", participants=people,
                  submitted_at=AT, first_submitted_at=AT, on_time=on_time, submitted_by="Bí thư")  # fmt: skip


def count(store: Store, model) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_migrations_create_every_table_from_empty(store) -> None:
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0013"
    upgrade(store.url)  # running it again changes nothing
    assert count(store, Assignment) == 0


def test_writes_are_idempotent_under_retry(seeded) -> None:
    assert count(seeded, Assignment) == 21  # every responsible unit of every activity, the described group aside
    events = [
        event(1, EventKind.READY, unit_code="bhxh", actor="bhxh", detail={"note": "Sẵn sàng"}),
        event(2, EventKind.REPORT, unit_code="bhxh", report=report(1, 40)),
        event(3, EventKind.REPORT, unit_code="bhxh", report=report(2, 45)),
        event(4, EventKind.ESCALATION, level=1, units=["khu-cnc", "ldld"]),
        event(5, EventKind.PHASE, phase=Phase.ESCALATED),
    ]
    for attempt in range(2):
        for e in events:
            with seeded.session() as session:
                assert record_event(session, e) is (attempt == 0)
    assert (count(seeded, AuditEntry), count(seeded, Readiness), count(seeded, UnitReport)) == (5, 1, 2)
    assert count(seeded, Escalation) == 1
    with seeded.session() as session:
        levels = dict(session.execute(select(Assignment.unit_code, Assignment.escalation_level)
                                      .where(Assignment.activity_no == 7)).all())  # fmt: skip
    assert levels == {"bhxh": 0, "ldld": 1, "khu-cnc": 1}


def test_notification_claimed_once(store) -> None:
    notice = Notice(key="campaign/x/activity/1/assign/a", kind=ActionKind.ASSIGNMENT, campaign_id="x",
                    activity_no=1, recipient="a", subject="Phân công", body="Kính gửi …")  # fmt: skip
    with store.session() as session:
        first = claim(session, notice, "email", "a@example.org")
    with store.session() as session:
        crashed = claim(session, notice, "email", "a@example.org")  # no mark: the process died after sending
    assert (first.go, first.previous, crashed.go, crashed.previous, crashed.attempts) == (
        True,
        None,
        True,
        "sending",
        2,
    )
    with store.session() as session:
        finish(session, notice, "email", SENT)
    with store.session() as session:
        assert claim(session, notice, "email", "a@example.org").go is False
    assert count(store, Notification) == 1


def test_export_from_the_database(seeded, tmp_path) -> None:
    for e in (
        event(1, EventKind.REPORT, unit_code="bhxh", report=report(1, 40)),
        event(2, EventKind.REPORT, unit_code="bhxh", report=report(2, 45)),
        event(3, EventKind.REPORT, unit_code="ldld", report=report(1, 12, on_time=False)),
        event(4, EventKind.CLOSED, phase=Phase.CLOSED,
              outcomes={"bhxh": Outcome.ON_TIME, "ldld": Outcome.LATE, "khu-cnc": Outcome.MISSING}),
    ):  # fmt: skip
        with seeded.session() as session:
            record_event(session, e)
    with seeded.session() as session:
        data = campaign_report(session, "seed", AT)
        with pytest.raises(CampaignNotRecorded):
            campaign_report(session, "khong-co", AT)
    seventh = data.activities[6]
    assert (seventh.no, seventh.phase) == (7, "CLOSED")
    assert [(u.code, u.outcome, u.revision, u.participants) for u in seventh.units] == [
        ("bhxh", Outcome.ON_TIME, 2, 45), ("ldld", Outcome.LATE, 1, 12), ("khu-cnc", Outcome.MISSING, None, None)
    ]  # fmt: skip

    md, xlsx, csv_path, chart = write_report(data, tmp_path, formats=("md", "xlsx", "csv"))
    text_md = md.read_text(encoding="utf-8")
    assert "# Báo cáo kết quả Kế hoạch 54-KH/ĐTN" in text_md and "![Tỷ lệ hoàn thành" in text_md
    assert "| Đoàn Bảo hiểm xã hội | Phụ trách | Đúng hạn | 2 | 45 |" in text_md
    assert chart.read_bytes().startswith(b"\x89PNG")
    book = load_workbook(xlsx)
    assert book.sheetnames[0] == "Tổng hợp" and len(book.sheetnames) == 13
    summary = book["Tổng hợp"]
    row7 = next(r for r in summary.iter_rows(values_only=True) if r[0] == 7)
    assert row7[2:10] == ("Đã kết thúc", 3, 1, 1, 0, 1, 0, 57)
    total = next(r for r in summary.iter_rows(values_only=True) if r[1] == "Cộng")
    assert total[3] == 21 and total[9] == 57
    sheet7 = book[book.sheetnames[7]]
    assert [c.value for c in sheet7[5]][:5] == ["Đoàn Bảo hiểm xã hội", "Phụ trách", "Đúng hạn", 2, 45]
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 21 and {r["Kết quả"] for r in rows if r["TT hoạt động"] == "7"} == {
        "Đúng hạn", "Trễ hạn", "Không báo cáo"
    }  # fmt: skip


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "md"])
def test_export_command(seeded, fmt, tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": seeded.url, "REPORTS_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "starter.py", "export", "--campaign", "seed", "--format", fmt],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path == tmp_path / "seed" / f"bao-cao.{fmt}" and path.stat().st_size > 0
    missing = subprocess.run([sys.executable, "starter.py", "export", "--campaign", "khong-co"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert missing.returncode == 1 and missing.stderr.strip() == "Lỗi: cơ sở dữ liệu chưa có chiến dịch khong-co"


def test_export_from_an_empty_database_says_what_to_do(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "REPORTS_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "starter.py", "export", "--campaign", "seed"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1 and "db upgrade" in done.stderr and "Traceback" not in done.stderr


def test_a_reschedule_moves_the_stored_activity_once_and_a_late_record_never_undoes_a_later_move(seeded) -> None:
    """The unit's page and the exports read the activity's dates from the store: they follow the office."""
    first = event(1, EventKind.RESCHEDULE, actor="office",
                  detail={"new_start": "2023-05-20", "new_end": "2023-05-21", "reason": "Trùng lễ"})  # fmt: skip
    second = event(2, EventKind.RESCHEDULE, actor="office",
                   detail={"new_start": "2023-05-27", "new_end": "2023-05-27", "reason": "Mưa"})  # fmt: skip
    second = second.model_copy(update={"at": AT.replace(hour=5)})
    for e in (first, first, second, first):  # retried, and the first one's record written again after the second
        with seeded.session() as session:
            record_event(session, e)
    with seeded.session() as session:
        moved = session.scalar(select(CampaignActivity).where(CampaignActivity.campaign_id == "seed",
                                                              CampaignActivity.no == 7))  # fmt: skip
        assert moved is not None and (str(moved.start), str(moved.end)) == ("2023-05-27", "2023-05-27")
    fresh = event(3, EventKind.RESCHEDULE, actor="office",
                  detail={"new_start": "2023-05-20", "new_end": "2023-05-21", "reason": "Trùng lễ"})  # fmt: skip
    with seeded.session() as session:  # arriving late (an earlier plan time): the later move stays
        record_event(session, fresh)
    with seeded.session() as session:
        moved = session.scalar(select(CampaignActivity).where(CampaignActivity.campaign_id == "seed",
                                                              CampaignActivity.no == 7))  # fmt: skip
        assert moved is not None and str(moved.start) == "2023-05-27"
