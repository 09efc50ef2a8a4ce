"""The office and the Standing Committee in the browser: sign-in and the pages behind it.

A person signs in with a name and password (argon2; web.office_door.Gate keeps the server-side
sessions, so signing out, a password change or disabling ends them at once); the role is read
from the store on every request. Every endpoint checks the role (access.roles) on the server; a
unit's link never opens these pages. The sign-in form has its own CSRF token (a cookie matched by the form), so no
other site can sign a browser in under an account of its choosing.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from temporalio.client import Client

from access.roles import Permission, may
from campaign.limits import MAX_ACCOUNT_NAME_CHARS, MAX_PASSWORD_CHARS, MAX_URL_CHARS
from campaign.text import shortened
from settings import Settings
from store.database import Store
from store.drafts import saved_drafts
from store.schema import Campaign
from store.users import SIGN_IN_REFUSED
from web.campaign_grid import campaign_words
from web.codec import codec_router
from web.office_accounts import accounts_router
from web.office_actions import action_router
from web.office_committee import committee_router
from web.office_directory import directory_router
from web.office_door import Door, Gate
from web.office_editor import editor_router, open_upload
from web.office_grid import grid_router
from web.office_plans import plans_router

LOGIN_COOKIE = "doan_login"


def office_router(
    settings: Settings, store: Store, client: Callable[[], Awaitable[Client]], templates: Jinja2Templates, gate: Gate
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed = gate.allowed
    secure = gate.secure

    door = Door(settings, store, client, templates, allowed)
    templates.env.filters["shortened"] = shortened
    templates.env.filters["campaign_words"] = campaign_words
    router.include_router(codec_router(settings, allowed, gate))
    # /campaigns/new before /campaigns/{campaign_id}, which would otherwise take "new" for an ID
    router.include_router(plans_router(door, open_upload))
    router.include_router(editor_router(door))

    def login_page(request: Request, error: str | None, name: str, status: int = 200, next_: str = "") -> Response:
        token = secrets.token_urlsafe(24)
        context = {"error": error, "name": name, "csrf": token, "next": local_path(next_) or ""}
        response = door.page(request, "login.html", context, status)
        response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=secure)
        return response

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        return login_page(request, None, "", next_=request.query_params.get("next", ""))

    @router.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        wanted: Annotated[str, Form(alias="next")] = "",  # where the person was going
    ) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not secrets.compare_digest(csrf, expected):
            return login_page(request, "Trang đăng nhập đã cũ; đề nghị nhập lại.", name[:MAX_ACCOUNT_NAME_CHARS],
                              status=403, next_=wanted)  # fmt: skip
        person, status = gate.sign_in(request, name.strip()[:MAX_ACCOUNT_NAME_CHARS], password[:MAX_PASSWORD_CHARS])
        if person is None:
            return login_page(request, SIGN_IN_REFUSED, name[:MAX_ACCOUNT_NAME_CHARS], status=status, next_=wanted)
        response = RedirectResponse(local_path(wanted) or "/campaigns", status_code=303)
        gate.open(response, person)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        allowed(request, Permission.VIEW, csrf)
        response = RedirectResponse("/login", status_code=303)
        gate.close(request, response)
        return response

    @router.get("/campaigns", response_class=HTMLResponse)
    async def campaigns(request: Request) -> Response:
        who = allowed(request, Permission.VIEW)
        with store.session() as session:
            rows = list(session.scalars(select(Campaign).order_by(Campaign.started_at.desc()).limit(200)))
            role = who.person.role
            may_start = may(role, Permission.START)
            drafts = saved_drafts(session) if may_start else []
        context = {
            "who": who,
            "campaigns": rows,
            "drafts": drafts,
            "may_start": may_start,
            "may_directory": may(role, Permission.EDIT_DIRECTORY),
            "may_accounts": may(role, Permission.MANAGE_USERS),
        }
        return door.page(request, "campaigns.html", context)

    router.include_router(grid_router(door))
    router.include_router(committee_router(door))
    router.include_router(action_router(door))
    router.include_router(directory_router(door))
    router.include_router(accounts_router(door, gate))
    return router


def local_path(wanted: str) -> str | None:
    """`wanted` when it is a page of this site to return to after signing in ("/committee",
    "/campaigns/x?overdue=1"), else None: never another site ("https://…", "//evil", "/\\evil"), never
    the sign-in page itself, nothing with control characters or over 2,000 characters (no open redirect)."""
    if not wanted or len(wanted) > MAX_URL_CHARS or not wanted.startswith("/") or wanted.startswith(("//", "/\\")):
        return None
    if "\\" in wanted or any(ord(c) < 32 or ord(c) == 127 for c in wanted):
        return None
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return None
    return wanted


def login_url(request: Request) -> str:
    """The sign-in page, returning afterwards to the page asked for (a GET of a local page)."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or local_path(wanted) is None:
        return "/login"
    return f"/login?{urlencode({'next': wanted})}"
