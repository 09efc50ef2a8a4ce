"""Issue 23 in a real browser (Debian's Chromium, headless), as a clerk and an administrator new to it would:
the office adds a unit from an .xlsx (preview, apply) and finds it in the editor the next upload opens;
the administrator creates a committee account whose owner sets a password through the one-time link and
signs in. The directory's pages fit a 360 px phone. PORTAL_SCREENSHOTS=dir writes the pictures."""

from __future__ import annotations

import io
import shutil

import pytest
from openpyxl import Workbook, load_workbook

from harness.net import free_port
from harness.paths import UNITS
from store.users import add_user
from tests.doors_env import Doors
from tests.helpers import CHROMIUM, shot, sign_in
from tests.portal_env import served

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed; .ci/run installs it")

# An invented plan: activity 2 is led by the unit the office is about to add.
PLAN = """ĐOÀN KHỐI
Số: 31-KH/ĐTN
TP. Hồ Chí Minh, ngày 02 tháng 1 năm 2099

KẾ HOẠCH
Tổ chức Tháng Xuân tình nguyện năm 2099
(Từ ngày 05/01 đến ngày 31/01/2099)

LỊCH HOẠT ĐỘNG
TT\tHOẠT ĐỘNG\tTHỜI GIAN\tĐỊA ĐIỂM\tGHI CHÚ
1\tKhai mạc Tháng Xuân tình nguyện\t06/01/2099\tHội trường Đoàn Khối\tĐoàn Bảo hiểm xã hội phụ trách
2\tTrao quà Tết cho công nhân\t15/01/2099\tKhu chế xuất Tân Thuận\tĐoàn Trường Thử nghiệm phụ trách
"""


async def test_a_unit_added_from_an_xlsx_is_in_the_next_campaigns_editor(browser, tmp_path) -> None:
    units = tmp_path / "units.yaml"
    shutil.copy(UNITS, units)
    port = free_port()
    doors = Doors(tmp_path, units_file=units, portal_url=f"http://127.0.0.1:{port}")
    with doors.store.session() as session:
        add_user(session, "lan", "office", "mat-khau-van-phong")
    plan = tmp_path / "ke-hoach-thang-xuan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    widths: dict[str, int] = {}
    async with served(doors.app, port) as base:
        laptop = await browser.new_context(
            viewport={"width": 1366, "height": 768}, locale="vi-VN", accept_downloads=True
        )
        page = await laptop.new_page()
        await sign_in(page, base)
        await page.get_by_text("Khởi động chiến dịch từ kế hoạch").click()
        await page.get_by_label("Tệp kế hoạch").set_input_files(plan)
        await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
        before = await page.locator("#r2").inner_text()
        offered = "#unit-names option[value='Đoàn Trường Thử nghiệm']"
        offered_before = await page.locator(offered).count()

        await page.goto(f"{base}/campaigns")
        await page.get_by_role("link", name="Danh bạ đơn vị").click()
        async with page.expect_download() as exported:
            await page.get_by_role("link", name="Xuất .xlsx").click()
        sheet = load_workbook(io.BytesIO((await (await exported.value).path()).read_bytes())).active
        assert sheet is not None
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        rows.append(
            [
                "doan-truong-thu",
                "Đoàn Trường Thử nghiệm",
                "Đoàn TTN",
                "ttn@example.org",
                "Cụm 2",
                "Cơ sở Đoàn",
                "Chị Hoa, 0901 000 111",
            ]
        )
        added = tmp_path / "danh-ba-moi.xlsx"
        added.write_bytes(with_rows(rows))
        await page.get_by_label("Tệp danh bạ (.xlsx)").set_input_files(added)
        await page.get_by_role("button", name="Xem trước khi nhập").click()
        summary = await page.locator("#summary").inner_text()
        new = await page.locator("#new").inner_text()
        await shot(page, "directory-import-preview.png", full_page=True)
        await page.get_by_role("button", name="Áp dụng các thay đổi này").click()
        applied = await page.locator("#applied").inner_text()
        await page.goto(f"{base}/directory")
        await page.get_by_label("Tìm theo tên, mã, e-mail (gõ không dấu cũng được)").fill("truong thu nghiem")
        await page.get_by_role("button", name="Tìm").click()
        found = await page.locator("#units li").all_inner_texts()

        await page.goto(f"{base}/campaigns/new")
        await page.get_by_label("Tệp kế hoạch").set_input_files(plan)
        await page.get_by_role("button", name="Đọc kế hoạch và mở lịch").click()
        after = await page.locator("#r2").inner_text()
        unmatched = await page.locator("#r2 input[name='r2-keep']").count()
        offered_after = await page.locator(offered).count()
        await shot(page, "directory-then-editor.png", full_page=True)

        phone = await browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", is_mobile=True)
        await phone.add_cookies(await laptop.cookies())
        small = await phone.new_page()
        for label, path in (
            ("list", "/directory"),
            ("unit", "/directory/units/doan-truong-thu"),
            ("changes", "/directory/changes"),
        ):
            await small.goto(f"{base}{path}")
            widths[label] = await small.evaluate("document.documentElement.scrollWidth")
            await shot(small, f"directory-{label}-360.png", full_page=True)
    assert "Giữ “Đoàn Trường Thử nghiệm” (chưa có trong danh bạ)" in before and offered_before == 0
    assert "thêm 1, sửa 0, ngừng dùng 0" in summary and "Đoàn Trường Thử nghiệm (doan-truong-thu)" in new
    assert "Đã nhập danh bạ: thêm 1" in applied
    assert len(found) == 1 and "Đoàn Trường Thử nghiệm" in found[0] and "Chị Hoa" in found[0]
    assert "Đoàn Trường Thử nghiệm" in after and "chưa có trong danh bạ" not in after and unmatched == 0
    assert offered_after == 1
    assert widths == dict.fromkeys(["list", "unit", "changes"], 360), widths


