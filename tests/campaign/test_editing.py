"""The schedule editor's domain (campaign.editing): changes to a read plan, undo, the change log, the
findings found again after each change, units typed without diacritics or by code, and the corrections
the final report lists. Every plan here is invented."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from campaign.draft import EditError
from campaign.edit_forms import HeadingForm, RowForm, fields_of, units_typed
from campaign.editing import (
    add_row,
    apply_form,
    blank_draft,
    blocking,
    corrections,
    draft_from_read,
    findings,
    policy_fields,
    remove_row,
    row_of,
    split_row,
    undo,
)
from campaign.importer import import_lines
from campaign.plan import UnitRole

AT = datetime(2024, 3, 2, 8, 0, tzinfo=UTC)
PLAN = """ĐOÀN KHỐI
Số: 7-KH/ĐTN
TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2024

KẾ HOẠCH
Tổ chức Tháng Hành động vì môi trường năm 2024
(Từ ngày 01/3 đến ngày 31/3/2024)

Nơi nhận:
- Lưu: VP.

LỊCH HOẠT ĐỘNG
TT	HOẠT ĐỘNG	THỜI GIAN	ĐỊA ĐIỂM	GHI CHÚ
1	Trồng cây ven kênh	09/3/2024	Kênh Nhiêu Lộc	Đoàn Sở Xây dựng phụ trách
2	Thu gom pin cũ	16/3/2024	Các cơ sở	Đoàn Sở Tư pháp phụ trách
3	Tọa đàm rác nhựa	23/3/2024	Hội trường B	Đoàn Khu Công nghệ mới phụ trách
""".splitlines()


@pytest.fixture
def draft(directory):
    return draft_from_read(import_lines(PLAN, directory), PLAN, "ke-hoach.txt")


def form_of(draft, key: int, **typed) -> RowForm:
    """A row's form as the editor shows it, with `typed` changed."""
    activity = draft.row(key)
    shown = fields_of(activity, draft.policy.get(key, {}))
    values = {name: shown[name] for name in ("number", "title", "start", "end", "start_time", "place", "contacts")}
    values |= {"kind": activity.kind.value, "lead": [p.unit_code for p in activity.responsible
                                                      if p.unit_code and p.role is UnitRole.LEAD],
               "support": [p.unit_code for p in activity.responsible if p.unit_code and p.role is UnitRole.SUPPORT],
               "unassigned": [p.name for p in activity.responsible if not p.unit_code]}  # fmt: skip
    return RowForm(**(values | typed))


def test_a_changed_date_is_logged_with_who_and_when_and_found_again(draft, directory) -> None:
    changed = apply_form(draft, None, {2: form_of(draft, 2, start="20/03/2024")}, directory, "lan", AT)
    assert changed.row(2).start == date(2024, 3, 20) == changed.row(2).end  # one day: the end follows
    start, end = changed.changes
    assert (start.row, start.number, start.field, start.before, start.after, start.who, start.at) == (
        2, "2", "start", "16/03/2024", "20/03/2024", "lan", AT)  # fmt: skip
    assert (end.field, end.before, end.after) == ("end", "16/03/2024", "20/03/2024")
    assert draft.row(2).start == date(2024, 3, 16)  # the draft given is never changed
    outside = apply_form(draft, None, {2: form_of(draft, 2, start="20/04/2024")}, directory, "lan", AT)
    found = findings(outside)
    assert any(f.kind == "outside_window" and row_of(f, outside) == 2 for f in found)
    assert not any(f.kind == "outside_window" for f in findings(changed))


def test_the_same_form_again_changes_nothing(draft, directory) -> None:
    same = apply_form(draft, None, {k: form_of(draft, k) for k in draft.keys}, directory, "lan", AT)
    assert same is draft and not same.steps


