"""The office and the Standing Committee in the browser: sign-in and the pages behind it.

A person signs in with a name and password (argon2, lock-out after repeated failures); the session
is a signed, HttpOnly, SameSite cookie (Secure when PORTAL_URL is https) holding the name and a
CSRF token; the role is read from the store on every request, so disabling an account takes
effect at once. Every endpoint checks the role (access.roles) on the server; a unit's link never
opens these pages. The sign-in form has its own CSRF token (a cookie matched by the form), so no
other site can sign a browser in under an account of its choosing.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from temporalio.client import Client

from access.roles import ROLE_WORDS, Action, may
from campaign.text import shortened
from settings import Settings
from store.database import Store
from store.schema import Campaign
from store.users import AccountError, Person, active, sign_in
from web.codec import codec_router
from web.office_actions import action_router
from web.office_committee import committee_router
from web.office_door import Door, Signed
from web.office_grid import campaign_words, grid_router
from web.office_plans import plans_router
from web.portal import Refused

SESSION_COOKIE = "doan_session"
LOGIN_COOKIE = "doan_login"
SESSION_HOURS = 12


def office_router(
    settings: Settings, store: Store, client: Callable[[], Awaitable[Client]], templates: Jinja2Templates
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    sessions = URLSafeTimedSerializer(settings.portal_secret or "", salt="office-session")
    secure = settings.portal_url.startswith("https://")

    def from_proxy(request: Request) -> Signed | None:
        """Single sign-on: the identity a trusted reverse proxy vouches for, mapped to a role by settings."""
        proxy = settings.portal_trusted_proxy
        if not proxy or not request.client or request.client.host != proxy:
            return None
        name = request.headers.get(settings.portal_proxy_user_header, "").strip()
        role = settings.proxy_roles.get(name)
        if not name or role is None:
            return None
        # The proxy authenticates every request; the CSRF token is still per person, stable and secret.
        csrf = hmac.new((settings.portal_secret or "").encode(), f"sso-csrf/{name}".encode(), "sha256").hexdigest()
        return Signed(Person(name, role), csrf[:32])

    def signed(request: Request) -> Signed | None:
        if (sso := from_proxy(request)) is not None:
            return sso
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = sessions.loads(raw, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            return None
        with store.session() as session:
            person = active(session, str(data.get("name", "")))
        return Signed(person, str(data.get("csrf", ""))) if person else None

    def allowed(request: Request, action: Action, csrf: str | None = None) -> Signed:
        """The signed-in person when their role may take `action` (and the form's CSRF token holds)."""
        who = signed(request)
        if who is None:
            raise Refused(401, "unauthorized", "Cần đăng nhập (Văn phòng, Ban Thường vụ hoặc Quản trị).")
        if not may(who.person.role, action):
            raise Refused(403, "forbidden", f"Vai trò {ROLE_WORDS.get(who.person.role, who.person.role)} "  # type: ignore[call-overload]
                          "không được làm việc này.")  # fmt: skip
        if csrf is not None and not secrets.compare_digest(csrf, who.csrf):
            raise Refused(403, "csrf", "Biểu mẫu đã cũ hoặc không hợp lệ. Đề nghị tải lại trang và gửi lại.")
        return who

    door = Door(settings, store, client, templates, allowed)
    templates.env.filters["shortened"] = shortened
    templates.env.filters["campaign_words"] = campaign_words
    router.include_router(codec_router(settings, allowed, store))
    # /campaigns/new before /campaigns/{campaign_id}, which would otherwise take "new" for an ID
    router.include_router(plans_router(door))

    def login_page(request: Request, error: str | None, name: str, status: int = 200) -> Response:
        token = secrets.token_urlsafe(24)
        response = door.page(request, "login.html", {"error": error, "name": name, "csrf": token}, status)
        response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=secure)
        return response

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        return login_page(request, None, "")

    @router.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
    ) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(csrf, expected):
            return login_page(request, "Trang đăng nhập đã cũ; đề nghị nhập lại.", name[:60], status=403)
        with store.session() as session:  # a failed attempt is counted (and committed) too
            try:
                person = sign_in(session, name.strip()[:60], password[:200])
            except AccountError as exc:
                refused = str(exc)
                person = None
        if person is None:
            return login_page(request, refused, name[:60], status=401)
        response = RedirectResponse("/campaigns", status_code=303)
        cookie = sessions.dumps({"name": person.name, "csrf": secrets.token_urlsafe(24)})
        response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                            secure=secure)  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        allowed(request, Action.VIEW, csrf)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.get("/campaigns", response_class=HTMLResponse)
    async def campaigns(request: Request) -> Response:
        who = allowed(request, Action.VIEW)
        with store.session() as session:
            rows = list(session.scalars(select(Campaign).order_by(Campaign.started_at.desc()).limit(200)))
        return door.page(request, "campaigns.html", {"who": who, "campaigns": rows,
                                                     "may_start": may(who.person.role, Action.START)})  # fmt: skip

    router.include_router(grid_router(door))
    router.include_router(committee_router(door))
    router.include_router(action_router(door))
    return router
