"""Plans as people write them (issue 21): activities in the body, as labelled items, one sentence, a list
Word numbers, a task to hand in by a date (the heading is test_plan_heading's, who is responsible
test_responsible's). Every plan here is invented; tests/corpus/bodies/ holds whole plans with their
expected reading (<name>.json; a <name>.units.yaml beside a plan is its own organisation's directory)."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from campaign.dates import ActivityKind
from campaign.formats import PlanReadError
from campaign.importer import import_plan
from campaign.units import UnitDirectory, load_directory
from tests.body_reading import BODIES, DECEMBER, MARCH, read_plan, reading

PLANS = sorted(p.name for p in BODIES.glob("*.txt"))


def _directory_for(path: Path, directory: UnitDirectory) -> UnitDirectory:
    own = path.with_suffix(".units.yaml")
    return load_directory(own) if own.exists() else directory


@pytest.mark.parametrize("name", PLANS)
def test_each_body_plan_reads_as_expected(name: str, directory: UnitDirectory) -> None:
    path = BODIES / name
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    if "refused" in expected:
        with pytest.raises(PlanReadError) as refused:
            import_plan(path, _directory_for(path, directory))
        assert str(refused.value) == expected["refused"]
        return
    assert reading(import_plan(path, _directory_for(path, directory))) == expected


def test_the_corpus_covers_the_shapes() -> None:
    assert len(PLANS) >= 10
    assert all((BODIES / name).with_suffix(".json").exists() for name in PLANS)


def test_labelled_item(directory: UnitDirectory) -> None:
    plan = read_plan(
        """
Số: 07-KH/ĐTN
Hoa Lư, ngày 02 tháng 3 năm 2025
KẾ HOẠCH Tổ chức Hội trại khối 10
1. Hội thi cắm trại
- Thời gian: ngày 22/3/2025
- Phụ trách: Chi đoàn 10A3
""",
        directory,
    )
    assert (plan.code, plan.issued_on, plan.title) == ("07-KH/ĐTN", date(2025, 3, 2), "Tổ chức Hội trại khối 10")
    (activity,) = plan.activities
    day = date(2025, 3, 22)
    assert (activity.kind, activity.start, activity.end) == (ActivityKind.SINGLE_DAY, day, day)
    assert [p.name for p in activity.responsible] == ["Chi đoàn 10A3"]
    assert activity.source_lines == [4, 5, 6] and activity.from_body


def test_monthly_plan_with_undated_tasks(directory: UnitDirectory) -> None:
    plan = read_plan(
        """
