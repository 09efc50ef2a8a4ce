"""Accounts in the browser: the administrator lists them, adds a person (who sets their own password
through a one-time link valid 48 hours, handed over by the administrator), changes a role, disables and
enables an account, unlocks a name waiting out the sign-in back-off, and issues a new link; everyone signed
in changes their own password. The rules are the CLI's (store.users: argon2, every other session ends on
a password change, a disabled account's at once) and every change is audited (store.accounts).

Every endpoint checks the role on the server (Permission.MANAGE_USERS: the administrator; one's own password:
any signed-in person) and every form its CSRF token; the one-time link's page needs no session (the link is
the credential) and its form carries a CSRF token of its own (a cookie matched by the form, as at /login).
"""

from __future__ import annotations

import secrets
from typing import Annotated

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from access.roles import ROLE_WORDS, Permission, Role
from campaign.limits import MAX_PASSWORD_CHARS, MAX_TOKEN_CHARS
from service.updates import Refused
from store.accounts import (
    LINK_LENGTH,
    account_history,
    accounts,
    change_own_password,
    change_role,
    invite,
    issue_link,
    link_holder,
    redeem,
    set_enabled,
)
from store.users import AccountError, record
from web.office_door import Door, Gate, Signed, via

LOG = structlog.get_logger("office.accounts")
LINK_COOKIE = "doan_password_link"
SET_PASSWORD = "/account/set-password/"
HOURS = int(LINK_LENGTH.total_seconds() // 3600)
SSO_PASSWORD = "Tài khoản đăng nhập qua máy chủ xác thực chung; đổi mật khẩu ở đó."
ACTION_WORDS = {"add": "thêm tài khoản", "link": "cấp liên kết đặt mật khẩu", "password": "đặt mật khẩu",
                "role": "đổi vai trò", "disable": "vô hiệu hóa", "enable": "bật lại",
                "unlock": "mở khóa đăng nhập"}  # fmt: skip


def accounts_router(door: Door, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed, store, settings = door.allowed, door.store, door.settings

    def admin(request: Request, csrf: str | None = None) -> Signed:
        return allowed(request, Permission.MANAGE_USERS, csrf)

    def listing(request: Request, who: Signed, status: int = 200, error: str | None = None,
                message: str | None = None, link: str | None = None,
                typed: dict[str, str] | None = None) -> Response:  # fmt: skip
        with store.session() as session:
            rows = accounts(session)
            history = account_history(session, limit=100)
        locked = {row.name for row in rows if gate.limits.waits_anywhere(row.name)}
        context = {"who": who, "accounts": rows, "history": history, "roles": list(ROLE_WORDS.items()),
                   "locked": locked, "error": error, "message": message, "link": link, "typed": typed or {},
                   "actions": ACTION_WORDS, "hours": HOURS}  # fmt: skip
        return door.page(request, "accounts.html", context, status)

    def link_url(token: str) -> str:
        return f"{settings.portal_url.rstrip('/')}{SET_PASSWORD}{token}"

    @router.get("/accounts", response_class=HTMLResponse)
    async def accounts_page(request: Request) -> Response:
        return listing(request, admin(request))

    @router.post("/accounts/new", response_class=HTMLResponse)
    async def add(request: Request, csrf: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                  role: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = admin(request, csrf)
        name = name.strip()[:80]
        try:
            with store.session() as session:
                token = invite(session, name, role, via(who))
        except AccountError as exc:
            return listing(request, who, 422, error=f"Chưa thêm được: {exc}.", typed={"name": name, "role": role})
        LOG.info("account added", user=name, role=role, by=via(who))
        words = ROLE_WORDS.get(Role(role), role)
        message = (f"Đã thêm tài khoản {name} ({words}). Gửi liên kết dưới đây cho người đó (trực tiếp hoặc qua "
                   f"kênh tin cậy) để họ tự đặt mật khẩu; liên kết dùng được một lần, trong {HOURS} giờ.")  # fmt: skip
        return listing(request, who, message=message, link=link_url(token))

    async def change(request: Request, action: str, csrf: str, name: str, role: str = "") -> Response:
        who = admin(request, csrf)
        name = name.strip()[:80]
        link = None
        try:
            with store.session() as session:
                if action == "role":
                    before = change_role(session, name, role, via(who))
                    message = (f"Vai trò của {name}: {ROLE_WORDS.get(Role(role), role)}." if before
                               else f"{name} đã có vai trò này.")  # fmt: skip
                elif action in ("disable", "enable"):
                    if action == "disable" and name == who.person.name:
                        raise AccountError("không tự vô hiệu hóa tài khoản của mình được")
                    done = set_enabled(session, name, action == "enable", via(who))
                    verb = "vô hiệu hóa (mọi phiên đăng nhập đã kết thúc)" if action == "disable" else "bật lại"
                    message = f"Đã {verb} {name}." if done else f"{name} đã như vậy rồi."
                elif action == "link":
                    link = link_url(issue_link(session, name, via(who)))
                    message = (f"Liên kết đặt mật khẩu mới cho {name} (liên kết cũ chưa dùng không còn hiệu lực); "
                               f"dùng được một lần, trong {HOURS} giờ.")  # fmt: skip
                else:  # unlock
                    if not any(a.name == name for a in accounts(session)):
                        raise AccountError(f"không có tài khoản {name}")
                    gate.limits.unlock(name)
                    record(session, via(who), "unlock", name)
                    message = f"Đã mở khóa đăng nhập cho {name}."
        except AccountError as exc:
            return listing(request, who, 422, error=f"Chưa làm được: {exc}.")
        LOG.info("account changed", user=name, action=action, by=via(who))
        return listing(request, who, message=message, link=link)

    @router.post("/accounts/role", response_class=HTMLResponse)
    async def role_change(request: Request, csrf: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                          role: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        return await change(request, "role", csrf, name, role)

    @router.post("/accounts/{action}", response_class=HTMLResponse)
    async def other_change(request: Request, action: str, csrf: Annotated[str, Form()] = "",
                           name: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        if action not in ("disable", "enable", "unlock", "link"):
            raise Refused(404, "not_found", "Không tìm thấy trang này.")
        return await change(request, action, csrf, name)

    # --- one's own password ---------------------------------------------------------------

    def own_page(request: Request, who: Signed, status: int = 200, error: str | None = None,
                 message: str | None = None) -> Response:  # fmt: skip
        sso = gate.from_proxy(request) is not None
        return door.page(request, "password_change.html", {"who": who, "error": error, "message": message,
                                                            "sso": sso}, status)  # fmt: skip

    @router.get("/account/password", response_class=HTMLResponse)
    async def own_form(request: Request) -> Response:
        return own_page(request, allowed(request, Permission.VIEW))

    @router.post("/account/password", response_class=HTMLResponse)
    async def own_change(request: Request, csrf: Annotated[str, Form()] = "", current: Annotated[str, Form()] = "",
                         new: Annotated[str, Form()] = "", again: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Permission.VIEW, csrf)
        if gate.from_proxy(request) is not None:
            return own_page(
                request, who, 409, error="Tài khoản đăng nhập qua máy chủ xác thực chung; đổi mật khẩu ở đó."
            )
        if new != again:
            return own_page(request, who, 422, error="Hai lần nhập mật khẩu mới không khớp.")
        try:
            with store.session() as session:
                change_own_password(
                    session,
                    who.person.name,
                    current[:MAX_PASSWORD_CHARS],
                    new[:MAX_PASSWORD_CHARS],
                    gate.token(request),
                )
        except AccountError as exc:
            return own_page(request, who, 422, error=f"Chưa đổi được: {exc}.")
        LOG.info("own password changed", user=who.person.name)
        return own_page(request, who, message="Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.")

    # --- the one-time link (no session: the link is the credential) -------------------------

    def link_page(request: Request, token: str, status: int = 200, error: str | None = None,
                  done: str | None = None) -> Response:  # fmt: skip
        with store.session() as session:
            holder = link_holder(session, token)
            name = holder.name if holder else None
        csrf = secrets.token_urlsafe(24)
        context = {"name": name, "token": token, "csrf": csrf, "error": error, "done": done,
                   "hours": HOURS}  # fmt: skip
        if done is None and name is None:
            status = 404 if status == 200 else status
        response = door.page(request, "password_set.html", context, status)
        response.set_cookie(LINK_COOKIE, csrf, max_age=3600, httponly=True, samesite="strict", secure=gate.secure,
                            path=SET_PASSWORD.rstrip("/"))  # fmt: skip
        return response

    @router.get(SET_PASSWORD + "{token}", response_class=HTMLResponse)
    async def link_form(request: Request, token: str) -> Response:
        return link_page(request, token[:MAX_TOKEN_CHARS])

    @router.post(SET_PASSWORD + "{token}", response_class=HTMLResponse)
    async def link_set(request: Request, token: str, csrf: Annotated[str, Form()] = "",
                       new: Annotated[str, Form()] = "", again: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        token = token[:MAX_TOKEN_CHARS]
        expected = request.cookies.get(LINK_COOKIE, "")
        if not expected or not secrets.compare_digest(csrf, expected):
            return link_page(request, token, 403, error="Trang đã cũ; đề nghị nhập lại.")
        if new != again:
            return link_page(request, token, 422, error="Hai lần nhập mật khẩu không khớp.")
        try:
            with store.session() as session:
                name = redeem(session, token, new[:MAX_PASSWORD_CHARS])
        except AccountError as exc:
            return link_page(request, token, 422, error=f"Chưa đặt được mật khẩu: {exc}.")
        LOG.info("password set through a one-time link", user=name)
        return link_page(request, token, done=name)

    return router
