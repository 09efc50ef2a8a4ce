"""The whole seed campaign on the time-skipping server: children, overview, per-unit outcomes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest_asyncio
from openpyxl import load_workbook
from sqlalchemy import func, select

from campaign.clock import VIETNAM, PlanClock, start_of_day
from campaign.importer import import_plan
from campaign.messages import ConfirmReady, ExcuseUnit, SubmitReport
from campaign.policy import PolicyFile
from campaign.units import UnitKind
from campaign.workdays import vietnam_holidays
from harness.paths import SEED
from harness.temporal import migrated_store, time_skipping_env
from settings import Settings
from store.schema import Assignment, AuditEntry, Campaign, Escalation, Notification, Readiness, UnitReport
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id
from workflows.inputs import CampaignInput


def vn(day: int, month: int = 5, hour: int = 12) -> datetime:
    return datetime(2023, month, day, hour, tzinfo=VIETNAM).astimezone(UTC)


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_seed_campaign_end_to_end(env, directory, tmp_path) -> None:
    plan = import_plan(SEED, directory)
    campaign = CampaignInput(
        campaign_id="seed",
        plan=plan,
        directory=directory,
        policy=PolicyFile(),
        holidays=vietnam_holidays([2023]),
        plan_origin=start_of_day(date(2023, 5, 1)),
    )
    store = migrated_store(f"sqlite:///{tmp_path / 'campaign.db'}")
    settings = Settings(reports_dir=tmp_path / "reports")
    async with worker(env.client, store, settings) as queue:
        clock = PlanClock(plan_origin=campaign.plan_origin, wall_origin=await env.get_current_time())
        handle = await env.client.start_workflow(
            CampaignWorkflow.run, campaign, id=campaign_workflow_id("seed"), task_queue=queue
        )

        async def at(moment: datetime) -> None:
            await env.sleep((moment - clock.plan_now(await env.get_current_time())).total_seconds())

        async def send(no: int, update, message):
            child = env.client.get_workflow_handle(activity_workflow_id("seed", no))
            return await child.execute_update(update, message)

        def report(unit: str, people: int) -> SubmitReport:
            return SubmitReport(unit=unit, summary="Đã thực hiện", participants=people, submitted_by="Bí thư")

        await at(vn(5))
        await send(7, CampaignActivityWorkflow.confirm_ready, ConfirmReady(unit="Đoàn Bảo hiểm xã hội"))
        await send(1, CampaignActivityWorkflow.excuse_unit, ExcuseUnit(unit="bao-nld", reason="Đơn vị đang sáp nhập"))
        await at(vn(12))
        await send(7, CampaignActivityWorkflow.submit_report, report("bhxh", 40))
        overview = await handle.query(CampaignWorkflow.overview)
        phases = {a.no: a.phase.value for a in overview.activities}
        assert phases[1] == "IN_EVENT" and phases[7] == "COLLECTING" and phases[12] == "PREPARING"
        await at(vn(17))
        overview = await handle.query(CampaignWorkflow.overview)
        seventh = next(a for a in overview.activities if a.no == 7)
        assert (seventh.phase.value, sorted(seventh.overdue)) == ("ESCALATED", ["khu-cnc", "ldld"])
        late = await send(7, CampaignActivityWorkflow.submit_report, report("ldld", 12))
        assert late.on_time is False
        await send(1, CampaignActivityWorkflow.submit_report, report("so-vhtt", 80))
        await at(vn(24))
        await send(10, CampaignActivityWorkflow.submit_report, report("Doan So Noi vu", 150))
        await at(vn(5, 6))
        await send(1, CampaignActivityWorkflow.submit_report, report("dai-tnnd", 25))

        result = await handle.result()
        final = await handle.query(CampaignWorkflow.overview)

    outcomes = {(a.no, u.code): u.outcome.value for a in result.activities for u in a.units}
    assert outcomes[(7, "bhxh")] == "on_time"
    assert outcomes[(7, "ldld")] == "late"
    assert outcomes[(7, "khu-cnc")] == "missing"
    assert outcomes[(10, "so-noi-vu")] == "on_time"
    assert outcomes[(1, "so-vhtt")] == "on_time"
    assert outcomes[(1, "dai-tnnd")] == "late"
    assert outcomes[(1, "bao-nld")] == "excused"
    assert outcomes[(12, "van-phong")] == "missing"
    assert len(outcomes) == 21  # every responsible unit of every activity, the described group aside
    assert [a.no for a in result.activities] == list(range(1, 13))
    assert all(a.phase.value == "CLOSED" for a in result.activities)
    sixth = result.activities[5]
    assert sixth.units == [] and sixth.reminders_sent == 0  # activity 6 waits for the office's assignment
    assert final.phase == "CLOSED"

    # The system of record holds what happened, once each.
    with store.session() as session:

        def rows(model, *where) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        assert session.get(Campaign, "seed").status == "CLOSED"
        assert rows(Assignment) == 21 and rows(Assignment, Assignment.outcome.is_(None)) == 0
        assert rows(Assignment, Assignment.outcome == "missing") == outcomes_count(outcomes, "missing")
        assert (rows(UnitReport), rows(Readiness)) == (5, 1)
        assert rows(Escalation) > 0 and rows(AuditEntry, AuditEntry.action == "excuse") == 1
        assert rows(Notification, Notification.status != "sent") == 0
        digests = session.scalars(select(Notification.key).where(Notification.kind == "digest")).all()
        assert {k.split("/")[3].split("#")[0] for k in digests} >= {
            "20230501",
            "20230508",
            "20230515",
            "20230522",
            "20230529",
        }
        recipients = rows(Notification, Notification.kind == "final_report")
        assert recipients == 1 + 1 + len(directory.of_kind(UnitKind.UNIT))  # BTV, the office, every grassroots unit

    md, xlsx, chart = (Path(p) for p in result.report_files)
    assert md.parent == tmp_path / "reports" / "seed" and chart.suffix == ".png"
    text = md.read_text(encoding="utf-8")
    assert "| Đoàn Bảo hiểm xã hội | Phụ trách | Đúng hạn | 1 | 40 |" in text
    assert "## Đơn vị chưa báo cáo" in text and "- Đoàn Khu Công nghệ cao" in text
    summary = load_workbook(xlsx)["Tổng hợp"]
    seventh_row = next(r for r in summary.iter_rows(values_only=True) if r[0] == 7)
    assert seventh_row[3:10] == (3, 1, 1, 0, 1, 0, 52)


def outcomes_count(outcomes: dict, value: str) -> int:
    return sum(1 for v in outcomes.values() if v == value)
