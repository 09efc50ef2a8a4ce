"""The unit directory in the store and the browser's pages (issue 23), over a fresh store without Temporal:
seeded from UNITS_FILE, listed and searched without diacritics, units added, edited, disabled and used
again, an .xlsx import previewed then applied, every change audited, UNITS_FILE still followed when it
changes, notices sent to a unit's current address; and every forbidden case refused."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities.notifications import Notifier
from harness.paths import UNITS
from settings import Settings
from store.directory import read_directory
from store.schema import DirectoryChange
from tests.doors_env import Doors
from tests.helpers import notice
from tests.office_env import PASSWORD, sign_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def doors(tmp_path) -> Doors:
    units = tmp_path / "units.yaml"
    shutil.copy(UNITS, units)
    setup = Doors(tmp_path, units_file=units)
    from store.users import add_user

    with setup.store.session() as session:
        add_user(session, "qt", "admin", PASSWORD)
    return setup


async def signed(doors: Doors, name: str):
    http = doors.http()
    assert (await sign_in(http, name, PASSWORD)).status_code == 303
    page = await http.get("/account/password")
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]


def workbook(*rows: list[object]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã", "Tên đơn vị", "Tên khác", "E-mail", "Cụm", "Loại", "Người liên hệ"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page)[1]  # type: ignore[index]


async def test_the_directory_is_seeded_from_units_file_listed_and_searched(doors) -> None:
    http, _ = await signed(doors, "vp")
    everything = await http.get("/directory")
    found = await http.get("/directory", params={"q": "bao hiem xa hoi"})
    by_code = await http.get("/directory", params={"q": "ldld"})
    assert everything.status_code == 200 and "Đoàn Bảo hiểm xã hội" in everything.text
    assert re.findall(r'data-code="([^"]+)"', found.text) == ["bhxh"]
    assert "ldld" in re.findall(r'data-code="([^"]+)"', by_code.text)
    with doors.store.session() as session:
        stored = read_directory(session)
        seeded = session.scalars(select(DirectoryChange)).all()
    assert stored is not None and len(stored.units) == len(doors.settings.units_file.read_text().split("code:")) - 1
    assert {c.action for c in seeded} == {"seed"} and seeded[0].actor == "tệp UNITS_FILE"


async def test_the_office_adds_edits_disables_and_uses_again_a_unit_each_change_audited(doors) -> None:
    http, csrf = await signed(doors, "vp")
    form = {
        "csrf": csrf,
        "code": "doan-truong-thu",
        "name": "Đoàn Trường Thử nghiệm",
        "aliases": "Đoàn TTN\nTrường TN",
        "email": "ttn@example.org",
        "cluster": "cum-2",
        "kind": "unit",
        "contact": "Chị Hoa, 0901 000 111",
    }
    added = await http.post("/directory/new", data=form)
    assert added.status_code == 303 and added.headers["location"] == "/directory/units/doan-truong-thu?saved=add"
    clash = await http.post("/directory/new", data={**form, "code": "doan-ttn-2", "name": "DOAN TRUONG THU NGHIEM"})
    assert clash.status_code == 422
    assert "trùng với tên của “Đoàn Trường Thử nghiệm” (doan-truong-thu)" in clash.text
    assert 'value="DOAN TRUONG THU NGHIEM"' in clash.text  # what was typed stays in the form
    bad_mail = await http.post(
        "/directory/new",
        data={**form, "code": "doan-khac", "name": "Đoàn Khác", "aliases": "", "email": "khac@@example"},
    )
    assert bad_mail.status_code == 422 and "không phải địa chỉ e-mail hợp lệ" in bad_mail.text
    edited = await http.post("/directory/units/doan-truong-thu", data={**form, "email": "moi@example.org"})
    assert edited.status_code == 303
    off = await http.post("/directory/units/doan-truong-thu/disable", data={"csrf": csrf})
    listing = await http.get("/directory")
    with_off = await http.get("/directory", params={"show": "all", "q": "truong thu"})
    on = await http.post("/directory/units/doan-truong-thu/enable", data={"csrf": csrf})
    page = await http.get("/directory/units/doan-truong-thu")
    assert off.status_code == on.status_code == 303
    assert 'data-code="doan-truong-thu"' not in listing.text and 'data-code="doan-truong-thu"' in with_off.text
    with doors.store.session() as session:
        changes = [
            (c.action, c.actor, c.detail["fields"])
            for c in session.scalars(
                select(DirectoryChange)
                .where(DirectoryChange.unit_code == "doan-truong-thu")
                .order_by(DirectoryChange.id)
            )
        ]
    assert [(a, who) for a, who, _ in changes] == [
        ("add", "vp (office)"),
        ("edit", "vp (office)"),
        ("disable", "vp (office)"),
        ("enable", "vp (office)"),
    ]
    assert changes[1][2] == {"email": ["ttn@example.org", "moi@example.org"]}
    assert "“ttn@example.org” → “moi@example.org”" in page.text and "vp (office)" in page.text


async def test_an_xlsx_import_is_previewed_then_applied_and_the_export_reads_back(doors) -> None:
    http, csrf = await signed(doors, "vp")
    export = await http.get("/directory/export.xlsx")
    assert export.status_code == 200 and export.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Mã", "Tên đơn vị", "Tên khác", "E-mail", "Cụm", "Loại", "Người liên hệ"]
    kept = [r for r in rows[1:] if r[0] != "ldld"]  # ldld left out: disabled
    for r in kept:
        if r[0] == "bhxh":
            r[3] = "bhxh-moi@example.org"
    data = workbook(
        *kept, ["doan-truong-thu", "Đoàn Trường Thử nghiệm", None, "ttn@example.org", "Cụm 3", None, "Chị Hoa"]
    )
    files = {"sheet": ("danh-ba.xlsx", data, XLSX)}
    preview = await http.post("/directory/import", data={"csrf": csrf, "whole": "1"}, files=files)
    assert preview.status_code == 200, preview.text
    assert "thêm <strong>1</strong>, sửa <strong>1</strong>, ngừng dùng <strong>1</strong>" in preview.text
    assert "Đoàn Trường Thử nghiệm (doan-truong-thu)" in preview.text
    assert "“bhxh@example.org” → “bhxh-moi@example.org”" in preview.text
    with doors.store.session() as session:
        assert read_directory(session).everyone["bhxh"].email == "bhxh@example.org"  # type: ignore[union-attr]  # not yet
    applied = await http.post(
        "/directory/import/apply",
        data={
            "csrf": csrf,
            "data": hidden(preview.text, "data"),
            "whole": "1",
            "version": hidden(preview.text, "version"),
            "name": "danh-ba.xlsx",
        },
    )
    assert applied.status_code == 200 and "Đã nhập danh bạ: thêm 1, sửa 1, ngừng dùng 1 đơn vị" in applied.text
    with doors.store.session() as session:
        stored = read_directory(session)
        actions = {
            c.unit_code: c.action
            for c in session.scalars(select(DirectoryChange).where(DirectoryChange.action == "import"))
        }
    assert stored is not None and stored.everyone["bhxh"].email == "bhxh-moi@example.org"
    assert "ldld" in stored.disabled and stored.everyone["doan-truong-thu"].cluster == "cum-3"
    assert actions == {"doan-truong-thu": "import", "bhxh": "import", "ldld": "import"}
    again = await http.post(
        "/directory/import/apply",
        data={
            "csrf": csrf,
            "data": hidden(preview.text, "data"),
            "whole": "1",
            "version": hidden(preview.text, "version"),
        },
    )
    assert "Danh bạ vừa thay đổi sau khi xem trước" in again.text  # a stale preview is shown again, not applied


async def test_an_import_with_bad_rows_changes_nothing_and_names_each_row(doors) -> None:
    http, csrf = await signed(doors, "vp")
    data = workbook(
        ["doan-a", "Đoàn A", None, "a@@example.org", None, None, None],
        ["Doan B", "Đoàn B", None, None, "cụm chín", "phòng", None],
    )
    answer = await http.post("/directory/import", data={"csrf": csrf}, files={"sheet": ("sai.xlsx", data, XLSX)})
    not_a_sheet = await http.post(
        "/directory/import", data={"csrf": csrf}, files={"sheet": ("sai.xlsx", b"khong phai", XLSX)}
    )
    assert answer.status_code == 422
    assert "Dòng 2, cột D (E-mail): “a@@example.org” không phải địa chỉ e-mail hợp lệ" in answer.text
    assert "Dòng 3, cột A (Mã): mã “doan b” chỉ được gồm chữ thường" in answer.text
    assert "Dòng 3, cột F (Loại): không hiểu loại “phòng”" in answer.text
    assert "Áp dụng" not in answer.text
    assert not_a_sheet.status_code == 422 and "không phải bảng tính Excel .xlsx" in not_a_sheet.text


async def test_units_file_still_works_a_change_to_it_reaches_the_store(doors) -> None:
    http, _ = await signed(doors, "vp")
    await http.get("/directory")
    path = doors.settings.units_file
    path.write_text(path.read_text().replace("bhxh@example.org", "bhxh-tu-tep@example.org"))
    page = await http.get("/directory", params={"q": "bhxh"})
    assert "bhxh-tu-tep@example.org" in page.text
    with doors.store.session() as session:
        change = session.scalars(select(DirectoryChange).where(DirectoryChange.action == "file")).one()
    assert (change.unit_code, change.actor) == ("bhxh", "tệp UNITS_FILE")


def test_a_notice_goes_to_the_units_current_address_not_the_campaigns_snapshot(smtp, store) -> None:
    from campaign.units import load_directory
    from store.directory import edit_unit, seed

    inbox, port = smtp
    directory = load_directory(UNITS)
    with store.session() as session:
        seed(session, directory, "kiểm thử")
        edit_unit(session, directory.get("so-vhtt").model_copy(update={"email": "vhtt-moi@example.org"}), "lan")
    notifier = Notifier(store, Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port))
    snapshot = notice()  # as the campaign started: the old address
    assert snapshot.to is not None and snapshot.to.email == "so-vhtt@example.org"
    one = ActivityEnvironment().run(notifier.send_notice, snapshot)
    batch = ActivityEnvironment().run(notifier.send_notices, [notice(key="campaign/54-kh/activity/12/x/so-vhtt/2")])
    assert one.sent == batch[0].sent == ["email"]
    assert [m.count(b"vhtt-moi@example.org") > 0 for m in inbox.messages] == [True, True]


# --- who may ---------------------------------------------------------------------------------------

DIRECTORY_GETS = [
    "/directory",
    "/directory/new",
    "/directory/units/bhxh",
    "/directory/export.xlsx",
    "/directory/changes",
]
DIRECTORY_POSTS = [
    "/directory/new",
    "/directory/units/bhxh",
    "/directory/units/bhxh/disable",
    "/directory/units/bhxh/enable",
    "/directory/import",
    "/directory/import/apply",
]


async def test_only_the_office_opens_the_directory_and_every_form_needs_its_csrf(doors) -> None:
    office, _ = await signed(doors, "vp")
    assert (await office.get("/directory")).status_code == 200  # the store's directory is seeded
    stranger = doors.http()
    for path in DIRECTORY_GETS:
        assert (await stranger.get(path)).status_code == 401, path
    for path in DIRECTORY_POSTS:
        assert (await stranger.post(path, data={"csrf": "x", "code": "x"})).status_code == 401, path
    for name in ("btv", "qt"):
        http, theirs = await signed(doors, name)
        for path in DIRECTORY_GETS:
            assert (await http.get(path)).status_code == 403, (name, path)
        for path in DIRECTORY_POSTS:
            answer = await http.post(path, data={"csrf": theirs, "code": "doan-x", "name": "Đoàn X"})
            assert answer.status_code == 403, (name, path)
    for path in DIRECTORY_POSTS:
        answer = await office.post(path, data={"csrf": "sai", "code": "doan-x", "name": "Đoàn X"})
        assert answer.status_code == 403 and "Biểu mẫu đã cũ" in answer.text, path
    with doors.store.session() as session:
        stored = read_directory(session)
    assert stored is not None and "doan-x" not in stored.everyone and "bhxh" not in stored.disabled
