from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.dates import ActivityKind, DateError, When, format_when, parse_when, weekday_claims


@pytest.mark.parametrize(
    ("cell", "kind", "start", "end"),
    [
        ("11/5/2023", "single_day", date(2023, 5, 11), date(2023, 5, 11)),
        ("Ngày 03/3/2024", "single_day", date(2024, 3, 3), date(2024, 3, 3)),
        ("25/03/2024", "single_day", date(2024, 3, 25), date(2024, 3, 25)),
        ("ngày 03 tháng 3 năm 2024", "single_day", date(2024, 3, 3), date(2024, 3, 3)),
        ("Thứ Bảy, 27/5/2023", "single_day", date(2023, 5, 27), date(2023, 5, 27)),
        ("Tháng 5/2023", "whole_month", date(2023, 5, 1), date(2023, 5, 31)),
        ("Tháng 02/2024", "whole_month", date(2024, 2, 1), date(2024, 2, 29)),
        ("Từ ngày 01/5 đến ngày 31/5/2023", "range", date(2023, 5, 1), date(2023, 5, 31)),
        ("Từ 18/3 – 22/3/2024", "range", date(2024, 3, 18), date(2024, 3, 22)),
        ("Từ 18/3 - 22/3/2024", "range", date(2024, 3, 18), date(2024, 3, 22)),
        ("Từ 28/12 - 3/1/2024", "range", date(2023, 12, 28), date(2024, 1, 3)),
        ("Trước ngày 05/4/2024", "deadline", None, date(2024, 4, 5)),
        ("Quý II/2024", "quarter", date(2024, 4, 1), date(2024, 6, 30)),
        ("Quý IV/2023", "quarter", date(2023, 10, 1), date(2023, 12, 31)),
        ("Quý 1 năm 2024", "quarter", date(2024, 1, 1), date(2024, 3, 31)),
    ],
)
def test_time_forms(cell: str, kind: str, start: date | None, end: date) -> None:
    assert parse_when(cell) == When(ActivityKind(kind), start, end)


def test_missing_year_comes_from_the_plan() -> None:
    assert parse_when("11/5", default_year=2023).end == date(2023, 5, 11)
    assert parse_when("Tháng 5", default_year=2023).start == date(2023, 5, 1)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("29/2/2021", "29/2/2021 không tồn tại"),
        ("31/6/2023", "31/6/2023 không tồn tại"),
        ("", "để trống"),
        ("sắp tới", "không đọc được"),
        ("Tháng 13/2023", "tháng 13"),
        ("Từ 22/3/2024 đến 18/3/2024", "bắt đầu sau"),
        ("11/5", "thiếu năm"),
    ],
)
def test_unreadable_cells_say_why(cell: str, reason: str) -> None:
    with pytest.raises(DateError, match=reason):
        parse_when(cell)


def test_weekday_claims() -> None:
    (claim,) = weekday_claims("Ngày Chủ nhật xanh (ngày 25/5/2023)")
    assert claim.weekday == 6 and (claim.day.day, claim.day.month) == (25, 5)
    (claim,) = weekday_claims("Thứ 7, ngày 27/5/2023")
    assert claim.weekday == 5
    assert weekday_claims("lần thứ 15 năm 2023") == []
    assert weekday_claims("Ngày thứ bảy tình nguyện") == []  # no date follows


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(days)
def test_single_day_round_trip(day: date) -> None:
    when = When(ActivityKind.SINGLE_DAY, day, day)
    assert parse_when(format_when(when)) == when


@given(days, st.integers(min_value=1, max_value=300))
def test_range_round_trip(start: date, length: int) -> None:
    from datetime import timedelta

    end = start + timedelta(days=length)
    when = When(ActivityKind.RANGE, start, end)
    assert parse_when(format_when(when)) == when


@given(days)
def test_month_quarter_deadline_round_trip(day: date) -> None:
    for kind in (ActivityKind.WHOLE_MONTH, ActivityKind.QUARTER, ActivityKind.DEADLINE):
        parsed = parse_when(format_when(When(kind, day, day)))
        assert parsed.kind is kind
        assert parsed.end == day if kind is ActivityKind.DEADLINE else parsed.start <= day <= parsed.end


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
