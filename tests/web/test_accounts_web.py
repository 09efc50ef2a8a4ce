"""Accounts in the browser (issue 23): the administrator adds a person who sets their own password through a
one-time link (48 hours, once), changes a role, disables and enables, unlocks a name waiting out the
sign-in back-off, issues a new link; people change their own password (their other sessions end); every
change audited, the CLI's too; every forbidden case refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from store.accounts import invite, link_holder, redeem
from store.schema import AccountChange
from store.users import AccountError, add_user
from tests.doors_env import Doors
from tests.office_env import PASSWORD, sign_in


@pytest.fixture
def doors(tmp_path) -> Doors:
    setup = Doors(tmp_path)
    with setup.store.session() as session:
        add_user(session, "qt", "admin", PASSWORD)
    return setup


async def signed(doors: Doors, name: str, password: str = PASSWORD, address: str = "203.0.113.7"):
    http = doors.http(address)
    answer = await sign_in(http, name, password)
    assert answer.status_code == 303, answer.text
    page = await http.get("/account/password")
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text)[1]  # type: ignore[index]


def link_in(page: str) -> str:
    return re.search(r'id="one-time-link" readonly value="([^"]+)"', page)[1]  # type: ignore[index]


async def set_through(doors: Doors, link: str, password: str):
    http = doors.http("198.51.100.9")
    path = link.removeprefix(doors.settings.portal_url)
    form = await http.get(path)
    token = http.cookies.get("doan_password_link", "")  # what the form carries (a used link's page has no form)
    return form, await http.post(path, data={"csrf": token, "new": password, "again": password})


async def test_a_new_committee_member_sets_a_password_through_the_link_once_and_signs_in(doors) -> None:
    admin, csrf = await signed(doors, "qt")
    added = await admin.post("/accounts/new", data={"csrf": csrf, "name": "hoa.tran", "role": "committee"})
    assert added.status_code == 200 and "Đã thêm tài khoản hoa.tran (Ban Thường vụ)" in added.text
    link = link_in(added.text)
    assert link.startswith("http://portal.test/account/set-password/")
    refused_before = await sign_in(doors.http("192.0.2.1"), "hoa.tran", "")
    form, done = await set_through(doors, link, "mat-khau-cua-hoa-123")
    assert "Tài khoản: <strong>hoa.tran</strong>" in form.text
    assert done.status_code == 200 and "Đã đặt mật khẩu cho tài khoản hoa.tran" in done.text
    http, _ = await signed(doors, "hoa.tran", "mat-khau-cua-hoa-123")
    committee = await http.get("/campaigns")
    _, reused = await set_through(doors, link, "mat-khau-khac-hoan-toan")
    listing = await admin.get("/accounts")
    assert refused_before.status_code == 401
    assert committee.status_code == 200
    assert reused.status_code == 422 and "đã dùng, đã hết hạn hoặc không đúng" in reused.text
    with doors.store.session() as session:
        trail = [
            (c.actor, c.action, c.user_name) for c in session.scalars(select(AccountChange).order_by(AccountChange.id))
        ]
    assert trail[-3:] == [
        ("qt (admin)", "add", "hoa.tran"),
        ("qt (admin)", "link", "hoa.tran"),
        ("hoa.tran (qua liên kết một lần)", "password", "hoa.tran"),
    ]
    assert trail[0] == ("dòng lệnh (starter.py users)", "add", "vp")  # the CLI's changes are audited too
    assert "qt (admin)" in listing.text and "thêm tài khoản hoa.tran" in listing.text


def test_a_link_lasts_48_hours_and_a_newer_one_replaces_it(doors) -> None:
    start = datetime(2026, 12, 1, 8, tzinfo=UTC)
    with doors.store.session() as session:
        first = invite(session, "minh", "office", "qt (admin)", now=start)
        assert link_holder(session, first, start + timedelta(hours=47)) is not None
        assert link_holder(session, first, start + timedelta(hours=48, seconds=1)) is None
        with pytest.raises(AccountError, match="đã hết hạn"):
            redeem(session, first, "mat-khau-du-dai-1", now=start + timedelta(hours=49))
    with doors.store.session() as session:
        from store.accounts import issue_link

        second = issue_link(session, "minh", "qt (admin)", now=start + timedelta(hours=1))
        assert link_holder(session, first, start + timedelta(hours=2)) is None
        assert redeem(session, second, "mat-khau-du-dai-1", now=start + timedelta(hours=2)) == "minh"
        third = invite(session, "ngan", "office", "qt (admin)", now=start)
        with pytest.raises(AccountError, match="ít nhất 10"):
            redeem(session, third, "ngan", now=start + timedelta(hours=1))
        assert link_holder(session, third, start + timedelta(hours=1)) is not None  # a refused password uses nothing
    with doors.store.session() as session, pytest.raises(AccountError, match="tên đăng nhập gồm"):
        invite(session, "Lan Nguyễn", "office", "qt (admin)")


async def test_role_disable_enable_and_the_last_administrator(doors) -> None:
    admin, csrf = await signed(doors, "qt")
    office, _ = await signed(doors, "cu")
    to_committee = await admin.post("/accounts/role", data={"csrf": csrf, "name": "cu", "role": "committee"})
    start_page = await office.get("/campaigns/new")  # the role is read on every request
    disabled = await admin.post("/accounts/disable", data={"csrf": csrf, "name": "cu"})
    after = await office.get("/campaigns")
    enabled = await admin.post("/accounts/enable", data={"csrf": csrf, "name": "cu"})
    last = await admin.post("/accounts/role", data={"csrf": csrf, "name": "qt", "role": "office"})
    itself = await admin.post("/accounts/disable", data={"csrf": csrf, "name": "qt"})
    assert to_committee.status_code == 200 and "Vai trò của cu: Ban Thường vụ." in to_committee.text
    assert start_page.status_code == 403
    assert disabled.status_code == 200 and "Đã vô hiệu hóa (mọi phiên đăng nhập đã kết thúc) cu." in disabled.text
    assert after.status_code == 401  # the open session ended at once
    assert enabled.status_code == 200 and "Đã bật lại cu." in enabled.text
    assert last.status_code == 422 and "quản trị duy nhất đang hoạt động" in last.text
    assert itself.status_code == 422 and "không tự vô hiệu hóa" in itself.text
    await signed(doors, "cu")  # enabled again, with the password it had


async def test_the_administrator_unlocks_a_name_waiting_out_the_back_off(doors) -> None:
    admin, csrf = await signed(doors, "qt")
    guesser = doors.http("192.0.2.44")
    for _ in range(5):
        await sign_in(guesser, "vp", "sai-mat-khau")
    waiting = await sign_in(guesser, "vp", PASSWORD)
    listing = await admin.get("/accounts")
    unlocked = await admin.post("/accounts/unlock", data={"csrf": csrf, "name": "vp"})
    now_in = await sign_in(guesser, "vp", PASSWORD)
    assert waiting.status_code == 401
    assert "đang bị khóa đăng nhập tạm" in listing.text
    assert "Đã mở khóa đăng nhập cho vp." in unlocked.text
    assert now_in.status_code == 303
    with doors.store.session() as session:
        assert (
            session.scalars(select(AccountChange).where(AccountChange.action == "unlock")).one().actor == "qt (admin)"
        )


async def test_people_change_their_own_password_and_their_other_sessions_end(doors) -> None:
    here, csrf = await signed(doors, "btv")
    elsewhere, _ = await signed(doors, "btv", address="198.51.100.20")
    wrong = await here.post(
        "/account/password",
        data={"csrf": csrf, "current": "sai", "new": "mat-khau-moi-123", "again": "mat-khau-moi-123"},
    )
    short = await here.post(
        "/account/password", data={"csrf": csrf, "current": PASSWORD, "new": "ngan", "again": "ngan"}
    )
    done = await here.post(
        "/account/password",
        data={"csrf": csrf, "current": PASSWORD, "new": "mat-khau-moi-123", "again": "mat-khau-moi-123"},
    )
    assert wrong.status_code == 422 and "mật khẩu hiện tại không đúng" in wrong.text
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.text
    assert done.status_code == 200 and "Đã đổi mật khẩu" in done.text
    assert (await here.get("/campaigns")).status_code == 200  # this session stays
    assert (await elsewhere.get("/campaigns")).status_code == 401  # the other ended
    assert (await sign_in(doors.http("192.0.2.8"), "btv", PASSWORD)).status_code == 401
    await signed(doors, "btv", "mat-khau-moi-123", address="192.0.2.9")


ADMIN_POSTS = [
    "/accounts/new",
    "/accounts/role",
    "/accounts/disable",
    "/accounts/enable",
    "/accounts/unlock",
    "/accounts/link",
]


async def test_only_the_administrator_manages_accounts_and_every_form_needs_its_csrf(doors) -> None:
    stranger = doors.http()
    assert (await stranger.get("/accounts")).status_code == 401
    assert (await stranger.get("/account/password")).status_code == 401
    for path in [*ADMIN_POSTS, "/account/password"]:
        assert (await stranger.post(path, data={"csrf": "x", "name": "vp", "role": "admin"})).status_code == 401, path
    for name in ("vp", "btv"):
        http, csrf = await signed(doors, name)
        assert (await http.get("/accounts")).status_code == 403
        for path in ADMIN_POSTS:
            answer = await http.post(path, data={"csrf": csrf, "name": name, "role": "admin"})
            assert answer.status_code == 403, (name, path)
    admin, _ = await signed(doors, "qt")
    for path in [*ADMIN_POSTS, "/account/password"]:
        answer = await admin.post(
            path,
            data={
                "csrf": "sai",
                "name": "vp",
                "role": "admin",
                "current": PASSWORD,
                "new": "mat-khau-moi-123",
                "again": "mat-khau-moi-123",
            },
        )
        assert answer.status_code == 403 and "Biểu mẫu đã cũ" in answer.text, path
    forged = await stranger.post(
        "/account/set-password/khong-co-that", data={"csrf": "x", "new": "a" * 12, "again": "a" * 12}
    )
    assert forged.status_code == 403  # no cookie of the form's own: nothing is read
    with doors.store.session() as session:
        roles = dict(
            session.execute(
                select(AccountChange.user_name, AccountChange.action).where(
                    AccountChange.actor != "dòng lệnh (starter.py users)"
                )
            ).all()
        )
    assert roles == {}


def test_a_password_links_token_is_never_logged() -> None:
    from web.app import loggable_path

    assert loggable_path("/account/set-password/bi-mat-123", "s") == "/account/set-password/<token>"
