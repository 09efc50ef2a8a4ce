"""The whole plan, not only its table: the duties a plan gives every grassroots unit, the units' report
on the plan (one more activity, due at the plan's date or the window's end plus the report days), the
answers per duty, and the issuer's own tasks without a schedule row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from temporalio.client import WorkflowUpdateFailedError

from campaign.clock import VIETNAM, PlanClock, end_of_day, start_of_day
from campaign.dates import ActivityKind
from campaign.due import unanswered
from campaign.duties import PLAN_REPORT_TITLE, with_plan_report
from campaign.duty import STATUS_WORDS, DutyAnswer, duty_totals
from campaign.final_report import ActivityLine, CampaignReport, UnitLine, render_markdown
from campaign.importer import import_plan
from campaign.messages import AssignUnits, Rejected, Reschedule, SubmitReport, read_message
from campaign.policy import Policy, PolicyFile
from campaign.tracker import ActionKind, Outcome, new_activity_state
from campaign.units import UnitKind
from exports.tables import CSV_HEADINGS, duty_headings, render_csv
from harness.paths import SEED
from harness.temporal import migrated_store, time_skipping_env
from service.campaigns import build_campaign_input
from settings import Settings
from store.schema import Notification, UnitReport
from tests.applied import apply_assign, apply_report, apply_reschedule
from tests.conftest import CORPUS
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import activity_workflow_id, campaign_workflow_id

INVENTED = CORPUS / "duties" / "thang-ba.txt"


def vn(day: int, month: int, year: int = 2025, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=VIETNAM).astimezone(UTC)


def test_the_seed_gives_its_six_grassroots_duties_and_no_report_date(directory) -> None:
    plan = import_plan(SEED, directory)
    report = plan.plan_report
    assert report is not None and report.due is None
    assert [d.short.split(",")[0][:40] for d in report.duties] == [
        "Tiếp tục triển khai các giải pháp tuyên ",
        "Tiếp tục thực hiện mô hình “Chung sức cù",
        "Tổ chức các hoạt động văn hóa",
        "Tổ chức các sân chơi",
        "Triển khai các hoạt động vệ sinh khuôn v",
        "Triển khai các hoạt động cụ thể nhằm củn",
    ]
    assert "Chỉ thị số 19-CT/TU" in report.duties[4].text  # the whole text kept, one tap away
    assert all(len(d.short) <= 90 for d in report.duties) and not any(d.count_label for d in report.duties)
    assert len(plan.activities) == 12  # the schedule as read stays the table's twelve rows


def test_the_seed_started_with_defaults_has_the_plan_report_for_every_grassroots_unit(directory) -> None:
    plan = with_plan_report(import_plan(SEED, directory), directory)
    assert len(plan.activities) == 13
    report = plan.activities[-1]
    assert (report.no, report.title, report.kind) == (13, PLAN_REPORT_TITLE, ActivityKind.DEADLINE)
    assert (report.start, report.end, report.due_given) == (date(2023, 5, 1), date(2023, 5, 31), False)
    assert sorted(report.unit_codes) == sorted(u.code for u in directory.of_kind(UnitKind.UNIT))
    assert len(report.duties) == 6
    # due at the window's end plus the policy's report days, with nothing to prepare
    state = new_activity_state("c", report, directory.of_kind(UnitKind.UNIT), Policy(), [], plan.window.end)
    assert {u.due for u in state.units.values()} == {end_of_day(date(2023, 5, 31)) + timedelta(days=3)}
    kinds = {a.kind for a in unanswered(state, datetime(2023, 4, 28, tzinfo=UTC))}
    assert ActionKind.READY_REMINDER not in kinds and ActionKind.NOT_READY not in kinds
    assert {ActionKind.ASSIGNMENT, ActionKind.REPORT_REMINDER, ActionKind.ESCALATION} <= kinds
    assert with_plan_report(plan, directory) is plan  # never twice


def test_the_seed_lists_the_khoi_tasks_that_have_no_row(directory) -> None:
    plan = import_plan(SEED, directory)
    texts = [t.text for t in plan.unscheduled]
    for words in (
        "Tổ chức Hội nghị tuyên truyền chống buôn lậu",
        "Tuyên truyền chào mừng Đại hội đại biểu Công đoàn Viên chức",
        "Tiếp cận và vận động thành lập các chi đoàn tại các doanh nghiệp ngoài nhà nước tại Khu Công nghệ cao",
        "Tập trung công tác phát triển Đảng từ nguồn đoàn viên ưu tú",
    ):
        assert any(t.startswith(words) for t in texts), words
    assert not any("Thanh niên tiên tiến" in t or "Nghĩa tình" in t for t in texts)  # those have rows
    assert all(t.choice == "pending" and t.owner for t in plan.unscheduled)


def test_an_invented_plan_gives_its_own_duties_a_count_and_a_report_deadline(directory) -> None:
    plan = import_plan(INVENTED, directory)
    report = plan.plan_report
    assert report is not None
    assert [(d.no, d.line) for d in report.duties] == [(1, 16), (2, 17), (3, 18)]
    assert report.duties[0].count_label == "buổi sinh hoạt chủ điểm"
    assert (report.due, report.due_line) == (date(2025, 4, 5), 23)
    # the deadline sentence is the report on the plan, not a schedule row of its own
    assert [a.title for a in plan.activities] == ["Ra quân Tháng Thanh niên", "Ngày Chủ nhật xanh"]
    assert [(t.text, t.owner) for t in plan.unscheduled] == [
        ("Tổ chức Hội thảo “Thanh niên với chuyển đổi số” cho cán bộ Đoàn", "ĐOÀN KHỐI")
    ]
    started = with_plan_report(plan, directory).activities[-1]
    assert (started.no, started.end, started.due_given) == (3, date(2025, 4, 5), True)
    state = new_activity_state("c", started, directory.of_kind(UnitKind.UNIT), Policy(), [], plan.window.end)
    assert {u.due for u in state.units.values()} == {end_of_day(date(2025, 4, 5))}  # on the day the plan gives


def test_the_office_turning_the_report_off_leaves_the_schedule_alone(directory) -> None:
    plan = import_plan(INVENTED, directory)
    assert plan.plan_report is not None
    plan.plan_report.enabled = False
    assert len(with_plan_report(plan, directory).activities) == 2


@pytest.fixture
def plan_report_state(directory):
    plan = with_plan_report(import_plan(INVENTED, directory), directory)
    activity = plan.activities[-1]
    state = new_activity_state("c", activity, directory.of_kind(UnitKind.UNIT), Policy(), [], plan.window.end)
    return state


def answers(*statuses: str, **extra) -> list[dict]:
    return [{"duty": n, "status": s, **extra} for n, s in enumerate(statuses, start=1)]


def test_a_report_on_the_plan_answers_every_duty(plan_report_state) -> None:
    state = plan_report_state
    unit = next(iter(state.units))

    def report(duties) -> SubmitReport:
        raw = {"unit": unit, "summary": "Đã triển khai", "participants": 30, "duties": duties}
        return read_message(SubmitReport, raw)

    with pytest.raises(Rejected, match="chưa trả lời nhiệm vụ 3"):
        apply_report(state, report(answers("done", "not_done")), vn(2, 4))
    with pytest.raises(Rejected, match="cần trả lời từng nhiệm vụ"):
        apply_report(state, report(None), vn(2, 4))
    with pytest.raises(Rejected, match="nhiệm vụ 4 không có"):
        apply_report(state, report([*answers("done", "done", "done"), {"duty": 4, "status": "done"}]), vn(2, 4))
    with pytest.raises(Rejected, match="không đặt số lượng"):
        apply_report(state, report([{"duty": 2, "status": "done", "count": 3}, *answers("done")[:0]]), vn(2, 4))
    with pytest.raises(Rejected, match=r"thiếu nhiệm vụ mục 1"):
        read_message(SubmitReport, {"unit": unit, "summary": "x", "participants": 1, "duties": [{"duty": 1}]})
    good = [
        {"duty": 1, "status": "done", "participants": 40, "count": 2, "note": "Hai buổi\nở hội trường"},
        {"duty": 2, "status": "not_done", "note": "Mưa lớn"},
        {"duty": 3, "status": "not_applicable"},
    ]
    receipt = apply_report(state, report(good), vn(2, 4))
    assert receipt.on_time and state.units[unit].report.duties[0].count == 2
    assert [a.status for a in state.units[unit].report.duties] == ["done", "not_done", "not_applicable"]


def test_a_report_elsewhere_takes_no_duties(directory) -> None:
    plan = import_plan(INVENTED, directory)
    activity = plan.activities[0]
    units = [directory.get(code) for code in activity.unit_codes]
    state = new_activity_state("c", activity, units, Policy(), [], plan.window.end)
    raw = {"unit": units[0].code, "summary": "Xong", "participants": 5, "duties": answers("done")}
    with pytest.raises(Rejected, match="không có nhiệm vụ"):
        apply_report(state, read_message(SubmitReport, raw), vn(3, 3))


def test_a_deadline_activity_has_no_readiness_reminders(plan_report_state) -> None:
    state = plan_report_state.model_copy(deep=True)
    state.activity.duties = []  # a deadline activity from the body, not the report on the plan
    kinds = {a.kind for a in unanswered(state, state.event_start - timedelta(days=4))}
    assert ActionKind.READY_REMINDER not in kinds and ActionKind.ASSIGNMENT in kinds


def test_a_report_by_a_given_day_stays_on_its_day_when_moved_or_a_unit_is_added(directory) -> None:
    """Reports due on the day the plan gives (no report days after it): a reschedule moves them to the new
    day, and a unit named late is due on that day too, or after the policy's time to report if that is later."""
    plan = import_plan(INVENTED, directory)
    started = with_plan_report(plan, directory).activities[-1]
    units = directory.of_kind(UnitKind.UNIT)
    state = new_activity_state("c", started, units[:-1], Policy(), [], plan.window.end)
    apply_reschedule(state, Reschedule(new_start=started.start, new_end=date(2025, 4, 9), reason="Lùi hạn"),
                     vn(1, 4))  # fmt: skip
    assert {u.due for u in state.units.values()} == {end_of_day(date(2025, 4, 9))}
    early = apply_assign(state, AssignUnits(units=[units[-1]]), vn(2, 4))
    assert [u.due for u in early] == [end_of_day(date(2025, 4, 9))]
    late_plan = state.model_copy(deep=True)
    late_plan.units.pop(units[-1].code)
    late = apply_assign(late_plan, AssignUnits(units=[units[-1]]), vn(8, 4))
    assert [u.due for u in late] == [vn(8, 4) + Policy().report_due]


