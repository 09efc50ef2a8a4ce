"""Plans as people write them (issue 21): activities in the body, header forms, date forms and who is
responsible. Every plan here is invented; tests/corpus/bodies/ holds whole plans with their expected
reading (<name>.json; a <name>.units.yaml beside a plan is its own organisation's directory)."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from campaign.dates import ActivityKind, parse_when
from campaign.formats import PlanReadError
from campaign.heading import issue_date, plan_code, title
from campaign.importer import import_lines, import_plan
from campaign.parties import read_responsible
from campaign.units import Unit, UnitDirectory, load_directory
from tests.body_reading import reading
from tests.conftest import CORPUS

BODIES = CORPUS / "bodies"
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


def _plan(text: str, directory: UnitDirectory | None = None):
    return import_lines(text.strip("\n").split("\n"), directory)


def test_labelled_item(directory: UnitDirectory) -> None:
    plan = _plan(
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
    plan = _plan(
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


HEAD = (
    "Số: 12-KH/ĐTN\nTP. Hồ Chí Minh, ngày 01 tháng 3 năm 2025\nKẾ HOẠCH\nTổ chức Tháng Thanh niên\n"
    "(Từ ngày 01/3 đến ngày 31/3/2025)\n"
)


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
        plan = _plan(HEAD + f"{marker} Hội thao cán bộ trẻ\n" + "\n".join(lines), directory)
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
    plan = _plan(HEAD + "1. " + sentence, directory)
    (activity,) = plan.activities
    assert (activity.kind.value, activity.start, activity.end, activity.place) == (kind, start, end, place)
    assert activity.unit_codes == lead


def test_time_is_kept_and_dashes_read(directory) -> None:
    plan = _plan(HEAD + "1. Lễ ra quân\n- Thời gian: từ 8h00 ngày 1-3-2025\n- Phụ trách: Đoàn Sở Y tế", directory)
    (activity,) = plan.activities
    assert (activity.start, activity.start_time) == (date(2025, 3, 1), time(8))


def test_refusal_names_both_ways() -> None:
    with pytest.raises(PlanReadError) as refused:
        _plan("Số: 12-KH/ĐTN\nKẾ HOẠCH\nHọc tập\nI. MỤC ĐÍCH\n- Nâng cao nhận thức.")
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


def test_window_is_never_one_body_line(directory) -> None:
    plan = _plan(
        "Số: 3-KH/ĐTN\nTP. Hồ Chí Minh, ngày 01 tháng 3 năm 2025\nKẾ HOẠCH\nHoạt động tháng 3 năm 2025\n"
        "1. Tập huấn\n- Thời gian: từ ngày 03/3 đến ngày 05/3/2025\n- Phụ trách: Đoàn Sở Y tế\n"
        "2. Hiến máu\n- Thời gian: 20/3/2025\n- Phụ trách: Đoàn Sở Y tế",
        directory,
    )
    assert (plan.window.start, plan.window.end) == (date(2025, 3, 1), date(2025, 3, 31))
    assert not [f for f in plan.findings if f.kind == "outside_window"]


@pytest.mark.parametrize(
    ("heading", "window"),
    [
        ("Triển khai công tác Quý II/2025", (date(2025, 4, 1), date(2025, 6, 30))),
        ("HOẠT ĐỘNG THÁNG 12 NĂM 2025", (date(2025, 12, 1), date(2025, 12, 31))),
        ("Hoạt động năm học 2025 – 2026", (date(2025, 9, 1), date(2026, 5, 31))),
    ],
)
def test_window_from_the_title(directory, heading: str, window) -> None:
    plan = _plan(
        f"Số: 3-KH/ĐTN\nngày 01 tháng 3 năm 2025\nKẾ HOẠCH\n{heading}\n"
        "1. Sinh hoạt chi đoàn\n- Phụ trách: Đoàn Sở Y tế",
        directory,
    )
    assert (plan.window.start, plan.window.end) == window
    assert (plan.activities[0].start, plan.activities[0].end) == window


def test_year_typo_is_a_finding_and_does_not_stretch_the_window(directory) -> None:
    plan = import_plan(BODIES / "year-typo.txt", directory)
    typo = next(f for f in plan.findings if f.kind == "year_typo")
    assert typo.line == 6 and "2025" in typo.message
    assert (plan.window.start, plan.window.end) == (date(2025, 2, 14), date(2025, 2, 28))


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        (["Số: 18/KH-CĐCS"], "18/KH-CĐCS"),
        (["Số: 31-KH/TWĐTN-BTN"], "31-KH/TWĐTN-BTN"),
        (["Số 12 – KH/ĐTN"], "12-KH/ĐTN"),
        (["SỐ 09 /KH-LĐ"], "09/KH-LĐ"),
        (
            ["ĐOÀN KHỐI\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 07-\tĐộc lập - Tự do - Hạnh phúc", "KH/ĐTN\t"],
            "07-KH/ĐTN",
        ),
        (["Căn cứ Kế hoạch số 40-KH/HĐTN ngày 10/01/2025 của Hội đồng Đội;"], None),
        (["Thực hiện Kế hoạch số 40-KH/HĐTN ngày 10/01/2025;", "Số: 5-KH/ĐTN"], "5-KH/ĐTN"),
    ],
)
def test_codes_as_offices_write_them(lines: list[str], code: str | None) -> None:
    assert plan_code(lines)[0] == code


@pytest.mark.parametrize(
    ("lines", "issued"),
    [
        (["Phú Yên, ngày05 tháng 11 năm 2025"], date(2025, 11, 5)),
        (["Số: 15-KH/ĐTN\tPhú Yên, ngày 05 tháng 11 năm 2025 |"], date(2025, 11, 5)),
        (["Căn cứ Công văn số 12-CV/TĐTN ngày 20 tháng 02 năm 2025;"], None),
        (["Căn cứ Kế hoạch số 40-KH/HĐTN ngày 10/01/2025;"], None),
    ],
)
def test_issue_dates(lines: list[str], issued: date | None) -> None:
    assert issue_date(lines, len(lines)) == issued


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["KẾ HOẠCH Tổ chức Hội trại", "Căn cứ Kế hoạch số 1-KH/ĐTN;"], "Tổ chức Hội trại"),
        (["KẾ HOẠCH", "Tổ chức Hội trại", "------", "Lời mở đầu"], "Tổ chức Hội trại"),
        (["KẾ HOẠCH", "Tổ chức Hội trại", "- Thời gian: 1/3/2025"], "Tổ chức Hội trại"),
        (["KẾ HOẠCH", "Tổ chức Hội trại", "Thực hiện Kế hoạch số 1-KH/ĐTN"], "Tổ chức Hội trại"),
    ],
)
def test_title_stops_where_the_body_starts(lines: list[str], expected: str) -> None:
    assert title(lines, len(lines)) == expected


def test_cited_document_is_never_the_plans_own(directory) -> None:
    plan = import_plan(BODIES / "cited-only.txt", directory)
    assert (plan.code, plan.issued_on) == ("", None)
    assert {"missing_code", "no_issue_date"} <= {f.kind for f in plan.findings}


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("12-4-2025", date(2025, 4, 12), date(2025, 4, 12)),
        ("ngày 1-11-2009", date(2009, 11, 1), date(2009, 11, 1)),
        ("12.4.2025", date(2025, 4, 12), date(2025, 4, 12)),
        ("từ ngày 3 đến hết ngày 14/3/2025", date(2025, 3, 3), date(2025, 3, 14)),
        ("ngày 3 – 14/3/2025", date(2025, 3, 3), date(2025, 3, 14)),
        ("Tuần 2 tháng 3/2025", date(2025, 3, 8), date(2025, 3, 14)),
        ("tuần cuối tháng 2 năm 2024", date(2024, 2, 23), date(2024, 2, 29)),
        ("Tuần 5 tháng 3/2025", date(2025, 3, 29), date(2025, 3, 31)),
    ],
)
def test_date_forms(text: str, start: date, end: date) -> None:
    when = parse_when(text, 2025)
    assert (when.start, when.end) == (start, end)


def test_a_week_the_month_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="5 tuần"):
        parse_when("Tuần 6 tháng 3/2025")
    with pytest.raises(ValueError, match="không có tuần 5"):
        parse_when("Tuần 5 tháng 2/2025")


COMMA = UnitDirectory(
    organisation="Đoàn Khối Cơ quan",
    units=[
        Unit(code="vhttdl", name="Đoàn Sở Văn hóa, Thể thao và Du lịch"),
        Unit(code="vhtt", name="Đoàn Sở Văn hóa và Thể thao"),
        Unit(code="yte", name="Đoàn Sở Y tế"),
        Unit(code="noivu", name="Đoàn Sở Nội vụ"),
    ],
)


@pytest.mark.parametrize(
    ("cell", "parties", "contacts"),
    [
        ("Đoàn Sở Y tế chủ trì, Đoàn Sở Nội vụ phối hợp", [("yte", "lead"), ("noivu", "support")], []),
        ("Đoàn Sở Y tế chủ trì; Đoàn Sở Nội vụ, Đoàn Sở Văn hóa và Thể thao phối hợp",
         [("yte", "lead"), ("noivu", "support"), ("vhtt", "support")], []),
        ("Đoàn Sở Văn hóa, Thể thao và Du lịch, Đoàn Sở Y tế", [("vhttdl", "lead"), ("yte", "lead")], []),
        ("Đoàn Sở Văn hóa, Thể thao và Du lịch và Đoàn Sở Y tế phụ trách", [("vhttdl", "lead"), ("yte", "lead")], []),
        ("thầy Minh (môn Sử), Đoàn Sở Y tế", [("yte", "lead")], ["thầy Minh (môn Sử)"]),
        ("Buổi sáng: cô Lan, đ/c Hải. Buổi chiều: Đoàn Sở Nội vụ", [("noivu", "lead")], ["cô Lan", "đ/c Hải"]),
    ],
)  # fmt: skip
def test_who_is_responsible(cell: str, parties, contacts) -> None:
    read = read_responsible(cell, COMMA)
    assert [(p.unit_code, p.role.value) for p in read.parties] == parties
    assert read.contacts == contacts
    assert all("chủ trì" not in p.name and "phối hợp" not in p.name for p in read.parties)


def test_commas_in_parentheses_and_a_closing_parenthesis_are_kept() -> None:
    read = read_responsible("các chi đoàn khối (10, 11)", COMMA)
    assert [(p.name, p.group) for p in read.parties] == [("các chi đoàn khối (10, 11)", True)]


def test_a_described_group_expands_only_for_the_directorys_organisation(directory) -> None:
    own = read_responsible("Các chi đoàn", directory)
    other = read_responsible("Các chi đoàn", directory, own_directory=False)
    assert len(own.parties) > 10
    assert [(p.name, p.group, p.unit_code) for p in other.parties] == [("Các chi đoàn", True, None)]
    assert other.problems[0][0] == "needs_assignment"
    plan = import_plan(BODIES / "school-year.txt", directory)
    assert "other_issuer" in {f.kind for f in plan.findings}


def test_a_header_flattened_one_cell_per_line(directory) -> None:
    plan = _plan(
        """
