"""A body plan's contact persons and source lines, where people see them: the schedule editor an upload
opens and the notices a unit receives (issue 21)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from campaign.due import decide
from campaign.importer import import_plan
from campaign.notices import compose
from campaign.plan import ResponsibleParty
from campaign.policy import Policy
from campaign.tracker import ActionKind, new_activity_state
from campaign.units import Unit
from harness.net import free_port
from tests.conftest import CORPUS
from tests.helpers import CHROMIUM, shot
from tests.office_env import PASSWORD, office, signed_in
from tests.portal_env import served
from tests.web.test_office_editor import follow

__all__ = ["office"]  # the fixture
PLAN = CORPUS / "bodies" / "school-year.txt"


async def test_the_editor_shows_lines_and_contact_persons(office) -> None:
    http, csrf = await signed_in(office, "vp")
    uploaded = await http.post(
        "/campaigns/new", data={"csrf": csrf}, files={"plan": ("ke-hoach.txt", PLAN.read_bytes(), "text/plain")}
    )
    editor = await follow(http, uploaded)  # the upload lands in the schedule editor
    await http.aclose()
    assert editor.status_code == 200, editor.text
    text = re.sub(r"\s+", " ", editor.text)
    assert "đọc từ dòng 9, 10, 11, 12 (nội dung)" in text
    assert 'id="r2-contacts" name="r2-contacts" value="thầy Minh (môn Sử); cô Lan; đ/c Hải"' in text
    assert "lấy cả thời gian kế hoạch" in text and "ban hành, danh bạ đơn vị là của" in text
    assert "[undated_task]" not in text  # findings read as sentences, not codes


def test_the_assignment_names_the_contact_persons(directory) -> None:
    activity = import_plan(PLAN, directory).activities[1]
    assert activity.contacts == ["thầy Minh (môn Sử)", "cô Lan", "đ/c Hải"]
    unit = Unit(code="a", name="Chi đoàn 11A1")
    activity.responsible = [ResponsibleParty(name=unit.name, unit_code="a")]
    state = new_activity_state("c", activity, [unit], Policy(), [], date(2026, 5, 31))
    now = datetime(2025, 11, 1, 2, tzinfo=UTC)
    assignment = next(a for a in decide(state, now) if a.kind is ActionKind.ASSIGNMENT)
    body = compose(state, assignment, now, "campaign/c/activity/2").body
    assert "Người liên hệ: thầy Minh (môn Sử), cô Lan, đ/c Hải." in body
    activity.contacts = []
    assert "Người liên hệ" not in compose(state, assignment, now, "campaign/c/activity/2").body


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")
@pytest.mark.parametrize("width", [360, 1366])
async def test_a_person_sees_lines_and_contacts_in_a_browser(office, browser, width: int) -> None:
    async with served(office.app, free_port()) as base:
        page = await (await browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")).new_page()
        await page.goto(f"{base}/login")
        await page.get_by_label("Tên đăng nhập").fill("vp")
        await page.get_by_label("Mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
        await page.get_by_label("Tệp kế hoạch", exact=False).set_input_files(PLAN)
        await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
        row = page.locator("#r2")
        lines = await row.locator("legend .readfrom").inner_text()
        quoted = await row.locator(".quoted").all_inner_texts()
        contacts = await row.get_by_label("Người liên hệ").input_value()
        width_used = await page.evaluate("document.documentElement.scrollWidth")
        await row.evaluate("e => e.scrollIntoView()")  # the row's top: its source lines and findings
        await shot(page, f"body-plan-editor-{width}.png")
    assert lines == "— đọc từ dòng 9, 10, 11, 12 (nội dung)"
    assert len(quoted) == 4 and quoted[0].startswith("dòng 9: “")
    assert contacts == "thầy Minh (môn Sử); cô Lan; đ/c Hải"
    assert width_used <= width
