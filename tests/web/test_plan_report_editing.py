"""The office decides on the whole plan in the schedule editor (campaign.editing): the report on the plan
(remove a duty, edit its wording, change its due date, turn it off) and the issuer's tasks without a row
(schedule one as an ordinary activity, leave one out, put it back), every choice in the change log, undone
like any other step, and what the started plan carries. The plan is invented (tests/corpus/duties)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from campaign.dates import ActivityKind
from campaign.draft import EditError, field_words
from campaign.duties import with_plan_report
from campaign.duty_editing import ReportForm, TaskForm, leave_out_task, remove_duty, restore_task, schedule_task
from campaign.editing import apply_form, corrections, draft_from_read, findings, remove_row, started_plan, undo
from campaign.importer import import_lines
from store.drafts import hand_corrections
from store.schema import CampaignPlan
from tests.conftest import CORPUS
from tests.office_env import office, signed_in
from tests.web.test_office_editor import follow, form_of, month_ahead, send, started_input, stop

__all__ = ["office"]  # the fixture

AT = datetime(2025, 2, 21, 9, 0, tzinfo=UTC)
WHO = "lan (office)"
LINES = (CORPUS / "duties" / "thang-ba.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture
def draft(directory):
    return draft_from_read(import_lines(LINES, directory), LINES, "thang-ba.txt")


def report_form(draft, **typed) -> ReportForm:
    report = draft.plan.plan_report
    values = {"enabled": report.enabled, "due": f"{report.due:%d/%m/%Y}" if report.due else "",
              "duties": {d.no: d.text for d in report.duties}}  # fmt: skip
    return ReportForm(**(values | typed))


def test_the_same_report_form_again_changes_nothing(draft, directory) -> None:
    assert apply_form(draft, None, {}, directory, WHO, AT, report_form(draft)) is draft


def test_a_duty_reworded_removed_the_due_date_moved_each_logged(draft, directory) -> None:
    duties = {1: "Tổ chức ít nhất 03 buổi sinh hoạt chủ điểm về lịch sử Đoàn\ncho đoàn viên", 2: "", 3: "x"}
    with pytest.raises(EditError, match=r"Nhiệm vụ 2 .*nội dung trống; muốn bỏ nhiệm vụ thì bấm “Bỏ nhiệm vụ 2”"):
        apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, duties=duties))
    with pytest.raises(EditError, match="hạn nộp: ngày 31/04/2025 không có thật"):
        apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, due="31/04/2025"))
    with pytest.raises(EditError, match="hạn nộp 15/02/2025 trước ngày bắt đầu kế hoạch 01/03/2025"):
        apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, due="15/02/2025"))
    reworded = {1: duties[1], 2: draft.plan.plan_report.duties[1].text, 3: draft.plan.plan_report.duties[2].text}
    changed = apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, duties=reworded, due="10/4/2025"))
    report = changed.plan.plan_report
    assert report.due == date(2025, 4, 10) and report.due_line is None
    assert report.duties[0].text == "Tổ chức ít nhất 03 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên"
    assert report.duties[0].count_label == "buổi sinh hoạt chủ điểm"  # read again from the new wording
    logged = {(c.field, c.before, c.after, c.who, c.at) for c in changed.changes}
    assert ("report_due_date", "05/04/2025", "10/04/2025", WHO, AT) in logged
    assert any(c.field == "duty-1" and "02 buổi" in c.before and "03 buổi" in c.after for c in changed.changes)
    removed = remove_duty(changed, 2, WHO, AT)
    assert [d.no for d in removed.plan.plan_report.duties] == [1, 3]
    assert removed.changes[-1].field == "duty-2" and removed.changes[-1].after == "bỏ"
    with pytest.raises(EditError, match="không có nhiệm vụ 2"):
        remove_duty(removed, 2, WHO, AT)
    # started: the duties kept are numbered 1, 2 for the units' answers; the report runs due on 10/04
    plan = started_plan(removed)
    assert [(d.no, d.text[:20]) for d in plan.plan_report.duties] == [
        (1, "Tổ chức ít nhất 03 b"),
        (2, "Giới thiệu đoàn viên"),
    ]
    activity = with_plan_report(plan, directory).activities[-1]
    assert (activity.end, activity.due_given, [d.no for d in activity.duties]) == (date(2025, 4, 10), True, [1, 2])
    words = {c.field: (c.before, c.after) for c in corrections(removed.changes)}
    assert words[field_words("duty-2")][1] == "bỏ"
    assert words["hạn báo cáo kết quả thực hiện kế hoạch"] == ("05/04/2025", "10/04/2025")
    assert undo(removed).plan.plan_report.duties[1].no == 2  # undone like any other step


def test_the_report_turned_off_is_not_started_and_an_empty_due_date_falls_back_to_the_policy(draft, directory) -> None:
    off = apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, enabled=False))
    assert [(c.field, c.before, c.after) for c in off.changes] == [("plan_report", "có", "không")]
    assert len(with_plan_report(started_plan(off), directory).activities) == 2
    policy_due = apply_form(draft, None, {}, directory, WHO, AT, report_form(draft, due=""))
    activity = with_plan_report(started_plan(policy_due), directory).activities[-1]
    assert (activity.end, activity.due_given) == (date(2025, 3, 31), False)  # the window's end + report days


def test_every_duty_removed_is_said_before_start(draft) -> None:
    for no in (1, 2, 3):
        draft = remove_duty(draft, no, WHO, AT)
    assert any(f.kind == "no_duties" for f in findings(draft))


def test_a_task_without_a_row_is_scheduled_left_out_and_put_back(draft, directory) -> None:
    [task] = draft.plan.unscheduled
    with pytest.raises(EditError, match="chưa nhập ngày"):
        schedule_task(draft, task.key, TaskForm(), directory, WHO, AT)
    with pytest.raises(EditError, match=r"đơn vị phụ trách: .*Đoàn Không Có"):
        schedule_task(draft, task.key, TaskForm(day="14/3/2025", units="Đoàn Không Có"), directory, WHO, AT)
    scheduled = schedule_task(draft, task.key, TaskForm(day="14/3/2025", units="so vhtt; bhxh"), directory, WHO, AT)
    new = scheduled.plan.activities[-1]
    assert (new.no, new.title, new.kind, new.start, new.unit_codes, new.line) == (
        3, "Tổ chức Hội thảo “Thanh niên với chuyển đổi số” cho cán bộ Đoàn", ActivityKind.SINGLE_DAY,
        date(2025, 3, 14), ["so-vhtt", "bhxh"], task.line)  # fmt: skip
    assert scheduled.plan.unscheduled[0].choice == "scheduled"
    assert [(c.field, c.after) for c in scheduled.changes] == [("row", "xếp lịch từ việc chưa xếp lịch 1"),
                                                               ("task-1", "xếp lịch: hoạt động 3")]  # fmt: skip
    with pytest.raises(EditError, match=r"đã có quyết định \(đã xếp lịch\)"):
        leave_out_task(scheduled, task.key, WHO, AT)
    plan = started_plan(scheduled)
    assert plan.unscheduled[0].activity == 3
    # started, the report on the plan comes after the scheduled task
    assert [a.no for a in with_plan_report(plan, directory).activities] == [1, 2, 3, 4]
    # the row removed: the task is back on the list to decide
    back = remove_row(scheduled, scheduled.keys[-1], WHO, AT)
    assert back.plan.unscheduled[0].choice == "pending" and back.task_rows == {}
    assert back.changes[-1].field == "task-1" and back.changes[-1].after == "chưa xếp lịch"
    # the whole month, and undo
    month = schedule_task(draft, task.key, TaskForm(whole_month=True), directory, WHO, AT).plan.activities[-1]
    assert (month.kind, month.start, month.end) == (ActivityKind.WHOLE_MONTH, date(2025, 3, 1), date(2025, 3, 31))
    assert undo(scheduled).plan.unscheduled[0].choice == "pending" and len(undo(scheduled).plan.activities) == 2
    left = leave_out_task(draft, task.key, WHO, AT)
    assert left.plan.unscheduled[0].choice == "left_out" and len(left.plan.activities) == 2
    assert (left.changes[-1].field, left.changes[-1].before, left.changes[-1].after) == (
        "task-1", "chưa xếp lịch", "bỏ qua")  # fmt: skip
    assert corrections(left.changes)[0].field == "việc chưa xếp lịch 1"
    restored = restore_task(left, task.key, WHO, AT)
    assert restored.plan.unscheduled[0].choice == "pending"
    assert started_plan(left).unscheduled[0].choice == "left_out"


# --- through the editor's forms ---------------------------------------------------------------------


def whole_plan(first: date) -> bytes:
    """An invented plan a month ahead: a "Cấp Khối" section with two undated tasks, a "Cấp cơ sở" list of
    three duties and the report's deadline in "Tổ chức thực hiện"."""
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    due = last + timedelta(days=5)
    return f"""ĐOÀN KHỐI
Số: 48-KH/ĐTN
TP. Hồ Chí Minh, ngày {first.day:02d} tháng {first.month} năm {first.year}

KẾ HOẠCH
Tháng hành động vì an toàn giao thông
(Từ ngày {first:%d/%m} đến ngày {last:%d/%m/%Y})

I. MỤC ĐÍCH - YÊU CẦU
- Nâng cao ý thức chấp hành luật giao thông của đoàn viên.
II. NỘI DUNG
1. Hoạt động cấp Khối:
- Phát động Tháng hành động tại Nhà Văn hóa Thanh niên.
- Tổ chức Hội thi tìm hiểu Luật Giao thông đường bộ cho đoàn viên.
- Xây dựng bộ tài liệu hỏi đáp về văn hóa giao thông.
2. Cấp cơ sở:
- Tổ chức ít nhất 02 buổi tuyên truyền luật giao thông cho đoàn viên.
- Vận động đoàn viên đội mũ bảo hiểm đạt chuẩn khi đi xe máy.
- Ra quân hướng dẫn giao thông tại các nút giao gần trụ sở.
III. TỔ CHỨC THỰC HIỆN
1. Văn phòng Đoàn Khối: theo dõi, tổng hợp kết quả.
2. Các cơ sở Đoàn:
- Triển khai kế hoạch đến từng chi đoàn.
- Gửi báo cáo kết quả thực hiện kế hoạch về Văn phòng Đoàn Khối trước ngày {due:%d/%m/%Y}.
Nơi nhận:
- Lưu: VP.

LỊCH HOẠT ĐỘNG
TT	HOẠT ĐỘNG	THỜI GIAN	ĐỊA ĐIỂM	GHI CHÚ
1	Phát động Tháng hành động	{first.replace(day=3):%d/%m/%Y}	Nhà Văn hóa Thanh niên	so-vhtt phụ trách
""".encode()