def test_totals_and_the_final_report_section(directory) -> None:
    plan = with_plan_report(import_plan(INVENTED, directory), directory)
    activity = plan.activities[-1]
    done = [DutyAnswer(duty=1, status="done", participants=30, count=2), DutyAnswer(duty=2, status="not_done"),
            DutyAnswer(duty=3, status="not_applicable")]  # fmt: skip
    other = [DutyAnswer(duty=1, status="done", participants=12, count=1), DutyAnswer(duty=2, status="done"),
             DutyAnswer(duty=3, status="done")]  # fmt: skip
    totals = duty_totals(activity.duties, [done, other])
    assert [(t.done, t.not_done, t.not_applicable, t.participants, t.count) for t in totals] == [
        (2, 0, 0, 42, 3),
        (1, 1, 0, 0, 0),
        (1, 0, 1, 0, 0),
    ]
    line = ActivityLine(
        no=activity.no, title=activity.title, start=activity.start, end=activity.end, place="", phase="CLOSED",
        escalations=0, duties=activity.duties,
        units=[
            UnitLine(code="a", name="Đoàn A", role="lead", outcome=Outcome.ON_TIME, revision=1, duties=done),
            UnitLine(code="b", name="Đoàn B", role="lead", outcome=Outcome.LATE, revision=2, duties=other),
            UnitLine(code="c", name="Đoàn C | x", role="lead", outcome=Outcome.MISSING),
        ],
    )  # fmt: skip
    report = CampaignReport(
        campaign_id="c", plan_code="33-KH/ĐTN", title="t", window_start=plan.window.start,
        window_end=plan.window.end, status="CLOSED", recipients=[], activities=[line], generated_at=vn(6, 4),
    )  # fmt: skip
    text = render_markdown(report)
    section = text.split("## Kết quả thực hiện tại cơ sở")[1]
    assert "Theo báo cáo của 2/3 cơ sở" in section
    assert (
        "| 1 | Tổ chức ít nhất 02 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên | 2 | 0 | 0 | 42 | " in section
    )
    assert "3 buổi sinh hoạt chủ điểm" in section
    assert "- Đoàn C \\| x" in section
    rows = list(csv.reader(io.StringIO(render_csv(report))))  # the same answers in the CSV export's last columns
    assert rows[0] == [*CSV_HEADINGS, *duty_headings(activity.duties)]
    first, silent = (dict(zip(rows[0], row, strict=True)) for row in (rows[1], rows[3]))
    assert (first["Mã đơn vị"], first["NV1: người tham gia"], first["NV1: số buổi sinh hoạt chủ điểm"]) == (
        "a",
        "30",
        "2",
    )
    assert first[f"NV2: {activity.duties[1].short}"] == STATUS_WORDS["not_done"]
    assert silent["Mã đơn vị"] == "c" and all(silent[h] == "" for h in duty_headings(activity.duties))


