"""The seed plan 54-KH/ĐTN, parsed exactly."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.importer import import_plan
from campaign.plan import Plan
from harness.paths import SEED

MAY = (date(2023, 5, 1), date(2023, 5, 31))

EXPECTED = {
    # no: (kind, start, end, place, [(unit_code or name, role)])
    1: ("whole_month", *MAY, "Cơ sở Đoàn", ["so-vhtt", "dai-tnnd", "bao-nld"]),
    2: ("whole_month", *MAY, "Cơ sở Đoàn", ["cum-4"]),
    3: ("whole_month", *MAY, "Trực tuyến", ["bao-phu-nu"]),
    4: ("whole_month", *MAY, "Trực tuyến", ["cum-6"]),
    5: ("whole_month", *MAY, "Cơ sở", ["toa-an", "vien-kiem-sat"]),
    6: ("whole_month", *MAY, "Trực tuyến", ["Các cơ sở Đoàn có chuyên môn quản lý dự án"]),
    7: ("single_day", date(2023, 5, 11), date(2023, 5, 11), "Khu Công nghệ cao", ["bhxh", "ldld", "khu-cnc"]),
    8: (
        "single_day",
        date(2023, 5, 18),
        date(2023, 5, 18),
        "Bảo tàng Hồ Chí Minh – Chi nhánh Thành phố Hồ Chí Minh",
        ["van-phong", "so-vhtt"],
    ),
    9: ("single_day", date(2023, 5, 19), date(2023, 5, 19), "Huyện Củ Chi", ["van-phong", "cum-2", "cum-5", "cum-8"]),
    10: ("single_day", date(2023, 5, 23), date(2023, 5, 23), "Huyện Nhà Bè", ["so-noi-vu"]),
    11: ("single_day", date(2023, 5, 25), date(2023, 5, 25), "Quận 8", ["so-xay-dung", "so-tnmt"]),
    12: ("single_day", date(2023, 5, 28), date(2023, 5, 28), "Cơ sở", ["van-phong"]),
}


@pytest.fixture(scope="module")
def plan(directory) -> Plan:
    return import_plan(SEED, directory)


def test_header(plan: Plan) -> None:
    assert plan.code == "54-KH/ĐTN"
    assert plan.issued_on == date(2023, 4, 28)
    assert plan.title == "Tổ chức các hoạt động hưởng ứng Tháng “Công chức, Viên chức – Lao động” lần thứ 15 năm 2023"
    assert (plan.window.start, plan.window.end) == MAY
    assert plan.recipients == [
        "Thành Đoàn: Đ/c Thường trực phụ trách, Ban CNLĐ",
        "Đảng ủy Khối: TT, BDV",
        "Công đoàn Viên chức Thành phố",
        "BTV Đoàn Khối",
        "Cơ sở Đoàn",
        "Lưu: VP",
    ]


def test_twelve_activities_across_the_repeated_header(plan: Plan) -> None:
    assert [a.no for a in plan.activities] == list(range(1, 13))


@pytest.mark.parametrize("no", sorted(EXPECTED))
def test_each_activity(plan: Plan, no: int) -> None:
    kind, start, end, place, parties = EXPECTED[no]
    activity = plan.activity(no)
    assert (activity.kind.value, activity.start, activity.end, activity.place) == (kind, start, end, place)
    assert [p.unit_code or p.name for p in activity.responsible] == parties
    assert all(p.role == "lead" for p in activity.responsible)


def test_titles_keep_curly_quotes(plan: Plan) -> None:
    assert plan.activity(2).title == "Đẩy mạnh cuộc bình chọn “Câu chuyện đẹp công sở”"
    assert plan.activity(12).title == "Ngày Chủ nhật xanh"


def test_seed_lint_findings(plan: Plan) -> None:
    found = {(f.kind, f.line) for f in plan.findings}
    assert found == {
        ("invalid_date", 19),  # Kết luận 14-KL/TW "ngày 29/2/2021": 2021 is not a leap year
        ("weekday_mismatch", 85),  # "Ngày Chủ nhật xanh (ngày 25/5/2023)": a Thursday
        ("date_conflict", 85),  # the body says 25/5, the schedule 28/5
        ("needs_assignment", 149),  # activity 6 names a described group
    }
    conflict = next(f for f in plan.findings if f.kind == "date_conflict")
    assert "25/05/2023" in conflict.message and "28/05/2023" in conflict.message
    weekday = next(f for f in plan.findings if f.kind == "weekday_mismatch")
    assert "Thứ Năm" in weekday.message


def test_contract_shape(plan: Plan) -> None:
    data = plan.contract()
    assert list(data) == ["code", "issued_on", "title", "window", "recipients", "activities", "findings", "columns"]
    assert list(data["activities"][0]) == [
        "no", "title", "kind", "start", "end", "place", "responsible", "number", "start_time",
    ]  # fmt: skip
    assert data["columns"] == {"no": "TT", "title": "HOẠT ĐỘNG", "time": "THỜI GIAN", "place": "ĐỊA ĐIỂM",
                               "lead": "GHI CHÚ"}  # fmt: skip
    assert list(data["activities"][0]["responsible"][0]) == ["name", "role", "unit_code"]
    assert data["activities"][5]["responsible"][0]["unit_code"] is None
    assert list(data["findings"][0]) == ["kind", "line", "message"]
