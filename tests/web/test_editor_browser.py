"""The schedule editor in a real browser (Debian's Chromium, headless), as a clerk uses it: upload a plan,
which opens in the editor, change a date, add a unit typed without diacritics, remove a row, add a row, save
the draft, reopen it from the campaigns page at phone width, start it; the started workflow's input is
what was typed. PORTAL_SCREENSHOTS=<dir> keeps the screenshots."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from tests.helpers import CHROMIUM, SCREENSHOTS, shot
from tests.web.test_office_editor import month_ahead, partly_wrong, plan_text, started_input

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")


async def test_an_upload_lands_in_the_editor_where_the_clerk_corrects_and_starts_it(office_site, tmp_path) -> None:
    """One step from upload to editor (issue 23): a plan the reader gets partly wrong (a date in the wrong
    year, a unit the directory does not know, a row whose date it cannot read) opens as the editable
    schedule with each finding beside its row and the line it was read from; the clerk corrects the date
    and the unit and dates the kept row right there at 1366×768 and starts it; the same page fits a 360 px
    phone."""
    first = month_ahead()
    (tmp_path / "suc-khoe.txt").write_bytes(partly_wrong(first))
    cid = f"up-{uuid.uuid4().hex[:6]}"
    widths: dict[str, int] = {}
    page = await office_site.signed_in(1366, height=768)
    await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
    await page.get_by_label("Tệp kế hoạch").set_input_files(str(tmp_path / "suc-khoe.txt"))
    await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
    await page.locator("#r1").wait_for()
    landed = page.url
    one = page.locator("#r1")
    beside = await one.locator(".finding").all_inner_texts()
    quoted = await one.locator(".quoted").inner_text()
    listed = await page.locator("#findings").inner_text()
    await shot(page, "upload-editor-1366.png")
    await shot(page, "upload-editor-1366-full.png", full_page=True)
    widths["1366"] = await page.evaluate("document.documentElement.scrollWidth")
    # the same page on a phone: nothing wider than the screen, every control labelled
    mobile = await office_site.page(360, 740, like=page)
    await mobile.goto(landed)
    await mobile.locator("#r1").wait_for()
    widths["360"] = await mobile.evaluate("document.documentElement.scrollWidth")
    await shot(mobile, "upload-editor-360.png", full_page=True)
    controls = "#editor input:not([type=hidden]), #editor select, #editor textarea"
    unlabelled = await mobile.evaluate(
        f"[...document.querySelectorAll('{controls}')].filter(e => !e.labels.length).map(e => e.name)"
    )
    await mobile.context.close()
    # correct the date and the unit right there, check again, start
    await page.locator("#r1-start").fill(f"{first.replace(day=6):%d/%m/%Y}")
    await page.get_by_label("Đơn vị đúng cho “Đoàn Sở Thể thao mới”").fill("doan so tu phap")
    await page.locator("#r3-start").fill(f"{first.replace(day=20):%d/%m/%Y}")  # the row kept undated
    await page.get_by_role("button", name="Áp dụng và kiểm tra").click()
    await page.locator("#r1").wait_for()
    after = await page.locator("#r1 .finding").count()
    two = await page.locator("#r2 .units").first.inner_text()
    await page.locator("#r2").scroll_into_view_if_needed()
    await shot(page, "upload-corrected-1366.png")
    await page.get_by_label("Mã chiến dịch").fill(cid)
    await page.get_by_role("button", name="Khởi động chiến dịch").click()
    await page.locator("#grid").wait_for()
    value = await started_input(office_site.setup, cid)
    assert "/drafts/" in landed  # one step: no preview page, no second button
    assert any("nằm ngoài thời gian kế hoạch" in f for f in beside), beside
    assert quoted.startswith("dòng 14: “1 | Khám sức khỏe miễn phí |")
    assert "không đọc được ngày trong “ngày 40”" in listed and "Hoạt động 2" in listed
    assert widths["1366"] <= 1366 and widths["360"] <= 360, widths
    assert unlabelled == []
    assert after == 0 and "Đoàn Sở Tư pháp" in two
    plan = value.plan
    assert [(a.number, a.start) for a in plan.activities] == [
        ("1", first.replace(day=6)),
        ("2", first.replace(day=13)),
        ("3", first.replace(day=20)),
    ]
    assert plan.activities[1].unit_codes == ["so-tu-phap"]


async def test_a_clerk_edits_saves_reopens_and_starts_a_plan_in_chromium(office_site, tmp_path) -> None:
    first = month_ahead()
    plan = plan_text(first, [
        f"1\tMít tinh hưởng ứng\t{first.replace(day=5):%d/%m/%Y}\tHội trường lớn\tĐoàn Sở Y tế phụ trách",
        f"2\tNgày hội hiến máu\t{first.replace(day=12):%d/%m/%Y}\tNhà Văn hóa Thanh niên\t"
        "Đoàn Bảo hiểm xã hội phụ trách",
        f"3\tGiao lưu thể thao\t{first.replace(day=19):%d/%m/%Y}\tSân Phú Thọ\tĐoàn Sở Nội vụ phụ trách",
    ])  # fmt: skip
    (tmp_path / "ke-hoach.txt").write_bytes(plan)
    cid = f"ed-{uuid.uuid4().hex[:6]}"
    widths: dict[str, int] = {}
    page = await office_site.signed_in(1366, height=768)
    page.on("dialog", dialogs.accept)
    await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
    await page.get_by_label("Tệp kế hoạch").set_input_files(str(tmp_path / "ke-hoach.txt"))
    await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
    await page.locator("#r1").wait_for()
    await shot(page, "editor-1366.png", full_page=True)
    widths["1366"] = await page.evaluate("document.documentElement.scrollWidth")
    # change a date, add a unit typed without diacritics
    await page.locator("#r2-start").fill(f"{first.replace(day=14):%d/%m/%Y}")
    await page.get_by_label("Thêm đơn vị phối hợp").nth(1).fill("doan so tu phap")
    await page.get_by_role("button", name="Áp dụng và kiểm tra").click()
    await page.locator("#r2").wait_for()
    supported = await page.locator("#r2 .units").nth(1).inner_text()
    # two mistakes at once on a wide screen: listed, and the page stays within it
    await page.locator("#r1-start_time").fill("sáng sớm")
    await page.locator("#r3-start").fill(f"31/04/{first.year}")
    await page.get_by_role("button", name="Áp dụng và kiểm tra").click()
    await page.locator("#error li").first.wait_for()
    wide_mistakes = await page.locator("#error li").count()
    await page.locator("#error").scroll_into_view_if_needed()
    await shot(page, "editor-errors-1366.png")
    widths["1366 errors"] = await page.evaluate("document.documentElement.scrollWidth")
    await page.locator("#r1-start_time").fill("")
    await page.locator("#r3-start").fill(f"{first.replace(day=19):%d/%m/%Y}")
    await page.get_by_role("button", name="Áp dụng và kiểm tra").click()
    await page.locator("#r2").wait_for()
    # remove a row, add a row and fill it
    await page.get_by_role("button", name="Bỏ hoạt động 3").click()
    await page.locator("#r1").wait_for()
    removed = await page.locator("#r3").count()
    await page.get_by_role("button", name="Thêm hoạt động").click()
    await page.locator("#r4").wait_for()
    await page.locator("#r4-number").fill("3")
    await page.locator("#r4-title").fill("Tọa đàm “Sống khỏe”\nvới chuyên gia")
    await page.locator("#r4-start").fill(f"{first.replace(day=26):%d/%m/%Y}")
    await page.locator("#r4-start_time").fill("14:00")
    await page.locator("#r4-add_lead").fill("so-noi-vu; Đoàn Khu Công nghệ cao")
    await page.get_by_label("Mã chiến dịch").fill(cid)
    await page.get_by_role("button", name="Lưu nháp").click()
    await page.locator("#saved").wait_for()
    # reopen from the campaigns page, on a phone
    mobile = await office_site.page(360, 740, like=page)
    await mobile.goto(f"{office_site.base}/campaigns")
    await mobile.locator("#drafts a").first.click()
    await mobile.locator("#r4").wait_for()
    reopened = await mobile.locator("#r4-title").input_value()
    await shot(mobile, "editor-360.png", full_page=True)
    widths["360"] = await mobile.evaluate("document.documentElement.scrollWidth")
    controls = "#editor input:not([type=hidden]), #editor select, #editor textarea"
    unlabelled = await mobile.evaluate(
        f"[...document.querySelectorAll('{controls}')].filter(e => !e.labels.length).map(e => e.name)"
    )
    # two mistakes at once: both said in one list, what was typed kept, then corrected
    await mobile.locator("#r1-start").fill(f"30/02/{first.year}")
    await mobile.locator("#r4-start_time").fill("25:00")
    await mobile.get_by_role("button", name="Áp dụng và kiểm tra").click()
    await mobile.locator("#error li").first.wait_for()
    mistakes = await mobile.locator("#error li").all_inner_texts()
    kept_typed = await mobile.locator("#r4-start_time").input_value()
    await mobile.locator("#error").scroll_into_view_if_needed()
    await shot(mobile, "editor-errors-360.png")
    widths["360 errors"] = await mobile.evaluate("document.documentElement.scrollWidth")
    await mobile.locator("#r1-start").fill(f"{first.replace(day=5):%d/%m/%Y}")
    await mobile.locator("#r4-start_time").fill("14:00")
    await mobile.get_by_role("button", name="Áp dụng và kiểm tra").click()
    await mobile.locator("#r4").wait_for()
    await mobile.get_by_role("button", name="Khởi động chiến dịch").click()
    await mobile.locator("#grid").wait_for()
    value = await started_input(office_site.setup, cid)
    assert "Đoàn Sở Tư pháp" in supported and removed == 0
    assert reopened == "Tọa đàm “Sống khỏe” với chuyên gia"
    assert widths["360"] <= 360 and widths["1366"] <= 1366 and widths["360 errors"] <= 360
    assert len(mistakes) == 2 and kept_typed == "25:00" and wide_mistakes == 2 and widths["1366 errors"] <= 1366
    assert mistakes[0].startswith("Hoạt động 1: ngày bắt đầu") and mistakes[1].startswith("Hoạt động 3: giờ bắt đầu")
    assert unlabelled == []
    plan = value.plan
    assert [(a.number, a.start) for a in plan.activities] == [
        ("1", first.replace(day=5)), ("2", first.replace(day=14)), ("3", first.replace(day=26))]  # fmt: skip
    two = [(p.unit_code, p.role.value) for p in plan.activities[1].responsible]
    assert two == [("bhxh", "lead"), ("so-tu-phap", "support")]
    three = plan.activities[2]
    assert three.title == "Tọa đàm “Sống khỏe” với chuyên gia" and three.unit_codes == ["so-noi-vu", "khu-cnc"]
    assert f"{three.start_time:%H:%M}" == "14:00" and isinstance(three.start, date)


class Dialogs:
    """Accepts the editor's "Bỏ hoạt động N?" confirmation, as a clerk would."""

    def __init__(self) -> None:
        self.pending: set[asyncio.Task[None]] = set()

    def accept(self, dialog) -> None:
        task = asyncio.ensure_future(dialog.accept())
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)


