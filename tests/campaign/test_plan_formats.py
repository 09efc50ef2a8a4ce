"""Plans as offices really send them, each form on a document the test writes itself: other header
words, lead and support columns, sub-items, pipe / tab / Word tables (merged cells, a table continued
on the next page), PDF with and without a text layer, weekday words and times of day; and the flaws
each form can carry, found with their line."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, time

import pytest

from campaign.formats import PlanReadError
from campaign.importer import import_plan
from campaign.plan import Plan
from campaign.policy import Policy
from campaign.tracker import new_activity_state
from harness.paths import ROOT
from harness.plan_documents import (
    DEJAVU,
    write_docx,
    write_pdf,
    write_pipe,
    write_scanned_pdf,
    write_txt,
    write_word_tables,
)

ROWS = [
    ["1", "Ra quân Tháng Thanh niên", "05/3/2024", "Nhà Văn hóa Thanh niên", "Đoàn Sở Văn hóa và Thể thao"],
    ["2", "Hiến máu tình nguyện", "16/3/2024", "Bệnh viện Truyền máu", "Đoàn Bảo hiểm xã hội"],
    ["3", "Ngày Chủ nhật xanh", "24/3/2024", "Khu Công nghệ cao", "Đoàn Khu Công nghệ cao"],
]
EXPECTED = [
    (1, "Ra quân Tháng Thanh niên", date(2024, 3, 5), "Nhà Văn hóa Thanh niên", ["so-vhtt"]),
    (2, "Hiến máu tình nguyện", date(2024, 3, 16), "Bệnh viện Truyền máu", ["bhxh"]),
    (3, "Ngày Chủ nhật xanh", date(2024, 3, 24), "Khu Công nghệ cao", ["khu-cnc"]),
]


def read(plan: Plan) -> list[tuple[int, str, date, str, list[str]]]:
    return [(a.no, a.title, a.start, a.place, a.unit_codes) for a in plan.activities]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (["STT", "Nội dung hoạt động", "Thời gian tổ chức", "Nơi tổ chức", "Phân công"],
         {"no": "STT", "title": "Nội dung hoạt động", "time": "Thời gian tổ chức", "place": "Nơi tổ chức",
          "lead": "Phân công"}),
        (["Số TT", "Tên hoạt động", "Ngày thực hiện", "Địa điểm", "Trách nhiệm"],
         {"no": "Số TT", "title": "Tên hoạt động", "time": "Ngày thực hiện", "place": "Địa điểm",
          "lead": "Trách nhiệm"}),
        (["tt", "NỘI DUNG", "thời gian", "ĐỊA ĐIỂM TỔ CHỨC", "Đơn vị thực hiện"],
         {"no": "tt", "title": "NỘI DUNG", "time": "thời gian", "place": "ĐỊA ĐIỂM TỔ CHỨC",
          "lead": "Đơn vị thực hiện"}),
        (["Thứ tự", "Công việc", "Thời điểm", "Nơi diễn ra", "Đơn vị chịu trách nhiệm"],
         {"no": "Thứ tự", "title": "Công việc", "time": "Thời điểm", "place": "Nơi diễn ra",
          "lead": "Đơn vị chịu trách nhiệm"}),
    ],
)  # fmt: skip
def test_headers_in_other_words_are_read_by_meaning(tmp_path, directory, header, columns) -> None:
    plan = import_plan(write_txt(tmp_path / "plan.txt", ROWS, header=header), directory)
    assert read(plan) == EXPECTED and plan.columns == columns and plan.findings == []


def test_plan_import_says_which_header_it_took_for_which_column(tmp_path) -> None:
    header = ["STT", "Nội dung hoạt động", "Thời gian tổ chức", "Nơi tổ chức", "Phân công", "Ghi chú"]
    path = write_txt(tmp_path / "plan.txt", [[*r, "ghi chú riêng"] for r in ROWS], header=header)
    shown = subprocess.run([sys.executable, "starter.py", "plan", "import", str(path)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60, env={"COLUMNS": "300", "PATH": ""})  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "“Nội dung hoạt động” → HOẠT ĐỘNG" in shown.stdout and "“Phân công” → ĐƠN VỊ PHỤ TRÁCH" in shown.stdout


def test_a_header_that_cannot_be_placed_is_named(tmp_path, directory) -> None:
    path = write_txt(tmp_path / "plan.txt", [[*r[:4], "5 triệu"] for r in ROWS],
                     header=["TT", "Nội dung", "Thời gian", "Địa điểm", "Kinh phí"])  # fmt: skip
    with pytest.raises(PlanReadError) as refused:
        import_plan(path, directory)
    assert "thiếu cột ĐƠN VỊ PHỤ TRÁCH" in str(refused.value) and "không xếp được: “Kinh phí”" in str(refused.value)
    assert "dòng 16" in str(refused.value)  # the header line


def test_lead_and_support_columns(tmp_path, directory) -> None:
    rows = [
        ["1", "Ra quân", "05/3/2024", "Nhà Văn hóa", "Đoàn Sở Văn hóa và Thể thao", "Đoàn Bảo hiểm xã hội"],
        ["2", "Hiến máu", "16/3/2024", "Bệnh viện", "Đoàn Bảo hiểm xã hội", ""],
        ["3", "Chủ nhật xanh", "24/3/2024", "Khu CNC", "", "Đoàn Khu Công nghệ cao"],
    ]
    header = ["TT", "Nội dung", "Thời gian", "Địa điểm", "Đơn vị chủ trì", "Đơn vị phối hợp"]
    plan = import_plan(write_pipe(tmp_path / "plan.md", rows, header=header), directory)
    roles = [[(p.unit_code, p.role.value) for p in a.responsible] for a in plan.activities]
    assert roles == [[("so-vhtt", "lead"), ("bhxh", "support")], [("bhxh", "lead")], [("khu-cnc", "support")]]
    assert [(f.kind, f.line) for f in plan.findings] == [("lead_empty", 20)]
    assert "cột ĐƠN VỊ PHỤ TRÁCH để trống" in plan.findings[0].message
    assert plan.columns["support"] == "Đơn vị phối hợp"


SUB_ITEMS = [
    ["TT", "Nội dung", "Thời gian", "Địa điểm", "Đơn vị phụ trách"],
    ["1", "Ra quân Tháng Thanh niên", "05/3/2024", "Nhà Văn hóa Thanh niên", "Đoàn Sở Văn hóa và Thể thao"],
    ["2", "Chuỗi hoạt động vì cộng đồng", "", "", "Đoàn Bảo hiểm xã hội"],
    ["2.1", "Hiến máu tình nguyện", "16/3/2024", "Bệnh viện Truyền máu", ""],
    ["2.2", "Ngày Chủ nhật xanh", "24/3/2024", "Khu Công nghệ cao", "Đoàn Khu Công nghệ cao"],
    ["3", "Tổng kết Tháng Thanh niên", "28/3/2024", "Hội trường", "Đoàn Sở Văn hóa và Thể thao"],
    ["3.1", "Báo cáo số liệu", "", "Trực tuyến", "Đoàn Bảo hiểm xã hội"],
    ["a)", "Họp chuẩn bị", "20/3/2024", "Văn phòng", ""],
    ["b)", "Chuẩn bị hội trường", "", "", ""],
]
SUB_EXPECTED = [  # (no, number, title, start, units)
    (1, "1", "Ra quân Tháng Thanh niên", date(2024, 3, 5), ["so-vhtt"]),
    (4, "2.1", "Hiến máu tình nguyện", date(2024, 3, 16), ["bhxh"]),  # no unit of its own: its parent's
    (5, "2.2", "Ngày Chủ nhật xanh", date(2024, 3, 24), ["khu-cnc"]),
    (3, "3", "Tổng kết Tháng Thanh niên", date(2024, 3, 28), ["so-vhtt"]),
    (6, "3.1", "Báo cáo số liệu", date(2024, 3, 28), ["bhxh"]),  # its date merged down from row 3
    (7, "3.a", "Họp chuẩn bị", date(2024, 3, 20), ["so-vhtt"]),
]


def sub_items_read(plan: Plan) -> list[tuple[int, str, str, date, list[str]]]:
    return [(a.no, a.number, a.title, a.start, a.unit_codes) for a in plan.activities]


@pytest.mark.parametrize("continued", ["one table", "header repeated", "header not repeated"])
def test_sub_items_merged_cells_and_a_table_continued_on_the_next_page(tmp_path, directory, continued) -> None:
    header, *rows = SUB_ITEMS
    if continued == "one table":
        tables = [[header, *rows]]
    else:
        tables = [[header, *rows[:3]], ([header] if continued == "header repeated" else []) + rows[3:]]
    second = 1 if continued == "header repeated" else 0
    merged = [(0, 2, 5, 6)] if continued == "one table" else [(1, 2, second + 1, second + 2)]  # 28/3: rows 3, 3.1
    plan = import_plan(write_word_tables(tmp_path / "plan.docx", tables, merged), directory)
    assert sub_items_read(plan) == SUB_EXPECTED
    kinds = [(f.kind, f.message) for f in plan.findings]
    assert ("sub_item", "mục con “b)” được gộp vào hoạt động 3") in kinds
    outside = [m for k, m in kinds if k == "sub_item_outside"]
    assert outside == ["mục 3.a (20/03/2024) nằm ngoài thời gian của hoạt động 3 (28/03/2024)"]
    assert {k for k, _ in kinds} == {"sub_item", "sub_item_outside"}


def test_pipe_tab_word_and_pdf_read_alike(tmp_path, directory) -> None:
    if not DEJAVU.exists():
        pytest.skip("fonts-dejavu-core is not installed; .ci/run installs it")
    header = ["STT", "Nội dung hoạt động", "Thời gian tổ chức", "Nơi tổ chức", "Phân công"]
    plans = {
        kind: import_plan(writer(tmp_path / f"plan.{kind}", ROWS, header=header), directory)
        for kind, writer in {"txt": write_txt, "md": write_pipe, "docx": write_docx, "pdf": write_pdf}.items()
    }
    contracts = {kind: plan.contract() for kind, plan in plans.items()}
    for kind in ("md", "docx", "pdf"):
        assert {**contracts[kind], "findings": []} == {**contracts["txt"], "findings": []}, kind
    assert read(plans["pdf"]) == EXPECTED and plans["pdf"].code == "12-KH/ĐTN"
    assert plans["pdf"].window.start == date(2024, 3, 1) and plans["pdf"].issued_on == date(2024, 3, 1)


def test_a_scanned_pdf_says_it_has_no_text(tmp_path, directory) -> None:
    with pytest.raises(PlanReadError, match="là bản quét nhưng OCR không đọc được chữ nào"):
        import_plan(write_scanned_pdf(tmp_path / "scan.pdf"), directory)


def test_weekday_words_times_of_day_and_impossible_dates(tmp_path, directory) -> None:
    rows = [
        ["1", "Ra quân", "8 giờ 00, 12/3/2024 (Thứ Ba)", "Nhà Văn hóa", "Đoàn Sở Văn hóa và Thể thao"],
        ["2", "Hiến máu", "16/3/2024 (Chủ nhật)", "Bệnh viện", "Đoàn Bảo hiểm xã hội"],
        ["3", "Chủ nhật xanh", "14h00 Chủ nhật, 24/3/2024", "Khu CNC", "Đoàn Khu Công nghệ cao"],
        ["4", "Hội thao", "Từ 25/3 đến 31/4/2024", "Sân vận động", "Đoàn Bảo hiểm xã hội"],
        ["5", "Tọa đàm", "25h00 ngày 20/3/2024", "Hội trường", "Đoàn Bảo hiểm xã hội"],
    ]
    plan = import_plan(write_txt(tmp_path / "plan.txt", rows), directory)
    assert [(a.no, a.start_time) for a in plan.activities] == [(1, time(8)), (2, None), (3, time(14)), (4, None),
                                                                 (5, None)]  # fmt: skip
    assert plan.activities[3].date_unread == "ngày 31/4/2024 không tồn tại"
    found = sorted((f.line, f.kind, f.message) for f in plan.findings)
    assert found == [
        (18, "weekday_mismatch", "“Chủ nhật” nhưng ngày 16/03/2024 là Thứ Bảy"),
        (
            20,
            "unreadable_date",
            "hoạt động 4: ngày 31/4/2024 không tồn tại; chưa có ngày, hãy nhập ngày trước khi khởi động",
        ),
        (21, "invalid_time", "hoạt động 5: giờ “25h00” không tồn tại"),
    ]
    state = new_activity_state("c", plan.activities[0], [], Policy(), [], date(2024, 3, 31))
    assert state.event_start == datetime(2024, 3, 12, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    assert plan.contract()["activities"][2]["start_time"] == "14:00"


def test_another_table_before_the_schedule_is_not_taken_for_it(tmp_path, directory) -> None:
    budget = ["Dự toán kinh phí:", "STT\tNội dung\tKinh phí", "1\tKhen thưởng\t5.000.000 đồng"]
    plan = import_plan(write_txt(tmp_path / "plan.txt", ROWS, body=budget), directory)
    assert read(plan) == EXPECTED
    with pytest.raises(PlanReadError, match="dòng 11: bảng lịch hoạt động thiếu cột THỜI GIAN, ĐƠN VỊ PHỤ TRÁCH"):
        import_plan(write_txt(tmp_path / "budget-only.txt", [], body=budget, header=["STT", "Nội dung", "Kinh phí"]),
                    directory)  # fmt: skip


def test_a_person_names_an_activity_as_the_plan_writes_it() -> None:
    """`starter.py report --activity 3.1`: the sub-item's own number, not its internal one."""
    from campaign.views import ActivitySummary, activity_numbered

    def line(no: int, number: str = "") -> ActivitySummary:
        return ActivitySummary(no=no, title="x", phase="PREPARING", pending=[], overdue=[], escalation_level=0,
                               reported=0, ready=0, units=0, number=number)  # fmt: skip

    summaries = [line(3, "3"), line(7), line(13, "3.1"), line(14, "3.a")]
    assert [activity_numbered(summaries, given) for given in ("3.1", "3.a", "3", "7", "7.", "13")] == [
        13, 14, 3, 7, 7, 13
    ]  # fmt: skip
    assert activity_numbered(summaries, "3.2") is None and activity_numbered(summaries, "99") is None