# --- on the time-skipping server ---------------------------------------------------------------------


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_the_units_report_on_the_plan_runs_as_a_deadline_activity(env, directory, tmp_path) -> None:
    plan = import_plan(INVENTED, directory)
    campaign = build_campaign_input(plan, directory, PolicyFile(), "ba", 1.0, rebase_now=False)
    campaign.plan_origin = start_of_day(date(2025, 2, 20))
    grassroots = [u.code for u in directory.of_kind(UnitKind.UNIT)]
    assert [a.no for a in campaign.plan.activities] == [1, 2, 3]
    store = migrated_store(f"sqlite:///{tmp_path / 'c.db'}")
    async with worker(env.client, store, Settings(reports_dir=tmp_path / "reports")) as queue:
        clock = PlanClock(plan_origin=campaign.plan_origin, wall_origin=await env.get_current_time())
        handle = await env.client.start_workflow(
            CampaignWorkflow.run, campaign, id=campaign_workflow_id("ba"), task_queue=queue
        )
        report_on_plan = env.client.get_workflow_handle(activity_workflow_id("ba", 3))

        async def at(moment: datetime) -> None:
            await env.sleep((moment - clock.plan_now(await env.get_current_time())).total_seconds())

        def report(unit: str, duties: list[dict] | None) -> dict:
            return {"unit": unit, "summary": "Đã triển khai đến các chi đoàn", "participants": 25, "duties": duties}

        await at(vn(3, 3))
        status = await report_on_plan.query(CampaignActivityWorkflow.status)
        assert status.preparation_free and [d.no for d in status.duties] == [1, 2, 3]
        assert sorted(u.code for u in status.units) == sorted(grassroots)
        await at(vn(31, 3))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await report_on_plan.execute_update(CampaignActivityWorkflow.submit_report, report(grassroots[0], None))
        assert "cần trả lời từng nhiệm vụ" in str(refused.value.cause)
        duties = [{"duty": 1, "status": "done", "participants": 40, "count": 2}, {"duty": 2, "status": "not_done"},
                  {"duty": 3, "status": "not_applicable", "note": "Chưa có đoàn viên đủ điều kiện"}]  # fmt: skip
        receipt = await report_on_plan.execute_update(
            CampaignActivityWorkflow.submit_report, report(grassroots[0], duties)
        )
        assert receipt.on_time
        await at(vn(7, 4))  # after the plan's 05/4: the rest are overdue and go to the Standing Committee
        overview = await handle.query(CampaignWorkflow.overview)
        third = next(a for a in overview.activities if a.no == 3)
        assert third.phase.value == "ESCALATED" and third.late == len(grassroots) - 1
        late = await report_on_plan.execute_update(
            CampaignActivityWorkflow.submit_report,
            report(grassroots[1], [{"duty": n, "status": "done", "participants": 5} for n in (1, 2, 3)]),
        )
        assert late.on_time is False
        result = await handle.result()

    with store.session() as session:
        ready = session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.activity_no == 3, Notification.kind.in_(["ready_reminder", "not_ready"]))
        )
        assert ready == 0  # nothing to prepare for a report
        stored = session.scalars(select(UnitReport.duties).where(UnitReport.activity_no == 3)).all()
        assert sorted(len(d or []) for d in stored) == [3, 3]
    text = Path(result.report_files[0]).read_text(encoding="utf-8")
    section = text.split("## Kết quả thực hiện tại cơ sở")[1]
    assert f"Theo báo cáo của 2/{len(grassroots)} cơ sở" in section
    first = "| 1 | Tổ chức ít nhất 02 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên"
    assert f"{first} | 2 | 0 | 0 | 45 |" in section


