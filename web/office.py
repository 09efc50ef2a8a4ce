"""The office and the Standing Committee in the browser: sign-in, the campaign grid and its actions.

A person signs in with a name and password (argon2, lock-out after repeated failures); the session
is a signed, HttpOnly, SameSite cookie (Secure when PORTAL_URL is https) holding the name and a
CSRF token; the role is read from the store on every request, so disabling an account takes
effect at once. Every endpoint checks the role (access.roles) on the server; a unit's link never
opens these pages.
"""

from __future__ import annotations

import hmac
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.background import BackgroundTask
from temporalio.client import Client

from access.links import secret_problem
from access.roles import ROLE_WORDS, Action, may
from campaign.limits import campaign_id_problem
from campaign.views import ActivityStatus, UnitView
from settings import Settings
from store.database import Store
from store.links import current_link, revoke_links
from store.queries import CampaignNotRecorded, campaign_report
from store.schema import Campaign, CampaignActivity, Notification
from store.users import AccountError, Person, active, sign_in
from web.office_plans import plans_router
from web.portal import Refused, send_update, statuses

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_COOKIE = "doan_session"
SESSION_HOURS = 12


@dataclass(frozen=True)
class Signed:
    person: Person
    csrf: str


@dataclass(frozen=True)
class Cell:
    mark: str  # a text mark, so the grid reads without colour
    kind: str  # the CSS class: waiting, ready, on_time, late, overdue, excused, none
    words: str


LEGEND = [
    Cell("·", "none", "không phân công"),
    Cell("…", "waiting", "đang chờ"),
    Cell("S", "ready", "đã sẵn sàng"),
    Cell("✓", "on_time", "báo cáo đúng hạn"),
    Cell("T", "late", "báo cáo trễ hạn"),
    Cell("!", "overdue", "quá hạn (mức báo cáo BTV)"),
    Cell("M", "excused", "được miễn"),
]


@dataclass(frozen=True)
class GridRow:
    activity: CampaignActivity
    status: ActivityStatus | None
    cells: dict[str, Cell]
    reported: int
    assigned: int

    def unit(self, code: str) -> UnitView | None:
        return next((u for u in self.status.units if u.code == code), None) if self.status else None

    @classmethod
    def of(cls, activity: CampaignActivity, status: ActivityStatus | None, units: dict[str, str]) -> GridRow:
        by_code = {u.code: u for u in status.units} if status else {}
        cells = {code: cell_of(by_code.get(code)) for code in units}
        reported = sum(1 for u in by_code.values() if u.report)
        return cls(activity, status, cells, reported, len(by_code))


