"""Pure pieces behind records and reports: digest timing and text, who receives the final report."""

from __future__ import annotations

from datetime import UTC, datetime

from campaign.clock import VIETNAM
from campaign.digest import next_monday_morning, weekly_digest
from campaign.distribution import final_report_notices, recipients_in_directory
from campaign.facts import campaign_record
from campaign.importer import import_plan
from campaign.tracker import Phase
from campaign.units import UnitKind
from campaign.views import ActivitySummary
from harness.paths import SEED


def vn(day: int, month: int = 5, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2023, month, day, hour, minute, tzinfo=VIETNAM).astimezone(UTC)


def test_next_monday_morning_is_plan_time_in_vietnam() -> None:
    assert next_monday_morning(vn(1)) == vn(1, hour=8)  # 1/5/2023 is a Monday
    assert next_monday_morning(vn(1, hour=8)) == vn(8, hour=8)
    assert next_monday_morning(vn(3, hour=15)) == vn(8, hour=8)
    assert next_monday_morning(vn(7, hour=23, minute=59)) == vn(8, hour=8)


def test_weekly_digest_counts_this_weeks_escalations() -> None:
    summaries = [
        ActivitySummary(no=7, title="Nghĩa tình thanh niên công nhân", phase=Phase.ESCALATED, pending=["ldld"],
                        overdue=["ldld"], escalation_level=2, reported=2, ready=3, units=3, escalations_sent=2),
        ActivitySummary(no=9, title="Thăm Mẹ Việt Nam Anh hùng", phase=Phase.PREPARING, pending=["cum-2"], overdue=[],
                        escalation_level=0, reported=0, ready=0, units=1),
    ]  # fmt: skip
    notice = weekly_digest("seed", "54-KH/ĐTN", summaries, {7: 1}, vn(22, hour=8))
    assert notice.key == "campaign/seed/digest/20230522" and notice.recipient == "committee"
    assert "7. Nghĩa tình thanh niên công nhân — Đã báo cáo BTV: đã báo cáo 2/3, chờ 1, quá hạn 1 (ldld)" in notice.body
    assert "báo cáo BTV trong tuần: 1" in notice.body
    assert "9. Thăm Mẹ Việt Nam Anh hùng — Chuẩn bị: đã báo cáo 0/1, chờ 1, quá hạn 0" in notice.body


def test_recipients_map_through_the_directory(directory) -> None:
    plan = import_plan(SEED, directory)
    units, unknown = recipients_in_directory(plan.recipients, directory)
    codes = [u.code for u in units]
    assert codes[0] == "btv" and codes[-1] == "van-phong"
    assert set(codes[1:-1]) == {u.code for u in directory.of_kind(UnitKind.UNIT)}
    assert unknown == ["Thành Đoàn: Đ/c Thường trực phụ trách, Ban CNLĐ", "Đảng ủy Khối: TT, BDV",
                       "Công đoàn Viên chức Thành phố"]  # fmt: skip


def test_campaign_record_names_each_unit_once(directory) -> None:
    plan = import_plan(SEED, directory)
    record = campaign_record("seed", "campaign/seed", plan, directory, vn(1))
    assert [a.no for a in record.activities] == list(range(1, 13))
    for activity in record.activities:
        codes = [a.unit_code for a in activity.assignments]
        assert len(codes) == len(set(codes))
    assert record.activities[6].workflow_id == "campaign/seed/activity/7"
    assert sum(len(a.assignments) for a in record.activities) == 21


def test_final_report_notices_tell_the_office_who_to_send_by_hand(directory) -> None:
    plan = import_plan(SEED, directory)
    units, unknown = recipients_in_directory(plan.recipients, directory)
    notices = final_report_notices("seed", plan.code, plan.title, units, ["/r/bao-cao.md"], [], unknown)
    assert len(notices) == len(units) and len({n.key for n in notices}) == len(units)
    office = next(n for n in notices if n.recipient == "van-phong")
    assert "cần gửi trực tiếp: Thành Đoàn" in office.body and "- /r/bao-cao.md" in office.body
    committee = next(n for n in notices if n.recipient == "btv")
    assert committee.body.startswith("Kính gửi Ban Thường vụ Đoàn Khối,") and "trực tiếp" not in committee.body
