"""Properties of the date and party forms that body plans use (issue 21): any date written with dashes
or dots, any range whose start gives only its day, any week of a month; any list of directory names
(some with commas in them), any roles and people in one cell; and any body text is read or refused in
Vietnamese, never crashing."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.dates import ActivityKind, DateError, parse_when
from campaign.formats import PlanReadError
from campaign.importer import import_lines
from campaign.parties import read_responsible
from campaign.sentence import BINDING, read_sentence
from campaign.text import squash
from campaign.units import Unit, UnitDirectory

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
NAMES = [
    "Đoàn Sở Văn hóa, Thể thao và Du lịch",
    "Đoàn Sở Văn hóa và Thể thao",
    "Đoàn Sở Y tế",
    "Đoàn Sở Lao động, Thương binh và Xã hội",
    "Chi đoàn Báo Phụ nữ",
    "Văn phòng Đoàn Khối",
]
DIRECTORY = UnitDirectory(
    organisation="Đoàn Khối", units=[Unit(code=f"u{i}", name=name) for i, name in enumerate(NAMES)]
)
PEOPLE = st.sampled_from(["thầy Minh", "cô Lan (môn Văn)", "đ/c Hải", "đồng chí Nguyễn Văn An", "chị Mai"])


@given(DAYS, st.sampled_from(["{d}-{m}-{y}", "{d}.{m}.{y}", "ngày {d}-{m}-{y}", "{d:02d}.{m:02d}.{y}"]))
def test_dashes_and_dots_give_the_day(day: date, form: str) -> None:
    when = parse_when(form.format(d=day.day, m=day.month, y=day.year))
    assert (when.kind, when.start, when.end) == (ActivityKind.SINGLE_DAY, day, day)


@given(DAYS, st.integers(0, 27), st.sampled_from(["từ ngày {a} đến hết ngày {e}", "từ {a} đến {e}", "ngày {a} – {e}"]))
def test_a_start_with_only_its_day_takes_the_ends_month(end: date, back: int, form: str) -> None:
    start = end - timedelta(days=back)
    when = parse_when(form.format(a=start.day, e=f"{end:%d/%m/%Y}"))
    assert (when.kind, when.start, when.end) == (ActivityKind.RANGE, start, end)


@given(st.integers(2000, 2099), st.integers(1, 12), st.integers(1, 5))
def test_a_week_lies_in_its_month_and_lasts_at_most_seven_days(year: int, month: int, week: int) -> None:
    try:
        when = parse_when(f"Tuần {week} tháng {month}/{year}")
    except DateError as exc:
        assert week == 5 and calendar.monthrange(year, month)[1] < 7 * 4 + 1 and "tuần 5" in str(exc)
        return
    assert when.start is not None and when.start.month == when.end.month == month
    assert when.start.day == 7 * (week - 1) + 1 and (when.end - when.start).days <= 6


@given(
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True),
    st.lists(st.sampled_from(NAMES), max_size=3, unique=True),
    st.lists(PEOPLE, max_size=3, unique=True),
    st.sampled_from(["chủ trì", "phụ trách", "thực hiện"]),
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_leads_supports_and_people(leads: list[str], supports: list[str], people: list[str], role: str) -> None:
    supports = [s for s in supports if s not in leads]
    cell = ", ".join(leads + people) + f" {role}"
    if supports:
        cell += "; " + ", ".join(supports) + " phối hợp"
    read = read_responsible(cell, DIRECTORY)
    codes = {name: f"u{NAMES.index(name)}" for name in NAMES}
    assert [(p.unit_code, p.role.value) for p in read.parties] == [(codes[n], "lead") for n in leads] + [
        (codes[n], "support") for n in supports
    ]
    assert read.contacts == people and not read.problems


@given(st.text(alphabet=st.sampled_from(list("1.-•+:;,()/ađêt hngTờiPụáĐoànSởY\n0123456789")), max_size=300))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_body_is_read_or_refused_in_vietnamese(body: str) -> None:
    lines = ["Số: 1-KH/ĐTN", "ngày 01 tháng 3 năm 2025", "KẾ HOẠCH", "Hoạt động tháng 3 năm 2025", *body.split("\n")]
    try:
        plan = import_lines(lines, DIRECTORY)
    except PlanReadError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert all(f.message and "\n" not in f.message for f in plan.findings)
    assert all(1 <= a.no <= 999 and a.start <= a.end for a in plan.activities if a.kind is not ActivityKind.DEADLINE)


TITLES = st.sampled_from(["Thăm, tặng quà gia đình chính sách", "Hội thao cán bộ trẻ", "Tuyên truyền", "Trao học bổng"])
LEAD_INS = st.sampled_from(
    ["", "nhân", "nhân dịp", "vào", "tại", "của", "cho", "về", "với", "để", "hướng tới", "chào mừng", "kỷ niệm",
     "tổ chức vào", "diễn ra từ", "trước", "hạn chót", "chậm nhất", "trong", "đến", "theo", "mừng"]
)  # fmt: skip
DATE_PHRASES = st.sampled_from(
    ["ngày {d}/{m}", "{d}/{m}/2025", "ngày {d} tháng {m}", "ngày {d} – 28/{m}/2025", "tháng {m}", "tháng {m}/2025"]
)
AFTERWARDS = st.sampled_from(
    ["", ".", " tại hội trường", ", Đoàn Sở Y tế phụ trách", " (Đoàn Sở Y tế)", " trên trang tin"]
)


@given(TITLES, LEAD_INS, DATE_PHRASES, AFTERWARDS, st.integers(1, 27))
@settings(max_examples=300)
def test_a_title_never_ends_with_a_dangling_word(
    title: str, lead_in: str, phrase: str, afterwards: str, day: int
) -> None:
    """Taking a date phrase out of a sentence leaves its title whole: never "… chính sách nhân"."""
    sentence = squash(f"{title} {lead_in} {phrase.format(d=day, m=3)}{afterwards}")
    read = read_sentence(sentence, 2025)
    assert read.title.startswith(title)
    last = read.title.lower().split()[-1]
    assert last not in BINDING, (sentence, read.title)
    plan = import_lines(["Số: 1-KH/ĐTN", "ngày 01 tháng 3 năm 2025", "KẾ HOẠCH", "Hoạt động tháng 3 năm 2025",
                         f"1. {sentence}"], DIRECTORY)  # fmt: skip
    assert all(a.title.lower().split()[-1] not in BINDING for a in plan.activities)