def test_dates_are_typed_day_first_and_checked(draft, directory) -> None:
    for typed, words in [("03/16/2024", "không có thật \\(nhập ngày/tháng/năm\\)"), ("30/02/2024", "không có thật"),
                         ("2024-03-16", "dd/mm/yyyy")]:  # fmt: skip
        with pytest.raises(EditError, match=words) as raised:
            apply_form(draft, None, {2: form_of(draft, 2, start=typed)}, directory, "lan", AT)
        assert "Hoạt động 2: ngày bắt đầu" in str(raised.value)
    month = apply_form(draft, None, {1: form_of(draft, 1, kind="whole_month", start="09/03/2024")}, directory,
                       "lan", AT)  # fmt: skip
    assert (month.row(1).start, month.row(1).end) == (date(2024, 3, 1), date(2024, 3, 31))
    reversed_ = apply_form(draft, None, {1: form_of(draft, 1, kind="range", start="20/03/2024", end="10/03/2024")},
                           directory, "lan", AT)  # fmt: skip
    assert [row_of(f, reversed_) for f in blocking(findings(reversed_))] == [1]
    timed = apply_form(draft, None, {1: form_of(draft, 1, start_time="7h30")}, directory, "lan", AT)
    assert fields_of(timed.row(1), {})["start_time"] == "07:30"
    with pytest.raises(EditError, match="giờ bắt đầu"):
        apply_form(draft, None, {1: form_of(draft, 1, start_time="25:00")}, directory, "lan", AT)


def test_units_found_without_diacritics_by_code_several_at_once_and_a_cluster_expanded(directory) -> None:
    found = units_typed("doan so y te; bhxh\nĐoàn Sở Nội vụ", UnitRole.LEAD, directory, "x")
    assert [p.unit_code for p in found] == ["so-y-te", "bhxh", "so-noi-vu"]
    members = units_typed("Các đơn vị của Cụm 1", UnitRole.SUPPORT, directory, "x")
    expected = [u.code for u in directory.members_of("cum-1")]
    assert expected and [p.unit_code for p in members] == expected and {p.role for p in members} == {UnitRole.SUPPORT}
    with pytest.raises(EditError, match="không có đơn vị “Đoàn Sở Không Có”"):
        units_typed("Đoàn Sở Không Có", UnitRole.LEAD, directory, "Hoạt động 1: thêm đơn vị phụ trách")


def test_an_unknown_name_is_replaced_by_units_and_units_added_and_removed(draft, directory) -> None:
    three = draft.row(3)
    assert [(p.name, p.unit_code) for p in three.responsible] == [("Đoàn Khu Công nghệ mới", None)]
    form = form_of(draft, 3, groups={0: "khu-cnc"}, add_support="doan bao hiem xa hoi")
    changed = apply_form(draft, None, {3: form}, directory, "lan", AT)
    assert [(p.unit_code, p.role) for p in changed.row(3).responsible] == [("khu-cnc", UnitRole.LEAD),
                                                                           ("bhxh", UnitRole.SUPPORT)]  # fmt: skip
    fields = {c.field: (c.before, c.after) for c in changed.changes}
    assert fields["unassigned"] == ("Đoàn Khu Công nghệ mới", "")
    assert fields["lead"] == ("", "Đoàn Khu Công nghệ cao") and fields["support"] == ("", "Đoàn Bảo hiểm xã hội")
    dropped = apply_form(changed, None, {3: form_of(changed, 3, support=[])}, directory, "lan", AT)
    assert [p.unit_code for p in dropped.row(3).responsible] == ["khu-cnc"]


def test_add_remove_split_and_undo(draft, directory) -> None:
    added = add_row(draft, "lan", AT)
    assert [a.number for a in added.plan.activities] == ["1", "2", "3", "4"] and added.keys[-1] == 4
    assert any(f.kind == "empty_row" and row_of(f, added) == 4 for f in findings(added))  # empty: said, not blocking
    assert not any(row_of(f, added) == 4 for f in blocking(findings(added)))
    removed = remove_row(added, 2, "lan", AT)
    assert [a.number for a in removed.plan.activities] == ["1", "3", "4"]
    split = split_row(removed, 1, "lan", AT)
    assert [a.number for a in split.plan.activities] == ["1", "1.1", "3", "4"]
    child = split.plan.activities[1]
    assert child.parent == 1 and child.no not in (1, 3, 4) and child.start == draft.row(1).start
    assert [c.field for c in split.changes] == ["row", "row", "row"]
    back = undo(undo(split))
    assert [a.number for a in back.plan.activities] == ["1", "2", "3", "4"] and len(back.changes) == 1
    assert undo(back).plan == draft.plan
    with pytest.raises(EditError, match="hoàn tác"):
        undo(draft)