async def opened_whole_plan(office, first: date):  # type: ignore[no-untyped-def]
    http, csrf = await signed_in(office, "vp")
    uploaded = await http.post("/campaigns/new", data={"csrf": csrf},
                               files={"plan": ("atgt.txt", whole_plan(first), "text/plain")})  # fmt: skip
    opened = await follow(http, uploaded)
    return http, str(opened.url.path), opened.text


async def test_the_office_edits_the_duties_schedules_a_task_leaves_one_out_and_starts(office) -> None:
    first = month_ahead()
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    http, where, page = await opened_whole_plan(office, first)
    assert 'id="plan-report"' in page and 'id="unscheduled"' in page
    assert f"Kế hoạch ghi hạn {last + timedelta(days=5):%d/%m/%Y}" in page
    tasks = re.findall(r'<div class="task pending" id="t(\d+)">\s*<p><strong>([^<]+)</strong> — <em>([^<]+)</em>', page)
    assert [(t[1][:22], t[2]) for t in tasks] == [("Tổ chức Hội thi tìm hi", "ĐOÀN KHỐI"),
                                                   ("Xây dựng bộ tài liệu h", "ĐOÀN KHỐI")]  # fmt: skip
    # a refused due date keeps what was typed, and changes nothing
    bad = await send(http, where, page, "apply", pr__due="31/02/2031")
    assert bad.status_code == 422 and "hạn nộp: ngày 31/02/2031 không có thật" in bad.text
    assert 'value="31/02/2031"' in bad.text
    due = last + timedelta(days=10)
    reworded = "Tổ chức ít nhất 03 buổi tuyên truyền luật giao thông\r\ncho đoàn viên và người lao động"
    page = (await follow(http, await send(http, where, page, "apply", pr__due=f"{due:%d/%m/%Y}",
                                          pr__duty__1=reworded))).text  # fmt: skip
    page = (await follow(http, await send(http, where, page, "remove-duty-2"))).text
    assert 'id="pr-duty-2"' not in page and 'id="pr-duty-3"' in page
    one, two = tasks[0][0], tasks[1][0]
    typed = {f"t{one}__day": f"{first.replace(day=20):%d/%m/%Y}", f"t{one}__units": "bhxh; doan so tu phap"}
    page = (await follow(http, await send(http, where, page, f"schedule-{one}", **typed))).text
    assert 'value="Tổ chức Hội thi tìm hiểu Luật Giao thông đường bộ cho đoàn viên"' not in page  # a textarea
    assert "Tổ chức Hội thi tìm hiểu Luật Giao thông đường bộ cho đoàn viên</textarea>" in page
    page = (await follow(http, await send(http, where, page, f"leave-{two}"))).text
    assert "Bỏ qua: chiến dịch không theo dõi việc này" in page and "Đã xếp lịch" in page
    log = page.split('id="changes"')[1]
    assert "nhiệm vụ 2 của báo cáo kết quả thực hiện kế hoạch: “Vận động đoàn viên" in log and "→ “bỏ”" in log
    assert f"việc chưa xếp lịch {two}: “chưa xếp lịch” → “bỏ qua”" in log
    cid = f"atgt-{datetime.now(UTC):%H%M%S%f}"
    started = await send(http, where, page, "start", campaign_id=cid)
    await http.aclose()
    try:
        assert started.status_code == 303, started.text[:3000]
        plan = (await started_input(office, cid)).plan
        assert [a.title[:26] for a in plan.activities] == [
            "Phát động Tháng hành động", "Tổ chức Hội thi tìm hiểu L", "Báo cáo kết quả thực hiện "]  # fmt: skip
        task = plan.activities[1]
        assert (task.start, task.kind.value, task.unit_codes) == (first.replace(day=20), "single_day",
                                                                  ["bhxh", "so-tu-phap"])  # fmt: skip
        report = plan.activities[2]
        assert (report.end, report.due_given) == (due, True)
        assert [(d.no, d.text[:30]) for d in report.duties] == [
            (1, "Tổ chức ít nhất 03 buổi tuyên "), (2, "Ra quân hướng dẫn giao thông t")]  # fmt: skip
        assert report.duties[0].text.endswith("cho đoàn viên và người lao động")
        assert plan.plan_report is not None and plan.plan_report.due == due
        with office.store.session() as session:
            record = session.get(CampaignPlan, cid)
            assert record is not None
            fields = {c["field"]: (c["before"], c["after"], c["who"]) for c in record.changes}
            assert fields["report_due_date"][1:] == (f"{due:%d/%m/%Y}", "vp (office)")
            assert fields["duty-2"][1] == "bỏ" and fields[f"task-{two}"][1] == "bỏ qua"
            assert fields[f"task-{one}"][1] == "xếp lịch: hoạt động 2"
            chosen = {t["key"]: (t["choice"], t["activity"]) for t in record.started_plan["unscheduled"]}
            assert chosen == {int(one): ("scheduled", 2), int(two): ("left_out", None)}
            fixed = {c.field for c in hand_corrections(session, cid)}
        assert {"hạn báo cáo kết quả thực hiện kế hoạch", f"việc chưa xếp lịch {two}"} <= fixed
    finally:
        await stop(office, cid, range(1, 5))


