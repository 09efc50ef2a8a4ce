"""A unit's secretary on a phone: the link from a real e-mail, opened in Debian's Chromium (headless),
readiness confirmed, a report with a photo submitted, the receipt seen; then the workflow and the
store are checked. PORTAL_SCREENSHOTS=docs writes the README's screenshots."""

from __future__ import annotations

import os
import re
import struct
import uuid
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select

from campaign.clock import start_of_day
from harness.inbox import Inbox, MailServer
from harness.temporal import time_skipping_env
from harness.waiting import until
from store.schema import UnitReport
from tests.helpers import CHROMIUM, shot
from tests.portal_env import site
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")


def photo(path: Path, width: int = 64, height: int = 48) -> Path:
    """A real PNG (a green and gold gradient), as a phone camera would give a JPEG or PNG."""
    rows = b"".join(b"\x00" + bytes((30 + x * 3) % 256 if c == 0 else 140 if c == 1 else 60 for x in range(width)
                                    for c in range(3)) for _ in range(height))  # fmt: skip

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))  # fmt: skip
    return path


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_a_unit_answers_from_the_link_in_its_email(env, browser, directory, tmp_path) -> None:
    smtp = MailServer()
    smtp.open()
    inbox = smtp.inbox
    cid = f"browser-{uuid.uuid4().hex[:6]}"
    try:
        async with site(browser, env, directory, tmp_path, cid, notify_channels="email", smtp_host="127.0.0.1",
                        smtp_port=smtp.port) as opened:  # fmt: skip
            portal = opened.setup
            link = await link_in_mail(inbox, "bhxh@example.org")
            page = await opened.phone()
            await page.goto(link)
            await page.get_by_text("2. Hiến máu tình nguyện").wait_for()
            assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # fits the phone
            await shot(page, "portal-unit.png")
            await page.get_by_label("Ghi chú (không bắt buộc)").fill("Đã có 50 đoàn viên đăng ký")
            await page.get_by_role("button", name="Xác nhận sẵn sàng").click()
            await page.get_by_text("Đã xác nhận sẵn sàng").first.wait_for()
            await portal.after_event(2)  # reports are taken from the event's start
            await page.goto(link)
            await page.get_by_text("Nộp báo cáo kết quả").click()
            await page.get_by_label("Tóm tắt kết quả").fill("Hiến 120 đơn vị máu tại Bệnh viện Truyền máu")
            await page.get_by_label("Số người tham gia").fill("130")
            await page.get_by_label("Ảnh hoặc PDF minh chứng").set_input_files(photo(tmp_path / "anh.png"))
            await page.get_by_label("Người gửi").fill("Nguyễn Văn A, Bí thư")
            await shot(page, "portal-report-form.png", full_page=True)
            await page.get_by_role("button", name="Nộp báo cáo").click()
            receipt = page.locator("#receipt")
            await receipt.wait_for()
            text = await receipt.inner_text()
            await shot(page, "portal-receipt.png")
            status = await env.client.get_workflow_handle(activity_workflow_id(cid, 2)).query(
                CampaignActivityWorkflow.status
            )

            def reports_stored() -> list[UnitReport]:  # an activity writes the report's record a moment later
                with portal.store.session() as session:
                    return list(session.scalars(select(UnitReport).where(UnitReport.campaign_id == cid)).all())

            stored = await until(reports_stored, seconds=5)
    finally:
        smtp.close()
    assert "Đã nhận báo cáo lần 1 của Đoàn Bảo hiểm xã hội, đúng hạn." in text
    bhxh = next(u for u in status.units if u.code == "bhxh")
    assert bhxh.ready and bhxh.report.revision == 1 and bhxh.report.participants == 130
    assert bhxh.report.submitted_by == "Nguyễn Văn A, Bí thư" and len(bhxh.report.evidence) == 1
    assert [(r.unit_code, r.revision, r.evidence) for r in stored] == [("bhxh", 1, bhxh.report.evidence)]
    name = bhxh.report.evidence[0].rsplit("/", 1)[1]
    assert (portal.settings.evidence_dir / name).read_bytes().startswith(b"\x89PNG")


async def link_in_mail(inbox: Inbox, address: str) -> str:
    from email import message_from_bytes, policy

    def link() -> str | None:
        for raw in inbox.messages:
            mail = message_from_bytes(raw, policy=policy.default)
            if address in str(mail["To"]):
                found = re.search(r"http://127\.0\.0\.1:\d+/u/[\w.-]+", mail.get_content())
                assert found, mail.get_content()
                return found[0]
        return None

    return str(await until(link, seconds=10))