def _plan_asking(organise: list[str], directory):
    """An invented body plan with three dated items and `organise` under "Tổ chức thực hiện"."""
    from campaign.importer import import_lines

    lines = ["ĐOÀN KHỐI", "Số: 41-KH/ĐTN", "TP. Hồ Chí Minh, ngày 20 tháng 10 năm 2026", "", "KẾ HOẠCH",
             "Tổ chức các hoạt động tháng 11 năm 2026", "(Từ ngày 01/11/2026 đến ngày 30/11/2026)", "II. NỘI DUNG",
             "1. Hội thi tìm hiểu pháp luật cho đoàn viên", "- Thời gian: 07/11/2026",
             "- Đơn vị thực hiện: Đoàn Bảo hiểm xã hội", "2. Giải bóng đá đoàn viên", "- Thời gian: 21/11/2026",
             "- Đơn vị thực hiện: Đoàn Khu Công nghệ cao", "III. TỔ CHỨC THỰC HIỆN", *organise, "Nơi nhận:",
             "- Lưu VP."]  # fmt: skip
    return import_lines(lines, directory), lines


@pytest.mark.parametrize(
    "sentence",
    [
        "1. Các đơn vị báo cáo kết quả về Văn phòng Đoàn Khối trước ngày 30/12/2026.",
        "- Các cơ sở Đoàn gửi báo cáo kết quả thực hiện kế hoạch về Văn phòng Đoàn Khối chậm nhất ngày 30/12/2026.",
        "2. Đoàn cơ sở báo cáo kết quả thực hiện về Ban Thường vụ trước 30/12/2026.",
        "Các đơn vị trực thuộc: báo cáo kết quả hạn chót 30/12/2026.",
    ],
)
def test_the_units_asked_to_report_on_the_plan_give_its_deadline_not_an_activity(sentence, directory) -> None:
    plan, lines = _plan_asking([sentence], directory)
    assert [a.title for a in plan.activities] == ["Hội thi tìm hiểu pháp luật cho đoàn viên", "Giải bóng đá đoàn viên"]
    report = plan.plan_report
    assert report is not None and (report.due, report.due_line) == (date(2026, 12, 30), lines.index(sentence) + 1)
    started = with_plan_report(plan, directory).activities[-1]
    assert (started.title, started.end, started.due_given) == (PLAN_REPORT_TITLE, date(2026, 12, 30), True)
    assert started.unit_codes == [u.code for u in directory.of_kind(UnitKind.UNIT)]


