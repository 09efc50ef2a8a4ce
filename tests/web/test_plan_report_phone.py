"""A unit's secretary answers the report on the plan, duty by duty, on a 360 px phone (Debian's Chromium,
headless); the office's page of the activity then shows the totals per duty. The plan is invented
(tests/corpus/duties)."""

from __future__ import annotations

import re

import httpx
import pytest
import pytest_asyncio

from harness.temporal import time_skipping_env
from store.users import add_user
from tests.conftest import CORPUS
from tests.helpers import CHROMIUM, shot
from tests.office_env import PASSWORD, sign_in
from tests.portal_env import site
from workflows.activity import CampaignActivityWorkflow
from workflows.ids import activity_workflow_id


@pytest_asyncio.fixture
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")
async def test_a_unit_answers_the_duties_on_a_360_px_phone(env, browser, directory, tmp_path) -> None:
    plan = CORPUS / "duties" / "thang-tu-2024.txt"
    async with site(browser, env, directory, tmp_path, "duties-phone", plan=plan) as opened:
        portal = opened.setup
        link = f"{opened.base}/u/{portal.token('bhxh')}"
        page = await opened.phone()
        await page.goto(link)
        card = page.locator("#hd-2")
        await card.get_by_text("2. Báo cáo kết quả thực hiện kế hoạch").wait_for()
        assert await card.get_by_role("button", name="Xác nhận sẵn sàng").count() == 0  # nothing to prepare
        await card.get_by_text("Nộp báo cáo kết quả").click()
        first = card.locator("fieldset.duty").first
        legend = await first.locator("legend").inner_text()
        assert legend.startswith("Nhiệm vụ 1: Tổ chức ít nhất 03 buổi") and legend.endswith("…")
        await first.get_by_text("Xem đầy đủ").click()
        await first.get_by_text("cây giống và nước tưới cho đoàn viên tham gia").wait_for()
        await first.get_by_label("Đã thực hiện").check()
        await first.get_by_label("Ghi chú ngắn").fill(
            "Trồng 40 cây sao ở sân sau, xem https://drive.google.com/drive/folders/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
        )
        await first.get_by_label("Số người tham gia").fill("1.200")
        await first.get_by_label("Số buổi").fill("3")
        second = card.locator("fieldset.duty").nth(1)
        assert await second.get_by_text("Xem đầy đủ").count() == 0  # short enough to show whole
        await second.get_by_label("Không áp dụng").check()
        await second.get_by_label("Ghi chú ngắn").fill("Tòa nhà đã có đơn vị thu gom riêng")
        await card.get_by_label("Tóm tắt chung").fill("Đã triển khai đến 4 chi đoàn.\nKết quả tốt.")
        await card.get_by_label("Số người tham gia").last.fill("60")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # fits the phone
        await first.scroll_into_view_if_needed()
        await shot(page, "portal-duties.png")
        await card.get_by_role("button", name="Nộp báo cáo").click()
        await page.get_by_text("Đã nhận báo cáo").first.wait_for()
        status = await env.client.get_workflow_handle(activity_workflow_id("duties-phone", 2)).query(
            CampaignActivityWorkflow.status
        )
        with portal.store.session() as session:
            add_user(session, "vp", "office", PASSWORD)
        transport = httpx.ASGITransport(app=portal.app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url=opened.base) as http:
            assert (await sign_in(http, "vp", PASSWORD)).status_code == 303
            details = (await http.get("/campaigns/duties-phone/activities/2")).text
        totals = details.split('id="duty-totals"')[1].split("</table>")[0]
        row = r"1\. Tổ chức ít nhất 03 buổi.*?>1</td>.*?>0</td>.*?>0</td>.*?>1200</td>.*?>3 buổi</td>"
        assert re.search(row, totals, re.S)
        assert "NV2: Không áp dụng — Tòa nhà đã có đơn vị thu gom riêng" in details
        assert "Hạn xác nhận sẵn sàng" not in details
    answered_by = next(u for u in status.units if u.code == "bhxh").report
    assert [(a.duty, a.status, a.participants, a.count) for a in answered_by.duties] == [
        (1, "done", 1200, 3),
        (2, "not_applicable", None, None),
    ]
    assert (
        answered_by.duties[0].note.startswith("Trồng 40 cây sao ở sân sau, xem https://drive")
        and answered_by.participants == 60
    )