SECOND_LINK = "https://facebook.com/doan.khucnc/posts/123456789"
LONG_LINK = "drive.google.com/drive/folders/" + "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789" * 3 + "?usp=sharing"


async def test_a_secretary_types_lines_a_long_link_and_revises_on_a_phone(env, browser, directory, tmp_path) -> None:
    """Issue 20 items 1–3, 6, 13: several lines (the browser sends CR LF), "1.200" people, a link pasted
    without https:// and wider than the phone, a photo; then a revision keeps the photo and the sender.
    The page stays 360 px wide; screenshots at 360 and 1366 px go to PORTAL_SCREENSHOTS (or tmp)."""
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path)
    cid = f"lines-{uuid.uuid4().hex[:6]}"
    async with site(browser, env, directory, tmp_path, cid, office_email="vanphong@doankhoi.example") as opened:
        portal = opened.setup
        day = portal.started + (start_of_day(date(2024, 3, 24)) + timedelta(hours=12) - start_of_day(date(2024, 3, 1)))
        await env.sleep(max(0.0, (day - await env.get_current_time()).total_seconds()))  # during activity 3
        link = f"{opened.base}/u/{portal.token('khu-cnc')}"
        page = await opened.phone()
        await page.goto(link)
        await page.get_by_text("Nộp báo cáo kết quả").click()
        summary = page.get_by_label("Tóm tắt kết quả")
        await summary.click()
        for line in ("Trồng 300 cây xanh dọc kênh.", "Dọn rác 2 km bờ kênh.", "Phát 500 tờ rơi."):
            await summary.type(line)
            await summary.press("Enter")
        await page.get_by_label("Số người tham gia").fill("1.200")
        await page.get_by_label("Đường dẫn minh chứng").fill(f"{LONG_LINK}\n{SECOND_LINK}")
        await page.get_by_label("Ảnh hoặc PDF minh chứng").set_input_files(photo(tmp_path / "ảnh trồng cây.png"))
        await page.get_by_label("Người gửi").fill("Trần Thị C, Phó Bí thư")
        await page.screenshot(path=str(folder / "portal-lines-360.png"), full_page=True)
        await page.get_by_role("button", name="Nộp báo cáo").click()
        await page.locator("#receipt").wait_for()
        receipt_width = await page.evaluate("document.documentElement.scrollWidth")
        receipt_text = await page.locator("#receipt").inner_text()
        sent_links = await page.evaluate("""[...document.querySelectorAll('#sent-links li')].map(li => {
            const box = li.getBoundingClientRect();
            return [box.top, box.bottom, getComputedStyle(li).listStyleType]; })""")
        await page.screenshot(path=str(folder / "portal-lines-receipt-360.png"), full_page=True)
        await page.goto(link)
        await page.get_by_text("Bỏ tệp “ảnh trồng cây.png”").wait_for()
        page_width = await page.evaluate("document.documentElement.scrollWidth")
        await page.screenshot(path=str(folder / "portal-revision-360.png"), full_page=True)
        sender = await page.get_by_label("Người gửi").input_value()
        await page.get_by_label("Số người tham gia").fill("1.250")
        await page.get_by_role("button", name="Gửi bản sửa").click()
        await page.locator("#receipt").wait_for()
        wide = await opened.page(1366, 768)
        await wide.goto(link)
        await wide.screenshot(path=str(folder / "portal-revision-1366.png"), full_page=True)
        wide_width = await wide.evaluate("document.documentElement.scrollWidth")
        status = await env.client.get_workflow_handle(activity_workflow_id(cid, 3)).query(
            CampaignActivityWorkflow.status
        )
    unit = next(u for u in status.units if u.code == "khu-cnc")
    assert unit.report.revision == 2 and unit.report.participants == 1250
    assert unit.report.summary == "Trồng 300 cây xanh dọc kênh.\nDọn rác 2 km bờ kênh.\nPhát 500 tờ rơi."
    assert f"https://{LONG_LINK}" in unit.report.evidence and len(unit.report.evidence) == 3  # links and photo
    # each link on its own bulleted line, a gap between them (a long link wrapping over lines stays apart)
    assert len(sent_links) == 2 and all(style == "disc" for *_, style in sent_links), sent_links
    assert sent_links[1][0] - sent_links[0][1] >= 6, sent_links
    assert unit.report.submitted_by == "Trần Thị C, Phó Bí thư" == sender
    assert (receipt_width, page_width, wide_width) == (360, 360, 1366)
    assert "ảnh trồng cây.png" in receipt_text and "Dọn rác 2 km bờ kênh." in receipt_text
