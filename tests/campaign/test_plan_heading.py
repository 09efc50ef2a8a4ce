"""A plan's heading as offices write it (issue 21): its code, its date of issue, its title and its window,
never taken from a document it cites; a header flattened one cell per line. Every plan here is invented."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.heading import issue_date, plan_code, title
from campaign.importer import import_plan
from tests.body_reading import BODIES, plan_header, read_plan


def test_window_is_never_one_body_line(directory) -> None:
    plan = read_plan(
        plan_header("Hoạt động tháng 3 năm 2025", "3-KH/ĐTN")
        + "1. Tập huấn\n- Thời gian: từ ngày 03/3 đến ngày 05/3/2025\n- Phụ trách: Đoàn Sở Y tế\n"
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
    plan = read_plan(
        plan_header(heading, "3-KH/ĐTN", "ngày 01 tháng 3 năm 2025")
        + "1. Sinh hoạt chi đoàn\n- Phụ trách: Đoàn Sở Y tế",
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


def test_a_header_flattened_one_cell_per_line(directory) -> None:
    plan = read_plan(
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