def with_rows(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_the_administrator_creates_a_committee_account_that_then_signs_in(browser, tmp_path) -> None:
    port = free_port()
    doors = Doors(tmp_path, portal_url=f"http://127.0.0.1:{port}")
    with doors.store.session() as session:
        add_user(session, "quantri", "admin", "mat-khau-quan-tri")
    async with served(doors.app, port) as base:
        admin = await (await browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")).new_page()
        await sign_in(admin, base, "quantri", "mat-khau-quan-tri")
        await admin.get_by_role("link", name="Tài khoản").click()
        await admin.locator("#new-name").fill("hoa.tran")
        await admin.locator("#new-role").select_option(label="Ban Thường vụ")
        await admin.get_by_role("button", name="Thêm và tạo liên kết đặt mật khẩu").click()
        told = await admin.locator("#receipt").inner_text()
        link = await admin.locator("#one-time-link").input_value()
        listed = await admin.locator("li[data-name='hoa.tran']").inner_text()
        await shot(admin, "accounts-added.png", full_page=True)

        person = await (
            await browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", is_mobile=True)
        ).new_page()
        await person.goto(link)
        await person.get_by_label("Mật khẩu (ít nhất 10 ký tự)").fill("Xuân-2099-của-Hoa")
        await person.get_by_label("Nhập lại mật khẩu").fill("Xuân-2099-của-Hoa")
        await person.get_by_role("button", name="Đặt mật khẩu").click()
        set_words = await person.locator("#receipt").inner_text()
        await person.get_by_role("link", name="Đăng nhập →").click()
        await person.get_by_label("Tên đăng nhập").fill("hoa.tran")
        await person.get_by_label("Mật khẩu").fill("Xuân-2099-của-Hoa")
        await person.get_by_role("button", name="Đăng nhập").click()
        await person.wait_for_url(f"{base}/campaigns")
        header = await person.locator("header").inner_text()
        accounts = await person.goto(f"{base}/accounts")
        again = await person.goto(link)
    assert "Đã thêm tài khoản hoa.tran (Ban Thường vụ)" in told and link.startswith(f"{base}/account/set-password/")
    assert "chưa đặt mật khẩu" in listed
    assert "Đã đặt mật khẩu cho tài khoản hoa.tran" in set_words
    assert "hoa.tran" in header
    assert accounts is not None and accounts.status == 403  # a committee member manages no accounts
    assert again is not None and again.status == 404  # the link worked once