dialogs = Dialogs()


async def test_the_duties_and_the_tasks_without_a_row_in_chromium_at_1366_and_360(office_site, tmp_path) -> None:
    """The editor's report on the plan and its tasks without a row, on a laptop and a phone: a duty reworded
    over two lines, one removed, the due date typed, a task scheduled with a unit typed without diacritics,
    another left out; nothing wider than the screen, every control labelled."""
    from tests.web.test_plan_report_editing import whole_plan

    first = month_ahead()
    (tmp_path / "atgt.txt").write_bytes(whole_plan(first))
    widths: dict[str, int] = {}
    page = await office_site.signed_in(1366, height=768)
    page.on("dialog", dialogs.accept)
    await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
    await page.get_by_label("Tệp kế hoạch").set_input_files(str(tmp_path / "atgt.txt"))
    await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
    await page.locator("#plan-report").wait_for()
    await page.locator("#pr-duty-1").fill("Tổ chức ít nhất 03 buổi tuyên truyền\nluật giao thông cho đoàn viên")
    await page.get_by_label("Hạn nộp").fill(f"{first.replace(day=28):%d/%m/%Y}")
    await page.get_by_role("button", name="Bỏ nhiệm vụ 2").click()
    await page.locator("#pr-duty-3").wait_for()
    first_task = page.locator("#unscheduled .task.pending").first
    await first_task.get_by_label("Ngày, dd/mm/yyyy").fill(f"{first.replace(day=21):%d/%m/%Y}")
    await first_task.get_by_label("Đơn vị phụ trách").fill("doan bao hiem xa hoi")
    await first_task.get_by_role("button", name="Xếp lịch việc này").click()
    await page.locator("#unscheduled .task.scheduled").wait_for()
    await page.locator("#unscheduled .task.pending").get_by_role("button", name="Bỏ qua việc này").click()
    await page.locator("#unscheduled .task.left_out").wait_for()
    await page.locator("#plan-report").scroll_into_view_if_needed()
    await shot(page, "editor-duties-1366.png")
    widths["1366"] = await page.evaluate("document.documentElement.scrollWidth")
    duties = [await page.locator(f"#pr-duty-{n}").count() for n in (1, 2, 3)]
    reworded = await page.locator("#pr-duty-1").input_value()
    due = await page.get_by_label("Hạn nộp").input_value()
    log = await page.locator("#changes").text_content() or ""
    mobile = await office_site.page(360, 740, like=page)
    await mobile.goto(page.url.split("#")[0])
    if SCREENSHOTS:  # the sections themselves: the sticky toolbar covers half a phone's screen
        await mobile.locator("#plan-report").screenshot(path=f"{SCREENSHOTS}/editor-duties-360.png")
        await mobile.locator("#unscheduled").screenshot(path=f"{SCREENSHOTS}/editor-tasks-360.png")
    widths["360"] = await mobile.evaluate("document.documentElement.scrollWidth")
    controls = "#plan-report input:not([type=hidden]), #plan-report textarea, #unscheduled input, #unscheduled select"
    unlabelled = await mobile.evaluate(
        f"[...document.querySelectorAll('{controls}')].filter(e => !e.labels.length).map(e => e.name)"
    )
    scheduled_row = await mobile.locator("#editor fieldset.activity").filter(
        has_text="Tổ chức Hội thi tìm hiểu Luật Giao thông").count()  # fmt: skip
    assert duties == [1, 0, 1]
    assert reworded == "Tổ chức ít nhất 03 buổi tuyên truyền luật giao thông cho đoàn viên"
    assert due == f"{first.replace(day=28):%d/%m/%Y}"
    assert "hạn báo cáo kết quả thực hiện kế hoạch" in log and "“chưa xếp lịch” → “bỏ qua”" in log
    assert scheduled_row >= 2  # the task's own line and its activity row
    assert widths["360"] <= 360 and widths["1366"] <= 1366
    assert unlabelled == []