def test_numbers_as_written_and_duplicates_found(draft, directory) -> None:
    sub = apply_form(draft, None, {3: form_of(draft, 3, number="2.1")}, directory, "lan", AT)
    assert sub.row(3).number == "2.1" and len({a.no for a in sub.plan.activities}) == 3
    twice = apply_form(draft, None, {3: form_of(draft, 3, number="2")}, directory, "lan", AT)
    assert any(f.kind == "duplicate_no" for f in blocking(findings(twice)))
    with pytest.raises(EditError, match="số thứ tự"):
        apply_form(draft, None, {3: form_of(draft, 3, number="ba")}, directory, "lan", AT)


def test_policy_days_per_row_reach_the_start_form_by_number(draft, directory) -> None:
    changed = apply_form(draft, None, {2: form_of(draft, 2, report_due="6")}, directory, "lan", AT)
    assert policy_fields(changed) == {"report_due-2": "6"}
    with pytest.raises(EditError, match="Hoạt động 2: hạn báo cáo sau"):
        apply_form(draft, None, {2: form_of(draft, 2, report_due="nhiều")}, directory, "lan", AT)


def test_corrections_are_the_net_change_per_field(draft, directory) -> None:
    one = apply_form(draft, None, {1: form_of(draft, 1, start="10/03/2024", number="5")}, directory, "lan", AT)
    two = apply_form(one, None, {1: form_of(one, 1, start="09/03/2024", place="Công viên Gia Định")}, directory,
                     "minh", AT)  # fmt: skip
    gone = remove_row(two, 2, "lan", AT)
    net = [(c.number, c.field, c.before, c.after) for c in corrections(gone.changes)]
    assert net == [("5", "số thứ tự", "1", "5"), ("5", "địa điểm", "Kênh Nhiêu Lộc", "Công viên Gia Định"),
                   ("2", "hoạt động", "2. Thu gom pin cũ", "bỏ")]  # fmt: skip


def test_a_campaign_written_from_nothing(directory) -> None:
    blank = blank_draft(date(2024, 4, 10))
    assert blank.read is None and blank.plan.window.start == date(2024, 4, 1)
    assert {f.kind for f in blocking(findings(blank))} == {"no_title"}
    heading = HeadingForm(code="9-KH/ĐTN", title="Tháng Tư xanh", issued_on="01/04/2024", window_start="01/04/2024",
                          window_end="30/04/2024")  # fmt: skip
    rows = {1: RowForm(number="1", title="Đạp xe vì môi trường", kind="single_day", start="14/04/2024", end="",
                       add_lead="so-tnmt")}  # fmt: skip
    written = apply_form(blank, heading, rows, directory, "lan", AT)
    assert not blocking(findings(written)) and written.plan.code == "9-KH/ĐTN"
    assert written.row(1).unit_codes == ["so-tnmt"]
    with pytest.raises(EditError, match="Thời gian kế hoạch"):
        apply_form(blank, heading.model_copy(update={"window_end": "01/03/2024"}), {}, directory, "lan", AT)


def test_the_readers_notes_stay_and_the_lint_is_found_again(directory) -> None:
    lines = [*PLAN, "4	Hội thao	31/02/2024	Sân vận động	Đoàn Sở Y tế phụ trách"]
    plan = import_lines(lines, directory)
    draft = draft_from_read(plan, lines, "x.txt")
    # the row the reader could not date is kept, and waits for its date (found again, not a note)
    assert draft.row(4).title == "Hội thao" and not any(f.line == len(lines) for f in draft.notes)
    assert [f.line for f in blocking(findings(draft))] == [len(lines)]
    unknown = next(f for f in draft.notes if f.kind == "unknown_party")
    assert unknown in findings(draft)
    fixed = apply_form(draft, None, {3: form_of(draft, 3, groups={0: "khu-cnc"})}, directory, "lan", AT)
    assert unknown not in findings(fixed)  # a note about a row changed by hand is no longer shown