async def test_the_report_turned_off_starts_without_it(office) -> None:
    first = month_ahead()
    http, where, page = await opened_whole_plan(office, first)
    fields = form_of(page)
    assert fields["pr-enabled"] == ["yes"]
    fields = {name: values for name, values in form_of(page).items() if name != "pr-enabled"}  # unticked
    data = [(name, value) for name, values in fields.items() for value in values] + [("action", "apply")]
    body = str(httpx.QueryParams(data)).encode()
    form = {"content-type": "application/x-www-form-urlencoded"}
    page = (await follow(http, await http.post(where, content=body, headers=form))).text
    assert 'name="pr-enabled" value="yes">' in page  # shown unticked
    cid = f"atgt-off-{datetime.now(UTC):%H%M%S%f}"
    fields = form_of(page)
    assert "pr-enabled" not in fields
    started = await send(http, where, page, "start", campaign_id=cid)
    await http.aclose()
    try:
        assert started.status_code == 303, started.text[:3000]
        plan = (await started_input(office, cid)).plan
        assert [a.no for a in plan.activities] == [1] and not plan.plan_report.enabled  # type: ignore[union-attr]
    finally:
        await stop(office, cid, range(1, 3))


async def test_who_may_decide_on_the_report_and_the_tasks(office) -> None:
    first = month_ahead()
    http, where, page = await opened_whole_plan(office, first)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)[1]  # type: ignore[index]
    forged = await http.post(where, data={"csrf": "sai", "action": "remove-duty-1", "pr-shown": "1"})
    no_csrf = await http.post(where, data={"action": "leave-1"})
    committee, committee_csrf = await signed_in(office, "btv")
    removed = await committee.post(where, data={"csrf": committee_csrf, "action": "remove-duty-1"})
    left = await committee.post(where, data={"csrf": committee_csrf, "action": "leave-1"})
    own_csrf_elsewhere = await committee.post(where, data={"csrf": csrf, "action": "leave-1"})
    nobody = office.http()
    anonymous = await nobody.post(where, data={"csrf": csrf, "action": "leave-1"})
    after = (await http.get(where)).text
    for client in (http, committee, nobody):
        await client.aclose()
    assert forged.status_code == 403 and no_csrf.status_code == 403
    assert removed.status_code == 403 and left.status_code == 403 and own_csrf_elsewhere.status_code == 403
    assert anonymous.status_code in (401, 403)
    assert 'id="pr-duty-1"' in after and 'class="task pending"' in after and 'id="changes"' not in after


