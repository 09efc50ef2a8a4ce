"""Lint on crafted plans: each finding kind, with its line."""

from __future__ import annotations

from pathlib import Path

from campaign.importer import import_plan
from harness.plan_documents import write_txt


def _plan(tmp_path: Path, directory, rows, body=()):
    path = write_txt(tmp_path / "p.txt", rows, body=list(body))
    lines = path.read_text(encoding="utf-8").splitlines()
    return import_plan(path, directory), lines


def _line_of(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines, start=1) if text in line)


def test_impossible_dates_in_body(tmp_path: Path, directory) -> None:
    body = ["- Theo Hướng dẫn ngày 31/6/2024 và Nghị quyết ngày 29/2/2023.", "- Tỉ lệ 3/4 đoàn viên tham gia."]
    plan, lines = _plan(tmp_path, directory, [["1.", "Hội thao", "11/3/2024", "Sân", "Đoàn Sở Y tế"]], body)
    found = [(f.kind, f.line, f.message) for f in plan.findings]
    line = _line_of(lines, "31/6/2024")
    assert found == [
        ("invalid_date", line, "Ngày 31/6/2024 không tồn tại"),
        ("invalid_date", line, "Ngày 29/2/2023 không tồn tại"),
    ]


def test_body_date_contradicting_schedule(tmp_path: Path, directory) -> None:
    body = [
        "- Tổ chức Hội thao “Khỏe để cống hiến” (ngày 09/3/2024).",
        "- Tổ chức Ngày hội “Tuổi trẻ sáng tạo” vào ngày 20/3/2024.",  # matches the schedule
        "- Kỷ niệm 93 năm Ngày thành lập Đoàn (26/3/1931 – 26/3/2024), hưởng ứng “Khỏe để cống hiến”.",
    ]
    rows = [
        ["1.", "Hội thao “Khỏe để cống hiến”", "10/3/2024", "Sân", "Đoàn Sở Y tế"],
        ["2.", "Ngày hội “Tuổi trẻ sáng tạo”", "Từ 19/3 – 21/3/2024", "Sân", "Đoàn Sở Y tế"],
    ]
    plan, lines = _plan(tmp_path, directory, rows, body)
    conflicts = [f for f in plan.findings if f.kind == "date_conflict"]
    assert [(f.line) for f in conflicts] == [_line_of(lines, "09/3/2024")]
    assert "hoạt động 1" in conflicts[0].message and "10/03/2024" in conflicts[0].message


def test_weekday_contradicting_date(tmp_path: Path, directory) -> None:
    body = ["- Ra quân Chủ nhật xanh vào Chủ nhật (10/3/2024).", "- Họp giao ban Thứ Hai, 11/3/2024."]
    rows = [["1.", "Thứ 7 tình nguyện", "Thứ Bảy, 14/3/2024", "Sân", "Đoàn Sở Y tế"]]
    plan, lines = _plan(tmp_path, directory, rows, body)
    weekday = [(f.line, f.message) for f in plan.findings if f.kind == "weekday_mismatch"]
    assert weekday == [(len(lines), "“Thứ Bảy” nhưng ngày 14/03/2024 là Thứ Năm")]


def test_schedule_outside_window(tmp_path: Path, directory) -> None:
    rows = [["1.", "A", "11/3/2024", "Sân", "Đoàn Sở Y tế"], ["2.", "B", "02/4/2024", "Sân", "Đoàn Sở Y tế"]]
    plan, lines = _plan(tmp_path, directory, rows)
    assert [(f.kind, f.line) for f in plan.findings] == [("outside_window", len(lines))]


def test_unknown_and_ambiguous_parties(tmp_path: Path, directory) -> None:
    rows = [
        ["1.", "A", "11/3/2024", "Sân", "Đoàn Sở Ngoại vụ phụ trách"],
        ["2.", "B", "12/3/2024", "Sân", "Đoàn Sở phụ trách"],
    ]
    plan, lines = _plan(tmp_path, directory, rows)
    found = {f.kind: f for f in plan.findings}
    assert set(found) == {"unknown_party", "ambiguous_party"}
    assert found["unknown_party"].line == len(lines) - 1
    assert "Đoàn Sở Nội vụ" in found["unknown_party"].message  # the closest candidate
    assert found["ambiguous_party"].line == len(lines)
    assert plan.activity(1).responsible[0].unit_code is None


def test_body_names_an_activity_in_shorter_words(tmp_path: Path, directory) -> None:
    body = [
        "- Hội thao công chức trẻ tổ chức vào ngày 20/3/2024.",  # row 1 in short words, on row 2's date
        "- Thi đấu hội thao cán bộ trẻ khỏe cống hiến, ngày 10/3/2024.",  # row 1 again, other order: agrees
        "- Các đơn vị tham gia đầy đủ trong ngày 20/3/2024.",  # names no activity
    ]
    rows = [
        ["1.", "Hội thao “Khỏe để cống hiến” do Đoàn Sở Y tế tổ chức", "10/3/2024", "Sân", "Đoàn Sở Y tế"],
        ["2.", "Hội thi “Tuổi trẻ sáng tạo”", "Từ 19/3 – 21/3/2024", "Sân", "Đoàn Sở Y tế"],
    ]
    plan, lines = _plan(tmp_path, directory, rows, body)
    conflicts = [f for f in plan.findings if f.kind == "date_conflict"]
    assert [f.line for f in conflicts] == [_line_of(lines, "Hội thao công chức trẻ")]
    assert "hoạt động 1" in conflicts[0].message and "20/03/2024" in conflicts[0].message