def test_a_wholly_empty_row_neither_blocks_nor_starts(directory) -> None:
    from campaign.editing import started_plan

    blank = blank_draft(date(2024, 4, 10))
    heading = HeadingForm(code="9-KH/ĐTN", title="Tháng Tư xanh", issued_on="01/04/2024", window_start="01/04/2024",
                          window_end="30/04/2024")  # fmt: skip
    rows = {1: RowForm(number="1", title="Đạp xe vì môi trường", kind="single_day", start="14/04/2024", end="",
                       add_lead="so-tnmt")}  # fmt: skip
    added = add_row(apply_form(blank, heading, rows, directory, "lan", AT), "lan", AT)  # "Thêm hoạt động" once more
    assert len(added.plan.activities) == 2 and not blocking(findings(added))
    assert any(f.kind == "empty_row" and f.activity == 2 for f in findings(added))  # said beside the row
    assert [a.title for a in started_plan(added).activities] == ["Đạp xe vì môi trường"]
    named = apply_form(added, None, {2: RowForm(number="2", title="", kind="single_day", start="20/04/2024",
                                                end="", place="Công viên")}, directory, "lan", AT)  # fmt: skip
    assert {f.kind for f in blocking(findings(named))} == {"no_title"}  # a row with something in it is a row


def test_a_row_made_a_deadline_to_hand_something_in_is_due_that_day(draft, directory) -> None:
    """As the importer reads "Nộp … trước ngày …": the report is due on the day, not report days after."""
    typed = {"kind": "deadline", "start": "", "end": "15/03/2024"}
    handed_in = apply_form(draft, None, {2: form_of(draft, 2, title="Nộp pin cũ về Văn phòng", **typed)},
                           directory, "lan", AT)  # fmt: skip
    assert (handed_in.row(2).kind.value, handed_in.row(2).due_given) == ("deadline", True)
    work = apply_form(draft, None, {2: form_of(draft, 2, **typed)}, directory, "lan", AT)
    assert work.row(2).due_given is False  # "Thu gom pin cũ" by a deadline: the report comes after
    back = apply_form(handed_in, None, {2: form_of(handed_in, 2, kind="single_day", start="16/03/2024",
                                                   end="16/03/2024")}, directory, "lan", AT)  # fmt: skip
    assert back.row(2).due_given is False


BODY_PLAN = """ĐOÀN KHỐI
Số: 41-KH/ĐTN
TP. Hồ Chí Minh, ngày 20 tháng 10 năm 2026

KẾ HOẠCH
Tổ chức các hoạt động tháng 11 năm 2026
(Từ ngày 01/11/2026 đến ngày 30/11/2026)

II. NỘI DUNG
1. Hội thi tìm hiểu pháp luật cho đoàn viên
- Thời gian: 07/11/2026
- Địa điểm: Hội trường A
- Đơn vị thực hiện: Đoàn Bảo hiểm xã hội
2. Ngày hội hiến máu Giọt hồng tháng Mười một
- Thời gian: 31/11/2026
- Địa điểm: Nhà Văn hóa Thanh niên
- Đơn vị thực hiện: Đoàn Sở Y tế
3. Giải bóng đá đoàn viên
- Thời gian: 21/11/2026
- Địa điểm: Sân vận động Quận 3
- Đơn vị thực hiện: Đoàn Khu Công nghệ cao

Nơi nhận:
- Lưu VP.
""".splitlines()


def test_a_row_with_an_impossible_date_waits_in_the_editor_for_its_date(directory) -> None:
    draft = draft_from_read(import_lines(BODY_PLAN, directory), BODY_PLAN, "ke-hoach.txt")
    assert [a.number for a in draft.plan.activities] == ["1", "2", "3"]
    row = draft.row(2)
    assert (row.title, row.place, row.unit_codes) == (
        "Ngày hội hiến máu Giọt hồng tháng Mười một", "Nhà Văn hóa Thanh niên", ["so-y-te"])  # fmt: skip
    shown = fields_of(row, {})
    assert (shown["start"], shown["end"]) == ("", "")  # unset, not a made-up day
    about_row = [f for f in findings(draft) if row_of(f, draft) == 2]
    assert [(f.kind, f.line) for f in about_row] == [("unreadable_date", 14)]  # once, on the row
    assert "31/11/2026 không tồn tại" in about_row[0].message
    assert [f for f in findings(draft) if "31/11" in f.message] == about_row
    assert blocking(findings(draft)) == about_row  # it cannot start without the date
    # other rows' changes go through with the row still waiting (its empty dates are not an error)
    renamed = apply_form(draft, None, {1: form_of(draft, 1, title="Hội thi pháp luật"), 2: form_of(draft, 2)},
                         directory, "lan", AT)  # fmt: skip
    assert renamed.row(2).date_unread and [c.field for c in renamed.changes] == ["title"]
    assert blocking(findings(renamed)) == about_row
    dated = apply_form(renamed, None, {2: form_of(renamed, 2, start="30/11/2026")}, directory, "lan", AT)
    assert (dated.row(2).start, dated.row(2).end, dated.row(2).date_unread) == (date(2026, 11, 30),) * 2 + ("",)
    assert [(c.field, c.before, c.after) for c in dated.changes[-2:]] == [
        ("start", "", "30/11/2026"), ("end", "", "30/11/2026")]  # fmt: skip
    assert not [f for f in findings(dated) if "31/11" in f.message or f.kind == "unreadable_date"]
    assert blocking(findings(dated)) == []


