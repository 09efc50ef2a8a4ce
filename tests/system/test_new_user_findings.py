"""What a new user found (issue 11): each finding as a test that failed before its fix."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date

import pytest
import pytest_asyncio
from sqlalchemy import select
from typer.testing import CliRunner

from campaign.due import decide, mark_done, next_wake
from campaign.facts import campaign_record
from campaign.final_report import ActivityLine, CampaignReport, render_markdown
from campaign.importer import import_plan
from campaign.message_rules import find_unit
from campaign.messages import AssignUnits, Rejected, SubmitReport, read_message
from campaign.notices import compose
from campaign.plan import ResponsibleParty
from campaign.policy import PolicyFile
from campaign.tracker import ActionKind
from campaign.units import Unit, UnitKind, load_directory
from campaign.views import unit_table
from harness.net import free_port
from harness.paths import ROOT, SEED, UNITS
from harness.temporal import migrated_store, time_skipping_env
from service.campaigns import build_campaign_input
from service.ui_links import campaign_views
from settings import Settings
from starter import app
from store.schema import Assignment, AuditEntry, Notification
from store.writes import record_campaign
from tests.applied import apply_assign, apply_report
from tests.helpers import advance_to, make, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow

# --- the campaign's own rules --------------------------------------------------------------


def test_rebase_now_starts_the_campaign_when_the_plan_is_issued(directory) -> None:
    plan = import_plan(SEED, directory)
    campaign = build_campaign_input(plan, directory, PolicyFile(), None, 1.0, rebase_now=True)
    assert plan.issued_on == date(2023, 4, 28)
    assert campaign.plan_origin == vn(28, 4)  # not 01/05, when activities 1–6 already take place
    given = build_campaign_input(plan, directory, PolicyFile(), None, 1.0, rebase_now=True, rebase_to=date(2023, 4, 20))
    assert given.plan_origin == vn(20, 4)


def test_a_unit_assigned_after_the_readiness_deadline_is_not_given_a_past_deadline() -> None:
    state = make(start=date(2023, 5, 1))  # readiness due by the end of 28/04, reminders on 28/04 and 30/04
    now = vn(29, 4, hour=9)  # the office starts the campaign a day after the plan was issued
    actions = decide(state, now)
    assignment = next(a for a in actions if a.kind is ActionKind.ASSIGNMENT)
    body = compose(state, assignment, now, "campaign/c/activity/7").body
    assert "đã qua khi đơn vị được phân công" in body and "trước khi hoạt động bắt đầu (00:00 01/05/2023)" in body
    assert "Đề nghị đơn vị xác nhận sẵn sàng trước hết ngày 28/04/2023" not in body
    # no readiness reminder whose time had passed before the unit was even assigned
    assert [a.kind for a in actions if a.recipient == "a"] == [ActionKind.ASSIGNMENT]
    for action in actions:
        mark_done(state, action, now)
    later = decide(state, vn(30, 4, hour=1))
    assert [(a.kind, a.at) for a in later if a.recipient == "a"] == [(ActionKind.READY_REMINDER, vn(30, 4))]


def test_a_report_before_the_event_is_refused_unless_the_office_says_why() -> None:
    state = make()
    early = {"unit": "a", "summary": "Đã làm", "participants": 5}
    with pytest.raises(Rejected, match="hoạt động 7 chưa diễn ra"):
        apply_report(state, read_message(SubmitReport, early), vn(10))
    receipt = apply_report(
        state, read_message(SubmitReport, {**early, "before_event_reason": "Đơn vị làm sớm theo chỉ đạo"}), vn(10)
    )
    assert receipt.revision == 1 and receipt.on_time
    assert apply_report(state, read_message(SubmitReport, {**early, "unit": "b"}), vn(11, hour=8)).revision == 1


def test_assigning_units_to_a_described_group() -> None:
    group = ResponsibleParty(name="Các cơ sở Đoàn có chuyên môn quản lý dự án", group=True)
    state = make(units=[])
    state.activity = state.activity.model_copy(update={"responsible": [group]})
    state.unassigned = [group.name]
    message = read_message(AssignUnits, {"units": [{"code": "x", "name": "Đoàn Sở X", "email": "x@example.org"}]})
    added = apply_assign(state, message, vn(2))
    assert [u.code for u in added] == ["x"] and state.unassigned == []
    assert [a.kind for a in decide(state, vn(2))] == [ActionKind.ASSIGNMENT]
    with pytest.raises(Rejected, match="đã được phân công"):
        apply_assign(state, message, vn(3))
    late = apply_assign(state, read_message(AssignUnits, {"units": [{"code": "y", "name": "Đoàn Sở Y"}]}), vn(14))
    assert late[0].due == vn(17)  # assigned after the event: three days from now, not a deadline already past


# --- the Temporal UI as the audit tool ----------------------------------------------------


def test_summaries_and_details_do_not_start_like_a_list_and_speak_vietnamese() -> None:
    state = make()
    table = unit_table(state, vn(2))
    assert table.startswith("**7\\. Nghĩa tình") and "— Chuẩn bị" in table and "PREPARING" not in table


def test_an_escalation_timer_names_every_unit_it_waits_for() -> None:
    state = make(units=[Unit(code=c, name=f"Đoàn {c}") for c in ("a", "b", "c", "d", "e")])
    at, label = next_wake(state, vn(15, hour=1))  # every unit's report is late; escalation when 16/05 begins
    assert at == vn(16) and label == "báo cáo Ban Thường vụ về a, b, c và 2 đơn vị khác (5)"


def test_the_chart_note_names_the_activities_it_leaves_out() -> None:
    line = ActivityLine(no=6, title="Cuộc thi", start=date(2023, 5, 1), end=date(2023, 5, 31), place="",
                        phase="CLOSED", escalations=0, units=[])  # fmt: skip
    report = CampaignReport(campaign_id="c", plan_code="54-KH/ĐTN", title="T", window_start=date(2023, 5, 1),
                            window_end=date(2023, 5, 31), status="CLOSED", recipients=[], activities=[line],
                            generated_at=vn(1, 6))  # fmt: skip
    text = render_markdown(report, chart="hoan-thanh.png")
    assert "Biểu đồ không gồm hoạt động chưa phân công đơn vị: 6." in text
    assert "| Đã kết thúc |" in text


def test_the_demo_prints_list_views_for_its_own_campaign() -> None:
    views = dict(campaign_views("http://localhost:18233", "default", "demo-1"))
    assert views["cả chiến dịch"] == (
        "http://localhost:18233/namespaces/default/workflows?query=CampaignId%20%3D%20%27demo-1%27"
    )
    assert "Phase%20%3D%20%27ESCALATED%27" in views["đang báo cáo Ban Thường vụ"]


# --- what a client is told ------------------------------------------------------------------


def test_a_misspelled_unit_gets_the_closest_names() -> None:
    state = make()
    with pytest.raises(Rejected, match=r"có phải: Đoàn Sở A \(a\)"):
        find_unit(state, "Doan So AA")


def test_assign_with_an_unknown_unit_offers_the_directory_names() -> None:
    result = CliRunner().invoke(app, ["assign", "--campaign", "c", "--activity", "6", "--unit", "Doan So Noi vuu"])
    assert result.exit_code == 2 and "gần nhất" in result.output and "Đoàn Sở Nội vụ" in result.output


def test_server_not_running_is_one_sentence_with_what_to_do() -> None:
    env = {**os.environ, "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}"}
    quiet = subprocess.run([sys.executable, "starter.py", "status", "--campaign", "x"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    loud = subprocess.run([sys.executable, "starter.py", "--verbose", "status", "--campaign", "x"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert quiet.returncode == 1 and len(quiet.stderr.strip().splitlines()) == 1
    assert "starter.py dev-server" in quiet.stderr and "TEMPORAL_ADDRESS" in quiet.stderr
    assert "tonic" not in quiet.stderr and "Chi tiết:" in loud.stderr


# --- assign on a running activity (a real server) ----------------------------------------


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_assign_reaches_the_running_activity_and_the_store(env, tmp_path) -> None:
    store = migrated_store(f"sqlite:///{tmp_path / 'a.db'}")
    office = Unit(code="van-phong", name="Văn phòng Đoàn Khối", kind=UnitKind.OFFICE)
    cid = f"as-{uuid.uuid4().hex[:6]}"
    with store.session() as session:  # the campaign's record, as the campaign workflow writes it at its start
        record_campaign(
            session, campaign_record(cid, f"campaign/{cid}", import_plan(SEED), load_directory(UNITS), vn(1))
        )
    async with worker(env.client, store, Settings(reports_dir=tmp_path)) as queue:
        handle = await start(env, queue, units=[], office=office, campaign_id=cid)
        await advance_to(env, handle, vn(2))
        said = await handle.execute_update(
            CampaignActivityWorkflow.assign_units,
            {"units": [{"code": "so-y-te", "name": "Đoàn Sở Y tế", "email": "yte@example.org"}], "reason": "BTV"},
        )
        await advance_to(env, handle, vn(12))
        receipt = await handle.execute_update(
            CampaignActivityWorkflow.submit_report, {"unit": "so-y-te", "summary": "Khám bệnh", "participants": 9}
        )
        result = await handle.result()  # its only unit reported after the event: the activity closes
    assert result.phase.value == "CLOSED"
    assert "Đã phân công Đoàn Sở Y tế cho hoạt động 7" in said and receipt.on_time
    with store.session() as session:
        assigned = session.scalars(select(Assignment.unit_code)).all()
        notices = session.scalars(select(Notification.key).where(Notification.kind == "assignment")).all()
        audit = session.scalars(select(AuditEntry.action)).all()
    assert "so-y-te" in assigned and any(k.endswith("/assign/so-y-te#log") for k in notices)
    assert "assign" in audit
