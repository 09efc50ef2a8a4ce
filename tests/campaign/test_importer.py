"""The importer on crafted plans: time forms, header variants, responsible parties, bad files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from campaign.formats import PlanReadError
from campaign.importer import import_plan
from harness.plan_documents import WRITERS, write_txt

FORMATS = sorted(WRITERS)


def _row(no: str, time: str, who: str = "Đoàn Sở Nội vụ phụ trách", title: str = "Hội thao") -> list[str]:
    return [no, title, time, "Hội trường", who]


@pytest.mark.parametrize("fmt", FORMATS)
def test_time_forms_in_both_formats(tmp_path: Path, directory, fmt: str) -> None:
    rows = [
        _row("1.", "11/3/2024"),
        _row("2", "Ngày 03/3/2024"),
        _row("3.", "25/03/2024"),
        _row("4.", "Tháng 3/2024"),
        _row("5.", "Từ ngày 01/3 đến ngày 31/3/2024"),
        _row("6.", "Từ 18/3 – 22/3/2024"),
        _row("7.", "Trước ngày 05/3/2024"),
        _row("8.", "Quý I/2024"),
    ]
    plan = import_plan(WRITERS[fmt](tmp_path / f"plan.{fmt}", rows), directory)
    got = {a.no: (a.kind.value, a.start, a.end) for a in plan.activities}
    assert got == {
        1: ("single_day", date(2024, 3, 11), date(2024, 3, 11)),
        2: ("single_day", date(2024, 3, 3), date(2024, 3, 3)),
        3: ("single_day", date(2024, 3, 25), date(2024, 3, 25)),
        4: ("whole_month", date(2024, 3, 1), date(2024, 3, 31)),
        5: ("range", date(2024, 3, 1), date(2024, 3, 31)),
        6: ("range", date(2024, 3, 18), date(2024, 3, 22)),
        7: ("deadline", date(2024, 3, 1), date(2024, 3, 5)),  # a deadline runs from the window's start
        8: ("quarter", date(2024, 1, 1), date(2024, 3, 31)),
    }
    assert plan.code == "12-KH/ĐTN" and plan.issued_on == date(2024, 3, 1)
    assert plan.title == "Tổ chức Tháng Thanh niên năm 2024"
    assert plan.recipients == ["BTV Đoàn Khối", "Cơ sở Đoàn", "Lưu: VP"]
    # the quarter starts before the window: lint says so
    assert [(f.kind, f.line is not None) for f in plan.findings] == [("outside_window", True)]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "header",
    [
        ["STT", "NỘI DUNG", "THỜI GIAN", "ĐỊA ĐIỂM", "ĐƠN VỊ PHỤ TRÁCH"],
        ["TT", "HOẠT ĐỘNG", "THỜI GIAN", "ĐỊA ĐIỂM", "ĐƠN VỊ THỰC HIỆN"],
        ["STT", "Nội dung", "Thời gian", "Địa điểm", "Ghi chú"],
        ["TT", "THỜI GIAN", "HOẠT ĐỘNG", "GHI CHÚ", "ĐỊA ĐIỂM"],  # columns in another order
    ],
)
def test_header_variants_and_repeated_header(tmp_path: Path, directory, fmt: str, header: list[str]) -> None:
    canonical = ["TT", "HOẠT ĐỘNG", "THỜI GIAN", "ĐỊA ĐIỂM", "GHI CHÚ"]
    order = [canonical.index(_canonical(h)) for h in header]
    rows = [[r[i] for i in order] for r in (_row("1.", "11/3/2024"), _row("2.", "12/3/2024"), _row("3.", "13/3/2024"))]
    plan = import_plan(WRITERS[fmt](tmp_path / f"plan.{fmt}", rows, header=header, repeat_at=2), directory)
    assert [(a.no, a.start.day, a.place, a.title) for a in plan.activities] == [
        (1, 11, "Hội trường", "Hội thao"),
        (2, 12, "Hội trường", "Hội thao"),
        (3, 13, "Hội trường", "Hội thao"),
    ]
    assert all(a.unit_codes == ["so-noi-vu"] for a in plan.activities)


def _canonical(header: str) -> str:
    from campaign.text import fold

    key = fold(header)
    for name, keys in {
        "TT": ("tt", "stt"),
        "HOẠT ĐỘNG": ("hoat dong", "noi dung"),
        "THỜI GIAN": ("thoi gian",),
        "ĐỊA ĐIỂM": ("dia diem",),
    }.items():
        if key in keys:
            return name
    return "GHI CHÚ"


RESPONSIBLE = [
    ("Đoàn Sở Văn hóa và Thể thao phụ trách", [("so-vhtt", "lead")]),
    ("Đoàn Sở Tài nguyên và Môi trường thực hiện", [("so-tnmt", "lead")]),
    ("Đoàn Sở Xây dựng và Đoàn Sở Tài nguyên và Môi trường phụ trách", [("so-xay-dung", "lead"), ("so-tnmt", "lead")]),
    ("Cụm hoạt động số 2, 5, 8 phụ trách", [("cum-2", "lead"), ("cum-5", "lead"), ("cum-8", "lead")]),
    ("Văn phòng Đoàn Khối chủ trì; Đoàn Sở Y tế phối hợp", [("van-phong", "lead"), ("so-y-te", "support")]),
    ("Đoàn Sở Tư pháp; Đoàn Sở Nội vụ", [("so-tu-phap", "lead"), ("so-noi-vu", "lead")]),
    ("Chủ trì: Đoàn Khu Công nghệ cao", [("khu-cnc", "lead")]),
    ("Phân công Đoàn Sở Nội vụ phụ trách", [("so-noi-vu", "lead")]),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("cell", "expected"), RESPONSIBLE)
def test_responsible_forms(tmp_path: Path, directory, fmt: str, cell: str, expected) -> None:
    plan = import_plan(WRITERS[fmt](tmp_path / f"plan.{fmt}", [_row("1.", "11/3/2024", cell)]), directory)
    (activity,) = plan.activities
    assert [(p.unit_code, p.role.value) for p in activity.responsible] == expected
    assert plan.findings == []


def test_all_grassroots_units(tmp_path: Path, directory) -> None:
    plan = import_plan(write_txt(tmp_path / "p.txt", [_row("1.", "11/3/2024", "Các cơ sở Đoàn")]), directory)
    codes = plan.activities[0].unit_codes
    assert set(codes) == {u.code for u in directory.units if u.kind == "unit"}
    assert "van-phong" not in codes and "cum-1" not in codes


def test_described_group_kept_and_flagged(tmp_path: Path, directory) -> None:
    cell = "Các cơ sở Đoàn có chuyên môn quản lý dự án"
    plan = import_plan(write_txt(tmp_path / "p.txt", [_row("1.", "11/3/2024", cell)]), directory)
    (party,) = plan.activities[0].responsible
    assert (party.name, party.unit_code, party.group) == (cell, None, True)
    assert [f.kind for f in plan.findings] == ["needs_assignment"]


def test_unicode_forms_are_normalised(tmp_path: Path, directory) -> None:
    import unicodedata

    cell = unicodedata.normalize("NFD", "Đoàn Sở Văn hóa và Thể thao phụ trách")
    title = unicodedata.normalize("NFD", "Tọa đàm “Không gian văn hóa”")
    plan = import_plan(write_txt(tmp_path / "p.txt", [_row("1.", "11/3/2024", cell, title)]), directory)
    assert plan.activities[0].title == unicodedata.normalize("NFC", title)
    assert plan.activities[0].unit_codes == ["so-vhtt"]


def test_wrapped_row_continues_previous(tmp_path: Path, directory) -> None:
    path = write_txt(
        tmp_path / "p.txt", [_row("1.", "11/3/2024", "Đoàn Sở Y tế,"), ["", "(tiếp)", "", "", "Đoàn Sở Tư pháp"]]
    )
    (activity,) = import_plan(path, directory).activities
    assert activity.title == "Hội thao (tiếp)"
    assert activity.unit_codes == ["so-y-te", "so-tu-phap"]


def test_unreadable_date_is_reported_with_its_line(tmp_path: Path, directory) -> None:
    path = write_txt(tmp_path / "p.txt", [_row("1.", "11/3/2024"), _row("2.", "sắp tới"), _row("3.", "31/6/2024")])
    plan = import_plan(path, directory)
    lines = path.read_text(encoding="utf-8").splitlines()
    # the rows stay, without dates, for the office to type them (the start is refused until then)
    assert [(a.no, bool(a.date_unread)) for a in plan.activities] == [(1, False), (2, True), (3, True)]
    assert [a.title for a in plan.activities[1:]] == ["Hội thao", "Hội thao"]
    assert all(a.unit_codes for a in plan.activities)
    bad = {f.line: f for f in plan.findings if f.kind == "unreadable_date"}
    assert set(bad) == {lines.index(lines[-2]) + 1, len(lines)}
    assert "hoạt động 2" in bad[len(lines) - 1].message
    assert "31/6/2024 không tồn tại" in bad[len(lines)].message
    assert [f.kind for f in plan.findings if f.line == len(lines)] == ["unreadable_date"]  # named once
    assert [(a["start"], a["end"]) for a in plan.contract()["activities"]][1:] == [(None, None), (None, None)]
    assert plan.blocking_findings  # `start` refuses such a plan


def test_row_with_missing_cells(tmp_path: Path, directory) -> None:
    path = write_txt(tmp_path / "p.txt", [_row("1.", "11/3/2024"), ["2.", "Hội thao", "12/3/2024"]])
    plan = import_plan(path, directory)
    assert [a.no for a in plan.activities] == [1]
    (finding,) = [f for f in plan.findings if f.kind == "missing_column"]
    assert finding.line == len(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "trống"),
        (b"   \n\n", "trống"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "không phải ảnh đọc được"),  # a damaged photo
        (b"\x00\x01binary\x00", "nhị phân"),
        (b"\xff\xfe\xfa bad", "UTF-8"),
        ("Thông báo\nKhông có bảng nào ở đây.\n".encode(), "không tìm thấy bảng lịch"),
        ("KẾ HOẠCH\nTT\tHOẠT ĐỘNG\tĐỊA ĐIỂM\tGHI CHÚ\n1.\tA\tB\tC\n".encode(), "thiếu cột THỜI GIAN"),
        ("KẾ HOẠCH\nTT\tHOẠT ĐỘNG\tTHỜI GIAN\tGHI CHÚ\n".encode(), "không có hoạt động"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(PlanReadError, match=reason):
        import_plan(path)


def test_bad_docx(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bad.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a document")
    with pytest.raises(PlanReadError, match=r"\.docx"):
        import_plan(path)


def test_missing_file() -> None:
    with pytest.raises(PlanReadError, match="không tìm thấy tệp"):
        import_plan("/nonexistent/plan.txt")
