"""The office in a real browser (Debian's Chromium, headless): sign in, upload the seed plan and see
its findings, start the campaign, watch a unit's cell turn "on time" after the unit answers through
its link, excuse another unit, download the XLSX. PORTAL_SCREENSHOTS=docs writes the README's pictures."""

from __future__ import annotations

import contextlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from openpyxl import load_workbook

from access.links import expiry, mint
from harness.net import free_port
from store.users import add_user
from tests.conftest import SEED
from tests.helpers import CHROMIUM, CHROMIUM_FLAGS, shot
from tests.portal_env import SECRET, running_campaign, served
from tests.temporal_env import time_skipping_env

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")


async def test_the_office_runs_a_campaign_from_the_browser(directory, tmp_path) -> None:
    from playwright.async_api import async_playwright

    env = await time_skipping_env()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cid = f"seed-{uuid.uuid4().hex[:6]}"
    try:
        async with running_campaign(
            env, directory, tmp_path, f"other-{uuid.uuid4().hex[:6]}", portal_url=base
        ) as setup:
            with setup.store.session() as session:
                add_user(session, "lan", "office", "mat-khau-van-phong")
            try:
                async with served(setup.app, port), async_playwright() as playwright:
                    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                    laptop = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                                       accept_downloads=True)  # fmt: skip
                    page = await laptop.new_page()
                    await page.goto(f"{base}/login")
                    await page.get_by_label("Tên đăng nhập").fill("lan")
                    await page.get_by_label("Mật khẩu").fill("mat-khau-van-phong")
                    await page.get_by_role("button", name="Đăng nhập").click()
                    await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
                    await page.get_by_label("Tệp kế hoạch").set_input_files(SEED)
                    await page.get_by_role("button", name="Xem trước").click()
                    findings = await page.locator("#findings").inner_text()
                    await shot(page, "office-preview.png", full_page=True)
                    await page.get_by_label("Mã chiến dịch").fill(cid)
                    await page.get_by_label("Giờ kế hoạch bắt đầu từ bây giờ, tại ngày ban hành").check()
                    await page.get_by_role("button", name="Khởi động chiến dịch").click()
                    await page.locator("#grid").wait_for()
                    started = await env.get_current_time()
                    # Plan time runs from 28/04/2023: let it reach 12/05, the day after activity 7.
                    await env.sleep((timedelta(days=14, hours=12)).total_seconds())
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
                    await browser.close()
            finally:
                for workflow_id in [f"campaign/{cid}/activity/{no}" for no in range(1, 13)] + [f"campaign/{cid}"]:
                    with contextlib.suppress(Exception):
                        await env.client.get_workflow_handle(workflow_id).terminate("done")
    finally:
        await env.shutdown()
    assert "29/2/2021" in findings and "Thứ Năm" in findings
    assert started is not None and answer.status_code == 200 and answer.json()["on_time"]
    assert kind == "on_time"
    assert "Đã miễn báo cáo cho Đoàn Cơ quan Liên đoàn Lao động" in excused
    assert workbook.sheetnames[0] == "Tổng hợp"