Số: 11-KH/LĐ
Tân Phú, ngày 28 tháng 11 năm 2025
KẾ HOẠCH HOẠT ĐỘNG THÁNG 12 NĂM 2025
1. Tổ chức sinh hoạt chủ điểm chào mừng ngày 22/12.
2. Thu nộp kế hoạch nhỏ về Liên đội trước ngày 15/12.
3. Chăm sóc bồn hoa trước lớp (các chi đội).
""",
        directory,
    )
    assert (plan.window.start, plan.window.end) == (date(2025, 12, 1), date(2025, 12, 31))
    first, deadline, undated = plan.activities
    assert (first.start, first.end) == (date(2025, 12, 1), date(2025, 12, 31))  # 22/12 is celebrated, not its day
    assert (deadline.kind, deadline.end) == (ActivityKind.DEADLINE, date(2025, 12, 15))
    december = (date(2025, 12, 1), date(2025, 12, 31))
    assert (undated.kind, undated.start, undated.end) == (ActivityKind.WHOLE_MONTH, *december)
    assert [(p.name, p.group) for p in undated.responsible] == [("các chi đội", True)]
    undated_findings = [f for f in plan.findings if f.kind == "undated_task"]
    assert [f.line for f in undated_findings] == [4, 6]
    assert "22/12" in undated_findings[0].message and "01/12/2025–31/12/2025" in undated_findings[1].message


@pytest.mark.parametrize("marker", ["1.", "1.1.", "a)", "-", "•", "+"])
@pytest.mark.parametrize(
    ("time_label", "place_label", "lead_label"),
    [
        ("Thời gian", "Địa điểm", "Phụ trách"),
        ("Thời gian tổ chức", "Địa điểm", "Thực hiện"),
        ("Thời gian", "Hình thức", "Đơn vị thực hiện"),
        ("Thời gian thực hiện", "Địa điểm tổ chức", "Chủ trì"),
        ("Thời gian", "Địa điểm", "Giao cho"),
        ("Thời gian", "Địa điểm", "Phân công"),
    ],
)
def test_labels_in_either_order(
    directory: UnitDirectory, marker: str, time_label: str, place_label: str, lead_label: str
) -> None:
    labelled = [
        f"- {time_label}: ngày 16/3/2025",
        f"- {place_label}: Hội trường A",
        "- Thành phần: đoàn viên",
        f"- {lead_label}: Đoàn Sở Y tế",
        "- Phối hợp: Đoàn Sở Nội vụ",
    ]
    for lines in (labelled, labelled[::-1]):
        bullet = "-" if marker not in "-•+" else ("•" if marker == "-" else "-")
        lines = [line.replace("- ", f"{bullet} ", 1) for line in lines]
        plan = read_plan(MARCH + f"{marker} Hội thao cán bộ trẻ\n" + "\n".join(lines), directory)
        (activity,) = plan.activities
        day = date(2025, 3, 16)
        assert (activity.title, activity.start, activity.end) == ("Hội thao cán bộ trẻ", day, day)
        roles = [(p.unit_code, p.role.value) for p in activity.responsible]
        assert roles == [("so-y-te", "lead"), ("so-noi-vu", "support")]
        assert activity.place == ("Hội trường A" if place_label.startswith("Địa điểm") else "")
        assert activity.source_lines == list(range(6, 12))


@pytest.mark.parametrize(
    ("sentence", "kind", "start", "end", "place", "lead"),
    [
        (
            "Hội thi cắm trại tổ chức vào ngày 22/3/2025 tại hội trường, Đoàn Sở Y tế phụ trách.",
            "single_day",
            date(2025, 3, 22),
            date(2025, 3, 22),
            "hội trường",
            ["so-y-te"],
        ),
        (
            "Nộp danh sách trước ngày 10/3/2025 (Đoàn Sở Nội vụ thực hiện).",
            "deadline",
            date(2025, 3, 1),
            date(2025, 3, 10),
            "",
            ["so-noi-vu"],
        ),
        (
            "Gửi báo cáo chậm nhất ngày 12/3/2025, giao Đoàn Sở Y tế.",
            "deadline",
            date(2025, 3, 1),
            date(2025, 3, 12),
            "",
            ["so-y-te"],
        ),
        (
            "Hạn chót 14/3/2025 nộp bài dự thi, Đoàn Sở Tư pháp chủ trì.",
            "deadline",
            date(2025, 3, 1),
            date(2025, 3, 14),
            "",
            ["so-tu-phap"],
        ),
        (
            "Hoàn thành trước 20/3/2025 việc rà soát đoàn viên (Văn phòng Đoàn Khối phụ trách).",
            "deadline",
            date(2025, 3, 1),
            date(2025, 3, 20),
            "",
            ["van-phong"],
        ),
        (
            "Ngày hội tuổi trẻ từ ngày 3 đến hết ngày 14/3/2025 tại Công viên, do Đoàn Sở Y tế tổ chức.",
            "range",
            date(2025, 3, 3),
            date(2025, 3, 14),
            "Công viên",
            ["so-y-te"],
        ),
    ],
)
def test_activity_in_one_sentence(directory, sentence, kind, start, end, place, lead) -> None:
    plan = read_plan(MARCH + "1. " + sentence, directory)
    (activity,) = plan.activities
    assert (activity.kind.value, activity.start, activity.end, activity.place) == (kind, start, end, place)
    assert activity.unit_codes == lead


def test_time_is_kept_and_dashes_read(directory) -> None:
    plan = read_plan(MARCH + "1. Lễ ra quân\n- Thời gian: từ 8h00 ngày 1-3-2025\n- Phụ trách: Đoàn Sở Y tế", directory)
    (activity,) = plan.activities
    assert (activity.start, activity.start_time) == (date(2025, 3, 1), time(8))


def test_refusal_names_both_ways() -> None:
    with pytest.raises(PlanReadError) as refused:
        read_plan("Số: 12-KH/ĐTN\nKẾ HOẠCH\nHọc tập\nI. MỤC ĐÍCH\n- Nâng cao nhận thức.")
    message = str(refused.value)
    assert message.startswith("không tìm thấy bảng lịch hoạt động") and "ghi trong nội dung" in message


def test_table_wins_and_a_body_only_activity_joins(directory) -> None:
    plan = import_plan(BODIES / "table-and-body.txt", directory)
    assert [(a.title, a.from_body) for a in plan.activities] == [
        ("Ra quân Tháng Thanh niên", False),
        ("Ngày Chủ nhật xanh", False),
        ("Hội thi Ý tưởng sáng tạo trẻ", True),
    ]
    kinds = {f.kind: f for f in plan.findings}
    assert kinds["from_body"].line == 15
    assert kinds["date_conflict"].line == 12 and "05/03/2025" in kinds["date_conflict"].message


def test_a_word_plan_whose_list_numbers_are_formatting(tmp_path, directory) -> None:
    """Word keeps a list's "1." in its numbering, not in the text: a paragraph followed by labelled
    lines is still an item."""
    import docx

    document = docx.Document()
    for text in [
        "Số: 07-KH/ĐTN",
        "Hoa Lư, ngày 02 tháng 3 năm 2025",
        "KẾ HOẠCH",
        "Tổ chức Tháng Thanh niên tháng 3 năm 2025",
        "I. NỘI DUNG",
        "Hội thi cắm trại",
        "Thời gian: ngày 22/3/2025",
        "Phụ trách: Đoàn Sở Y tế",
        "Hiến máu tình nguyện",
        "Thời gian: 29/3/2025",
        "Đơn vị thực hiện: Đoàn Sở Nội vụ",
    ]:
        document.add_paragraph(text, style="List Number" if text.startswith(("Hội", "Hiến")) else None)
    document.save(str(tmp_path / "plan.docx"))
    plan = import_plan(tmp_path / "plan.docx", directory)
    assert [(a.title, a.start, a.unit_codes) for a in plan.activities] == [
        ("Hội thi cắm trại", date(2025, 3, 22), ["so-y-te"]),
        ("Hiến máu tình nguyện", date(2025, 3, 29), ["so-noi-vu"]),
    ]


@pytest.mark.parametrize(
    ("line", "due_given"),
    [
        ("1. Các cơ sở Đoàn báo cáo tổng kết công tác năm 2026 hạn chót 28/12/2026.", True),
        ("1. Nộp bảng đăng ký thi đua chậm nhất ngày 28/12/2026 (Đoàn Sở Y tế).", True),
        ("1. Gửi danh sách đoàn viên tiêu biểu trước ngày 28/12/2026, giao Đoàn Sở Nội vụ.", True),
        ("1. Hoàn thành trước 28/12/2026 việc rà soát sổ đoàn viên, giao Đoàn Sở Nội vụ.", False),
    ],
)
def test_a_task_to_hand_in_by_a_date_is_due_that_day(directory: UnitDirectory, line: str, due_given: bool) -> None:
    """ "báo cáo … hạn chót 28/12": the units are overdue after 28/12, not three days after the plan's
    deadline; a task that is not itself handing something in keeps the report days after it."""
    from campaign.clock import end_of_day
    from campaign.policy import Policy
    from campaign.tracker import new_activity_state

    plan = read_plan(DECEMBER + line, directory)
    (activity,) = plan.activities
    assert (activity.kind, activity.end, activity.due_given) == (ActivityKind.DEADLINE, date(2026, 12, 28), due_given)
    units = [directory.get(code) for code in activity.unit_codes]
    state = new_activity_state("c", activity, units, Policy(), [], plan.window.end)
    deadline = end_of_day(date(2026, 12, 28))
    assert {u.due for u in state.units.values()} == {deadline if due_given else deadline + Policy().report_due}
    assert bool(state.overdue(deadline + timedelta(hours=1))) is due_given


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("3. Thăm, tặng quà gia đình chính sách nhân ngày 22/12", "Thăm, tặng quà gia đình chính sách nhân ngày 22/12"),
        ("3. Trao học bổng cho con đoàn viên nhân dịp ngày 22/12, Đoàn Sở Y tế phụ trách",
         "Trao học bổng cho con đoàn viên nhân dịp ngày 22/12"),
        ("3. Tuyên truyền về ngày 20/12/2026 trên trang tin, Đoàn Sở Y tế phụ trách",
         "Tuyên truyền về ngày 20/12/2026 trên trang tin"),
        ("3. Hội thao truyền thống tổ chức vào ngày 20/12/2026 tại sân vận động, Đoàn Sở Y tế phụ trách",
         "Hội thao truyền thống"),
    ],
)  # fmt: skip
def test_a_date_phrase_leaves_the_title_whole(directory: UnitDirectory, line: str, title: str) -> None:
    (activity,) = read_plan(DECEMBER + line, directory).activities
    assert activity.title == title