async def test_the_editor_an_upload_opens_shows_the_plan_report_and_the_tasks_without_a_row(office) -> None:
    http, csrf = await signed_in(office, "vp")
    files = {"plan": ("ke-hoach.txt", (CORPUS / "duties" / "thang-ba.txt").read_bytes(), "text/plain")}
    editor = await follow(http, await http.post("/campaigns/new", data={"csrf": csrf}, files=files))
    await http.aclose()
    assert editor.status_code == 200, editor.text
    text = re.sub(r"\s+", " ", editor.text)
    report = text.split('id="plan-report"')[1].split("</fieldset>")[0]
    assert "Kế hoạch ghi hạn 05/04/2025 (dòng 23)" in report and "không cần xác nhận sẵn sàng" in report
    assert "Tổ chức ít nhất 02 buổi sinh hoạt chủ điểm về lịch sử Đoàn cho đoàn viên" in report
    assert "đơn vị báo số buổi sinh hoạt chủ điểm" in report
    unscheduled = text.split('id="unscheduled"')[1].split("</fieldset>")[0]
    assert (
        "<strong>Tổ chức Hội thảo “Thanh niên với chuyển đổi số” cho cán bộ Đoàn</strong> — <em>ĐOÀN KHỐI</em>"
        in unscheduled
    )
