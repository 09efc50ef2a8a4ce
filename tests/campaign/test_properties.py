"""Property-based tests: the importer's date and party reading and the message checks never raise
anything but their own Vietnamese errors, whatever they are given."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.dates import DateError, find_dates, parse_when, weekday_claims
from campaign.escape import markdown_text, visible
from campaign.message_rules import check_confirm_ready, check_extend
from campaign.messages import Cancel, ConfirmReady, ExtendDeadline, Rejected, SubmitReport, read_message
from campaign.parties import read_responsible
from campaign.plan import PlannedActivity, ResponsibleParty
from campaign.policy import Policy
from campaign.tracker import new_activity_state
from campaign.units import Unit
from tests.applied import apply_report

DATE_WORDS = st.sampled_from(
    ["/", " ", "từ", "đến", "ngày", "tháng", "năm", "Quý", "II", "trước", "–", "-", "CN", "Thứ", "Bảy", ",", "("]
)
DATE_TEXT = st.lists(st.one_of(st.integers(0, 10000).map(str), DATE_WORDS, st.text(max_size=3)), max_size=25).map(
    "".join
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(["unit", "summary", "participants", "beneficiaries", "evidence", "submitted_by", "request_id"])
REPORTS = st.dictionaries(FIELDS, JSON, max_size=7)
ENGLISH = re.compile(r"Input should|Field required|validation error|Extra inputs", re.IGNORECASE)
UNITS = [Unit(code="a", name="Đoàn Sở A"), Unit(code="b", name="Đoàn Sở B")]


def state():
    activity = PlannedActivity(
        no=7, title="Hội thi", kind="single_day", start=date(2023, 5, 11), end=date(2023, 5, 11),
        responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in UNITS],
    )  # fmt: skip
    return new_activity_state("c", activity, UNITS, Policy(), [], date(2023, 5, 31))


@given(DATE_TEXT, st.one_of(st.none(), st.integers(1, 9999)))
@settings(max_examples=400)
def test_a_time_cell_is_read_or_refused_in_vietnamese(text: str, year: int | None) -> None:
    try:
        when = parse_when(text, year)
    except DateError as exc:
        assert str(exc) and not ENGLISH.search(str(exc))
        return
    assert when.start is None or when.start <= when.end


@given(DATE_TEXT)
def test_dates_and_weekdays_are_found_within_the_line(text: str) -> None:
    for mention in find_dates(text):
        assert 0 <= mention.start < mention.end <= len(text) + 10
    for claim in weekday_claims(text):
        assert 0 <= claim.weekday <= 6


@given(st.text(max_size=200))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_responsibility_cell_never_raises(directory, cell: str) -> None:
    reading = read_responsible(cell, directory)
    assert all(p.unit_code is None or p.unit_code in directory.by_code for p in reading.parties)
    assert all(kind and message for kind, message in reading.problems)


@given(st.one_of(JSON, REPORTS))
@settings(max_examples=400)
def test_any_json_is_a_report_or_a_vietnamese_rejection(raw: object) -> None:
    try:
        message = read_message(SubmitReport, raw)
    except Rejected as exc:
        assert str(exc) and not ENGLISH.search(str(exc))
        return
    current = state()
    before = current.model_dump()
    try:
        receipt = apply_report(current, message, datetime(2023, 5, 12, tzinfo=UTC))
    except Rejected as exc:
        assert not ENGLISH.search(str(exc)) and current.model_dump() == before  # nothing changed
        return
    assert 0 <= message.participants <= 1_000_000 and receipt.unit in ("a", "b")


@given(st.one_of(JSON, st.dictionaries(st.sampled_from(["unit", "note", "new_due", "reason"]), JSON, max_size=4)))
def test_other_messages_are_read_or_rejected(raw: object) -> None:
    for model, check in ((ConfirmReady, check_confirm_ready), (ExtendDeadline, check_extend), (Cancel, None)):
        try:
            message = read_message(model, raw)
            if check is not None:
                check(state(), message, datetime(2023, 5, 12, tzinfo=UTC))  # type: ignore[operator]
        except Rejected as exc:
            assert not ENGLISH.search(str(exc))


@given(st.text(max_size=100))
def test_markdown_text_never_opens_markup(text: str) -> None:
    shown = markdown_text(text)
    assert "<" not in shown and ">" not in shown and "\n" not in shown
    assert not re.search(r"(?<!\\)[|\[\]*_`]", shown)
    assert not re.match(r"\d+[.)]", shown)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", visible(text))
