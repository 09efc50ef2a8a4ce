"""The office in a real browser (Debian's Chromium, headless): sign in, upload the seed plan and see
its findings in the editor it opens, start the campaign, watch a unit's cell turn "on time" after the unit
answers through its link, excuse another unit, download the XLSX. PORTAL_SCREENSHOTS=docs writes the
README's pictures."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from access.links import expiry, mint
from campaign.clock import VIETNAM, start_of_day
from campaign.importer import import_plan
from campaign.past import shift_to
from harness.paths import SEED
from tests.helpers import CHROMIUM, shot, sign_in
from tests.portal_env import PLAN, SECRET

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")


async def test_the_office_runs_a_campaign_from_the_browser(office_site, directory) -> None:
    env, base = office_site.env, office_site.base
    cid = f"seed-{uuid.uuid4().hex[:6]}"
    page = await office_site.page(1280, 900, accept_downloads=True)
    blocked: list[str] = []  # what the Content-Security-Policy stopped (the pages' scripts are files)
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    await sign_in(page, base)
    await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
    await page.get_by_label("Tệp kế hoạch").set_input_files(SEED)
    await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
    findings = await page.locator("#findings").inner_text()
    await shot(page, "office-editor.png")  # the top: the document, the findings
    await page.get_by_label("Mã chiến dịch").fill(cid)
    await page.get_by_text("Khởi động với lịch dời đến hôm nay").click()  # the seed plan is past
    await page.get_by_role("button", name="Khởi động chiến dịch").click()
    await page.locator("#grid").wait_for()
    started = await env.get_current_time()
    # The plan runs shifted by whole weeks: let time reach noon the day after activity 7.
    by = shift_to(import_plan(SEED, directory), datetime.now(VIETNAM).date())
    noon_after = start_of_day(date(2023, 5, 12) + by) + timedelta(hours=12)
    await env.sleep(max(0.0, (noon_after - started).total_seconds()))
    token = mint(SECRET, cid, "bhxh", 1, expiry(datetime.now(UTC) + timedelta(days=30), 0))
    async with httpx.AsyncClient(base_url=base) as unit:
        answer = await unit.post(
            "/api/v1/activities/7/report",
            json={"summary": "Trao 120 phần quà", "participants": 45},
            headers={"Authorization": f"Bearer {token}"},
        )
    await page.reload()
    cell = page.locator('td[data-activity="7"][data-unit="bhxh"]')
    kind = await cell.get_attribute("data-kind")
    await shot(page, "office-grid.png", full_page=True)
    await page.locator("#excuse-no").select_option("7")
    await page.locator("#excuse-unit").select_option("ldld")
    await page.locator("#excuse-reason").fill("Đơn vị đang sáp nhập")
    await page.get_by_role("button", name="Miễn báo cáo").click()
    excused = await page.locator("#receipt").inner_text()
    await page.goto(f"{base}/campaigns/{cid}")
    async with page.expect_download() as download_info:
        await page.get_by_text("Tải XLSX").click()
    download = await download_info.value
    workbook = load_workbook(io.BytesIO((await download.path()).read_bytes()))
    assert "29/2/2021" in findings and "Thứ Năm" in findings
    assert started is not None and answer.status_code == 200 and answer.json()["on_time"]
    assert kind == "on_time"
    assert "Đã miễn báo cáo cho Đoàn Cơ quan Liên đoàn Lao động" in excused  # the form named activity 7 itself
    assert blocked == []
    assert workbook.sheetnames[0] == "Tổng hợp"


async def test_the_office_pages_fit_a_phone_and_read_well(office_site) -> None:
    """Issue 20 (items 3, 7, 12, 13) at 360 px and 1366 px: the editor an upload opens (a past plan's warning), the
    grid's legend and its "·" contrast, an activity's page with a dd/mm/yyyy date typed, the Committee's
    page and the digest; no page is wider than the phone."""
    base = office_site.base
    cid = office_site.setup.campaign_id
    widths: dict[str, int] = {}
    await office_site.setup.after_event(2)  # activity 1's unit is escalated by now; digests have gone out

    async def width_of(page, label: str) -> None:
        widths[label] = await page.evaluate("document.documentElement.scrollWidth")

    phone = await office_site.signed_in(360)
    await phone.goto(f"{base}/campaigns/new")
    await phone.get_by_label("Tệp kế hoạch", exact=False).set_input_files(PLAN)
    await phone.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
    past = await phone.locator("#past").inner_text()
    await width_of(phone, "editor")
    await shot(phone, "office-editor-360.png", full_page=True)
    await phone.goto(f"{base}/campaigns/{cid}")
    legend = await phone.locator("#legend").evaluate(
        "e => ({right: e.getBoundingClientRect().right, clipped: e.scrollWidth > e.clientWidth})"
    )
    contrast = await phone.locator('td[data-kind="none"]').first.evaluate(CONTRAST)
    await width_of(phone, "grid page")
    await shot(phone, "office-grid-360.png", full_page=True)
    await phone.goto(f"{base}/campaigns/{cid}/activities/3")
    await width_of(phone, "activity")
    due = phone.locator("#extend-due")
    due_type = await due.get_attribute("type")
    await due.fill("10/04/2024")
    await phone.locator("#extend-reason").fill("Mưa lớn\nkéo dài")
    await phone.get_by_role("button", name="Gia hạn").click()
    extended = await phone.locator("#receipt").inner_text()
    await shot(phone, "office-activity-360.png", full_page=True)

    committee = await office_site.signed_in(360, "minh", "mat-khau-ban-thuong-vu")
    await committee.goto(f"{base}/committee")
    overdue = await committee.locator(".overdue-unit").first.inner_text()
    start_link = await committee.locator('a[href="/campaigns/new"]').count()
    await width_of(committee, "committee")
    await shot(committee, "committee-360.png", full_page=True)
    await committee.goto(f"{base}/campaigns/{cid}/digests")
    font = await committee.locator(".digest").last.evaluate("e => getComputedStyle(e).fontFamily")
    digest = await committee.locator(".digest").last.inner_text()
    await width_of(committee, "digest")
    await shot(committee, "digest-360.png", full_page=True)

    laptop = await office_site.signed_in(1366)
    await laptop.goto(f"{base}/campaigns/{cid}")
    await shot(laptop, "office-grid-1366.png", full_page=True)
    await laptop.goto(f"{base}/committee")
    await shot(laptop, "committee-1366.png", full_page=True)
    assert widths == dict.fromkeys(["editor", "grid page", "activity", "committee", "digest"], 360), widths
    assert "đã qua ngày" in past and "Khởi động với lịch dời đến hôm nay" in past and "Ghi nhận là đã thực hiện" in past
    assert legend["right"] <= 360 and not legend["clipped"]
    assert contrast >= 4.5, contrast
    assert due_type == "text" and "10/04/2024" in extended
    assert "Đoàn Sở Văn hóa và Thể thao" in overdue and "Quá hạn" in overdue and start_link == 0
    assert "monospace" not in font and "Đoàn Sở Văn hóa và Thể thao" in digest


LONG_LINK = (
    "https://drive.google.com/drive/folders/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt?usp=sharing"
)


@pytest.mark.parametrize("width", [360, 1366])
async def test_the_office_enters_a_paper_report_as_people_type_it(office_site, width) -> None:
    """The form for a report the unit sent on paper, filled as the office clerk types it: several lines of
    Vietnamese, a long pasted link, a count with a thousands dot as the paper writes it (the browser lets
    it through, the activity reads it as the unit's own form does); the page stays within the screen and
    the report keeps it all."""
    base, cid = office_site.base, office_site.setup.campaign_id
    await office_site.setup.after_event(1)
    page = await office_site.signed_in(width)
    await page.goto(f"{base}/campaigns/{cid}/activities/1")
    await page.locator("#on-behalf-unit").select_option("so-vhtt")
    await page.locator("#on-behalf-channel").select_option("paper")
    await page.locator("#on-behalf-summary").fill(
        "Ra quân dọn vệ sinh bờ kênh Nhiêu Lộc.\nTrồng 40 cây xanh.\nPhát tờ rơi."
    )
    await page.locator("#on-behalf-participants").fill(" 1.260 ")
    hint = await page.locator("#on-behalf-participants").get_attribute("aria-describedby")
    assert "1.200" in await page.locator(f"#{hint}").inner_text()
    await page.locator("#on-behalf-evidence").fill(f"{LONG_LINK}\nhttps://example.org/ảnh-trồng-cây")
    await page.locator("#on-behalf-by").fill("Trần Thị Ánh, Phó Bí thư")
    await shot(page, f"office-on-behalf-{width}.png", full_page=True)
    wide = await page.evaluate("document.documentElement.scrollWidth")
    await page.get_by_role("button", name="Ghi báo cáo").click()
    said = await page.locator("#receipt").inner_text()
    await page.goto(f"{base}/campaigns/{cid}/activities/1")
    shown = await page.locator("td .revision").first.inner_text()
    links = await page.locator("td .revision a").evaluate_all("links => links.map(a => a.href)")
    await shot(page, f"office-on-behalf-entered-{width}.png", full_page=True)
    wide_after = await page.evaluate("document.documentElement.scrollWidth")
    assert wide == wide_after == width
    assert LONG_LINK in links and "https://example.org/%E1%BA%A3nh-tr%E1%BB%93ng-c%C3%A2y" in links
    assert "Đã nhận báo cáo lần 1 của" in said and "nhận bản giấy" in said
    assert "1260 người tham gia" in shown and "Trồng 40 cây xanh." in shown and "Trần Thị Ánh, Phó Bí thư" in shown


# The WCAG contrast ratio of an element's text against the nearest opaque background.
CONTRAST = """e => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  let node = e, bg = rgb(getComputedStyle(node).backgroundColor);
  while (bg.length === 4 && bg[3] === 0 && node.parentElement) {
    node = node.parentElement;
    bg = rgb(getComputedStyle(node).backgroundColor);
  }
  if (bg.length === 4 && bg[3] === 0) bg = [255, 255, 255];
  const linear = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => [r, g, b].map(linear)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [a, b] = [lum(rgb(getComputedStyle(e).color)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""