@pytest.mark.parametrize(
    "sentence",
    [
        "1. Các đơn vị gửi danh sách đội tuyển về Văn phòng Đoàn Khối trước ngày 05/11/2026.",
        "1. Các đơn vị báo cáo kết quả Hội thi tìm hiểu pháp luật về Văn phòng trước ngày 15/11/2026.",
        "1. Các đơn vị báo cáo số lượng đoàn viên hiến máu về Văn phòng trước ngày 15/11/2026.",
    ],
)
def test_a_deadline_for_something_else_stays_an_activity(sentence, directory) -> None:
    plan, _ = _plan_asking([sentence], directory)
    assert plan.plan_report is None
    assert len(plan.activities) == 3 and plan.activities[-1].kind is ActivityKind.DEADLINE


def test_the_units_duties_under_cac_don_vi_and_their_report_date(directory) -> None:
    organise = ["1. Văn phòng Đoàn Khối: theo dõi, tổng hợp.", "2. Các đơn vị:",
                "- Tổ chức ít nhất 01 buổi sinh hoạt chuyên đề về pháp luật.",
                "- Báo cáo kết quả thực hiện kế hoạch về Văn phòng Đoàn Khối trước ngày 05/12/2026."]  # fmt: skip
    plan, lines = _plan_asking(organise, directory)
    report = plan.plan_report
    assert report is not None
    assert [d.text for d in report.duties] == ["Tổ chức ít nhất 01 buổi sinh hoạt chuyên đề về pháp luật."]
    assert (report.due, report.due_line) == (date(2026, 12, 5), len(lines) - 2)
    assert len(plan.activities) == 2