ĐOÀN TNCS HỒ CHÍ MINH |
BCH ĐOÀN TRƯỜNG THPT HOA LƯ |
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM |
Độc lập - Tự do - Hạnh phúc |
Số: 07-KH/ĐTN |
Hoa Lư, ngày 02 tháng 3 năm 2025 |
KẾ HOẠCH |
Tổ chức Hội trại khối 10 |
1. Hội thi cắm trại
- Thời gian: ngày 22/3/2025
- Phụ trách: Chi đoàn 10A3
""",
        directory,
    )
    assert (plan.code, plan.issued_on, plan.title) == ("07-KH/ĐTN", date(2025, 3, 2), "Tổ chức Hội trại khối 10")
    assert plan.issuer == "BCH ĐOÀN TRƯỜNG THPT HOA LƯ"
    assert "other_issuer" in {f.kind for f in plan.findings}


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


DECEMBER = (
    "Số: 21-KH/ĐTN\nTP. Hồ Chí Minh, ngày 25 tháng 11 năm 2026\nKẾ HOẠCH\nHoạt động tháng 12 năm 2026\nI. NỘI DUNG\n"
)


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

    plan = _plan(DECEMBER + line, directory)
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
    (activity,) = _plan(DECEMBER + line, directory).activities
    assert activity.title == title


def test_the_units_of_a_cluster_named_in_the_plan(directory: UnitDirectory) -> None:
    """ "Các đơn vị của Cụm 2" is cluster 2's units, as the schedule editor reads the same words."""
    from campaign.edit_forms import units_typed

    members = [u.code for u in directory.members_of("cum-2")]
    plan = _plan(
        DECEMBER + "1. Hội thao truyền thống\n- Thời gian: 20/12/2026\n- Phụ trách: Các đơn vị của Cụm 2\n"
        "- Phối hợp: cả Cụm 3\n"
        "2. Ngày hội đọc sách\n- Thời gian: 21/12/2026\n- Phụ trách: Các cơ sở Đoàn thuộc Cụm hoạt động số 2, 3",
        directory,
    )
    first, second = plan.activities
    roles = [(p.unit_code, p.role.value) for p in first.responsible]
    assert roles == [(c, "lead") for c in members] + [(u.code, "support") for u in directory.members_of("cum-3")]
    assert [p.unit_code for p in first.responsible if p.role.value == "lead"] == [
        p.unit_code for p in units_typed("Các đơn vị của Cụm 2", first.responsible[0].role, directory, "x")
    ]
    assert second.unit_codes == members + [u.code for u in directory.members_of("cum-3")]
    assert not any(p.group for a in plan.activities for p in a.responsible)
    found = [f for f in plan.findings if f.kind == "cluster_members"]
    assert [f.line for f in found] == [6, 6, 10, 10]
    assert "Cụm hoạt động số 2" in found[0].message and directory.get(members[0]).name in found[0].message
    assert "needs_assignment" not in {f.kind for f in plan.findings}


def test_a_cluster_without_members_is_left_to_assign() -> None:
    lonely = UnitDirectory(
        organisation="Đoàn Khối",
        units=[Unit(code="cum-9", name="Cụm hoạt động số 9", kind="cluster", aliases=["Cụm 9"])],
    )
    read = read_responsible("Các đơn vị của Cụm 9", lonely)
    assert [(p.name, p.group) for p in read.parties] == [("Các đơn vị của Cụm 9", True)]
    assert [kind for kind, _ in read.problems] == ["needs_assignment"]