def cell_of(unit: UnitView | None) -> Cell:
    if unit is None:
        return LEGEND[0]
    if unit.excused:
        return LEGEND[6]
    if unit.report:
        return LEGEND[3] if unit.report.on_time else LEGEND[4]
    if unit.overdue:
        return Cell(f"!{unit.escalation_level or ''}", "overdue", f"quá hạn, mức {unit.escalation_level}")
    return LEGEND[2] if unit.ready else LEGEND[1]


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

    # /campaigns/new before /campaigns/{campaign_id}, which would otherwise take "new" for an ID
    router.include_router(plans_router(settings, store, client, templates, allowed))

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> Response:
        return page(request, "login.html", {"error": None, "name": ""})

    @router.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request, name: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""
    ) -> Response:
        with store.session() as session:  # a failed attempt is counted (and committed) too
            try:
                person = sign_in(session, name.strip()[:60], password[:200])
            except AccountError as exc:
                refused = str(exc)
                person = None
        if person is None:
            return page(request, "login.html", {"error": refused, "name": name[:60]}, status=401)
        response = RedirectResponse("/campaigns", status_code=303)
        cookie = sessions.dumps({"name": person.name, "csrf": secrets.token_urlsafe(24)})
        response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                            secure=secure)  # fmt: skip
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
        return page(request, "campaigns.html", {"who": who, "campaigns": rows})

    async def grid(campaign_id: str) -> dict[str, Any]:
        with store.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                raise Refused(404, "not_found", f"Không có chiến dịch {campaign_id}.")
            activities = list(
                session.scalars(
                    select(CampaignActivity)
                    .where(CampaignActivity.campaign_id == campaign_id)
                    .order_by(CampaignActivity.no)
                )
            )
        answers = await statuses(await client(), campaign_id, [a.no for a in activities])
        units: dict[str, str] = {}
        for answer in answers:
            for unit in answer.units if answer else []:
                units.setdefault(unit.code, unit.name)
        rows = [GridRow.of(activity, answer, units) for activity, answer in zip(activities, answers, strict=True)]
        per_unit = {code: sum(1 for r in rows if r.cells[code].kind in ("on_time", "late")) for code in units}
        return {"campaign": campaign, "rows": rows, "units": units, "per_unit": per_unit, "legend": LEGEND}

    @router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
    async def campaign_page(request: Request, campaign_id: str) -> Response:
        who = allowed(request, Action.VIEW)
        context = await grid(campaign_id)
        return page(request, "campaign.html", {"who": who, "may": lambda a: may(who.person.role, Action(a)),
                                               "ui": settings.portal_url, **context})  # fmt: skip

    @router.get("/campaigns/{campaign_id}/grid", response_class=HTMLResponse)
    async def grid_fragment(request: Request, campaign_id: str) -> Response:
        allowed(request, Action.VIEW)
        return page(request, "grid.html", await grid(campaign_id))

    @router.get("/campaigns/{campaign_id}/export.{fmt}")
    async def export(request: Request, campaign_id: str, fmt: str) -> Response:
        allowed(request, Action.VIEW)
        if fmt not in ("xlsx", "csv", "md") or campaign_id_problem(campaign_id):
            raise Refused(404, "not_found", "Không có định dạng này (xlsx, csv, md).")
        from exports.files import write_report  # the report-writing stack loads only for a download

        with store.session() as session:
            try:
                report = campaign_report(session, campaign_id, datetime.now(UTC))
            except CampaignNotRecorded as exc:
                raise Refused(404, "not_found", str(exc)) from None
        folder = Path(tempfile.mkdtemp(prefix="export-"))
        path = write_report(report, folder, formats=(fmt,))[0]
        media = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}[fmt]
        return FileResponse(path, media_type=media, filename=f"bao-cao-{campaign_id}.{fmt}",
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))  # fmt: skip

    @router.get("/campaigns/{campaign_id}/digests", response_class=HTMLResponse)
    async def digests(request: Request, campaign_id: str) -> Response:
        who = allowed(request, Action.VIEW)
        with store.session() as session:
            rows = list(
                session.scalars(
                    select(Notification)
                    .where(Notification.campaign_id == campaign_id, Notification.kind == "digest")
                    .order_by(Notification.created_at)
                )
            )
        seen: dict[str, Notification] = {}
        for row in rows:  # one per digest, whatever the channels
            seen.setdefault(row.subject, row)
        return page(request, "digests.html", {"who": who, "campaign_id": campaign_id, "digests": list(seen.values())})

    @router.get("/campaigns/{campaign_id}/units/{code}", response_class=HTMLResponse)
    async def unit_page(request: Request, campaign_id: str, code: str) -> Response:
        who = allowed(request, Action.VIEW)
        context = await grid(campaign_id)
        if code not in context["units"]:
            raise Refused(404, "not_found", f"Đơn vị {code} không có trong chiến dịch này.")
        owed = [(r.activity, r.cells[code], r.unit(code)) for r in context["rows"] if r.cells[code].kind != "none"]
        link = None
        if may(who.person.role, Action.ASSIGN) and not secret_problem(settings.portal_secret):
            link = personal_link(campaign_id, code)
        context = {"who": who, "campaign": context["campaign"], "code": code, "name": context["units"][code],
                   "owed": owed, "link": link}  # fmt: skip
        return page(request, "office_unit.html", context)

    def personal_link(campaign_id: str, code: str) -> str:
        with store.session() as session:
            return current_link(session, settings, campaign_id, code)

    @router.post("/campaigns/{campaign_id}/units/{code}/revoke", response_class=HTMLResponse)
    async def revoke(request: Request, campaign_id: str, code: str, csrf: Annotated[str, Form()] = "") -> Response:
        who = allowed(request, Action.ASSIGN, csrf)
        with store.session() as session:
            version = revoke_links(session, campaign_id, code)
        said = f"Đã thu hồi liên kết cũ của {code}; liên kết mới (phiên bản {version}) có trong trang đơn vị."
        return await action_result(request, who, campaign_id, said)

    async def act(campaign_id: str, no: int, update: str, message: dict[str, Any]) -> str:
        return str(await send_update(await client(), campaign_id, no, update, message))

    async def action_result(request: Request, who: Signed, campaign_id: str, said: str) -> Response:
        return page(request, "done.html", {"who": who, "campaign_id": campaign_id, "message": said})

    @router.post("/campaigns/{campaign_id}/activities/{no}/excuse", response_class=HTMLResponse)
    async def excuse(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     unit: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Action.EXCUSE, csrf)
        said = await act(campaign_id, no, "excuse_unit", {"unit": unit, "reason": reason, "via": via(who)})
        return await action_result(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/extend", response_class=HTMLResponse)
    async def extend(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     unit: Annotated[str, Form()] = "", due: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Action.EXTEND, csrf)
        message = {"unit": unit.strip() or None, "new_due": due, "reason": reason, "via": via(who)}
        said = await act(campaign_id, no, "extend_deadline", message)
        return await action_result(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/cancel", response_class=HTMLResponse)
    async def cancel(
        request: Request,
        campaign_id: str,
        no: int,
        csrf: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
        confirm: Annotated[str, Form()] = "",
    ) -> Response:
        who = allowed(request, Action.CANCEL, csrf)
        if confirm != "yes":
            raise Refused(422, "confirm", "Cần đánh dấu xác nhận hủy hoạt động.")
        said = await act(campaign_id, no, "cancel", {"reason": reason, "via": via(who)})
        return await action_result(request, who, campaign_id, said)

    return router


def via(who: Signed) -> str:
    """The audit trail's actor for an office action: the person's user name and role."""
    return f"{who.person.name} ({who.person.role})"