def test_a_table_row_with_an_impossible_date_is_kept_to_be_dated(directory) -> None:
    lines = [*PLAN[:-1], "3	Tọa đàm rác nhựa	31/4/2024	Hội trường B	Đoàn Sở Tư pháp phụ trách"]
    draft = draft_from_read(import_lines(lines, directory), lines, "ke-hoach.txt")
    assert [(a.number, a.title) for a in draft.plan.activities][2] == ("3", "Tọa đàm rác nhựa")
    assert [f.kind for f in blocking(findings(draft))] == ["unreadable_date"]
    dated = apply_form(draft, None, {3: form_of(draft, 3, start="30/03/2024")}, directory, "lan", AT)
    assert dated.row(3).start == date(2024, 3, 30) and blocking(findings(dated)) == []


def test_one_apply_names_every_field_at_fault_and_changes_nothing(draft, directory) -> None:
    """Two fields wrong in one row, one in another and the plan's own dates reversed: every one said, a line
    each in the form's order, and the draft stays as it was."""
    rows = {
        1: form_of(draft, 1, start="31/02/2024", start_time="25:00"),
        3: form_of(draft, 3, add_lead="Đoàn Sở Không Có"),
    }
    heading = HeadingForm(code="7-KH/ĐTN", title="Tháng Hành động", issued_on="", window_start="31/03/2024",
                          window_end="01/03/2024")  # fmt: skip
    with pytest.raises(EditError) as raised:
        apply_form(draft, heading, rows, directory, "lan", AT)
    lines = str(raised.value).splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("Thời gian kế hoạch: đến ngày 01/03/2024 trước từ ngày 31/03/2024")
    assert lines[1].startswith("Hoạt động 1: ngày bắt đầu") and lines[2].startswith("Hoạt động 1: giờ bắt đầu")
    assert lines[3].startswith("Hoạt động 3: thêm đơn vị phụ trách") and "Đoàn Sở Không Có" in lines[3]
    assert not draft.steps and draft.row(1).start == date(2024, 3, 9)


def test_the_days_before_and_after_a_wrong_year_and_a_lone_end_day_are_each_said_of_their_own_field(
    draft, directory
) -> None:
    rows = {
        1: form_of(draft, 1, kind="whole_month", start="01/12/9999", report_due="xyz"),
        2: form_of(draft, 2, start="", end="hôm qua", ready_lead="abc", report_due="-2"),
    }
    with pytest.raises(EditError) as raised:
        apply_form(draft, None, rows, directory, "lan", AT)
    lines = str(raised.value).splitlines()
    assert lines[0] == "Hoạt động 1: ngày bắt đầu: năm 9999 nằm ngoài 1900–2999"
    assert lines[1].startswith("Hoạt động 1: ") and "xyz" in lines[1]  # its report_due, after the row's own fields
    assert lines[2] == "Hoạt động 2: ngày kết thúc: “hôm qua” không phải ngày dạng dd/mm/yyyy"  # not the start
    assert lines[3] == "Hoạt động 2: xác nhận sẵn sàng trước (ngày): “abc” không phải số ngày"
    assert lines[4] == "Hoạt động 2: hạn báo cáo sau (ngày): phải từ 0 đến 120 ngày"
    assert len(lines) == 5 and not draft.steps
    with pytest.raises(EditError, match="Hoạt động 3: ngày bắt đầu: chưa nhập ngày"):
        apply_form(draft, None, {3: form_of(draft, 3, start="", end="")}, directory, "lan", AT)
