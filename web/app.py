"""The ASGI app: the unit portal's pages (web.unit_pages: server-rendered, Vietnamese, phone-sized), its
/api/v1 (web.unit_api) and the office's pages (web.office), behind one set of middleware and one way of
answering a refusal.

python starter.py serve   (PORTAL_BIND, PORTAL_URL, PORTAL_SECRET)
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import time
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import Scope
from temporalio.client import Client

from access.links import LinkError, read
from campaign import limits
from campaign.clock import format_deadline, format_moment, format_start, local
from campaign.duty import STATUS_WORDS
from campaign.escape import first_line
from campaign.messages import ended_sentence
from campaign.tracker import phase_words
from campaign.views import ready_due_words
from service.updates import Refused
from settings import Settings
from store.database import SchemaNotReady, Store
from web.codec import basic_credentials
from web.evidence import MAX_FILE_BYTES, MAX_FILES
from web.guard import ClientAddress, client_address
from web.middleware import BodyCap, CredentialFirst, SecurityHeaders
from web.office import login_url, office_router
from web.office_accounts import SET_PASSWORD
from web.office_door import Gate
from web.portal import Portal
from web.unit_api import api_link, unit_api_router
from web.unit_input import bearer, first_problem
from web.unit_pages import unit_pages_router

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.filters["deadline"] = format_deadline
TEMPLATES.env.filters["phase"] = phase_words
TEMPLATES.env.filters["day"] = lambda d: f"{d:%d/%m/%Y}"
TEMPLATES.env.filters["start"] = format_start
TEMPLATES.env.filters["starts_at_time"] = lambda moment: local(moment).time() != time(0)
TEMPLATES.env.filters["moment"] = format_moment
TEMPLATES.env.filters["ready_words"] = ready_due_words
TEMPLATES.env.filters["is_image"] = lambda name: str(name).rsplit(".", 1)[-1] in ("jpg", "png", "gif", "webp")
TEMPLATES.env.globals["ended_sentence"] = ended_sentence
TEMPLATES.env.globals["status_words"] = STATUS_WORDS
TEMPLATES.env.globals["limits"] = limits  # a form's maxlength is the limit the message models enforce
MAX_BODY_BYTES = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024
# Smaller caps by path (the first prefix that matches); everything else MAX_BODY_BYTES.
BODY_CAPS = [
    ("/api/", 1024 * 1024),
    ("/login", 64 * 1024),
    ("/logout", 64 * 1024),
    ("/codec/", 8 * 1024 * 1024),
    ("/account", 64 * 1024),
    ("/directory/import", 8 * 1024 * 1024),
    ("/directory", 256 * 1024),
]
UNIT_PATH = re.compile(r"^/u/(?P<token>[^/]+)(?:/|$)")
# Starlette's and FastAPI's own refusals (no such page, wrong method, a body that cannot be read), in
# the documented {"code", "message"} shape and in Vietnamese.
HTTP_PROBLEMS = {
    400: ("bad_request", "Không đọc được dữ liệu gửi lên (sai định dạng)."),
    404: ("not_found", "Không tìm thấy trang này."),
    405: ("method_not_allowed", "Địa chỉ này không nhận kiểu yêu cầu đó."),
    413: ("too_large", f"Dữ liệu gửi lên quá lớn (tối đa {MAX_FILES} tệp, mỗi tệp {MAX_FILE_BYTES // 2**20} MB)."),
}
RECORDS_AWAY = (OperationalError, InterfaceError, SchemaNotReady)
FIELD_TOO_LONG = "Một ô trong biểu mẫu dài quá 1 MB. Đề nghị rút gọn nội dung rồi gửi lại."


LOG = structlog.get_logger("portal")


def create_app(settings: Settings, store_: Store, client: Callable[[], Awaitable[Client]]) -> FastAPI:
    portal = Portal(settings, store_, client)
    gate = Gate(settings, store_)
    # /docs and /redoc load Swagger UI and ReDoc from files shipped with fastapi-offline, not a CDN
    app = FastAPIOffline(
        title="Cổng trả lời của đơn vị",
        description="Đơn vị xác nhận sẵn sàng và nộp báo cáo kết quả qua liên kết cá nhân "
        "(mã trong liên kết là bearer token).",
        version="1",
    )
    app.state.portal = portal
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    TEMPLATES.env.globals["office_contact"] = office_contact(settings)
    app.state.gate = gate

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return problem(request, exc.status, exc.code, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = HTTP_PROBLEMS.get(exc.status_code, (f"http_{exc.status_code}", "Yêu cầu không hợp lệ."))
        if exc.status_code == 400 and "maximum size" in str(exc.detail):  # a form field over 1 MB
            code, message = "field_too_long", FIELD_TOO_LONG
        return problem(request, exc.status_code, code, message, exc.headers)

    def problem(request: Request, status: int, code: str, message: str, headers: Any = None) -> Response:
        """A refusal as JSON {"code", "message"} under /api/ (and for the codec), else as a page."""
        if request.url.path.startswith(("/api/", "/codec/")):
            return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)
        context = {"message": message, "code": code, "login": login_url(request) if status == 401 else None}
        return TEMPLATES.TemplateResponse(request, "problem.html", context, status_code=status, headers=headers)

    # An outage only (the server does not answer, a connection drops, the schema not yet checked); any
    # other database error is a fault to see as one.
    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(SchemaNotReady)
    async def records_away(request: Request, exc: Exception) -> Response:
        """The database does not answer (an outage, or not yet upgraded): say so, and that nothing was lost."""
        LOG.warning("records unavailable", path=loggable_path(request.url.path, portal.secret),
                    error=first_line(exc, 300))  # fmt: skip
        message = ("Hệ thống lưu hồ sơ tạm thời không truy cập được. Vui lòng thử lại sau ít phút; "
                   "những gì đã gửi trước đó vẫn được giữ nguyên.")  # fmt: skip
        if request.url.path.startswith("/api/"):
            return JSONResponse({"code": "records_unavailable", "message": message}, status_code=503)
        return TEMPLATES.TemplateResponse(
            request, "problem.html", {"message": message, "code": "records_unavailable"}, status_code=503
        )

    async def credential_first(request: Request) -> Response | None:
        """The credential a request needs, checked before its body is read (the route checks it again,
        with the role and CSRF token): a unit's link for /u/…, the bearer token for /api/…, a session
        (or the single sign-on proxy) for the office's pages; the sign-in form and a one-time password link
        (itself the credential, checked by its route) need none."""
        path = request.url.path
        try:
            if (unit := UNIT_PATH.match(path)) is not None:
                portal.unit_link(unit["token"], client_address(request))
            elif path.startswith("/api/"):
                api_link(portal, request, await bearer(request))
            elif path.startswith("/codec/"):
                # open without PAYLOAD_KEYS (decompression only); with them, a session or the CLI's Basic
                # credentials, which the route checks through the sign-in's limits
                if settings.payload_keys and gate.signed(request) is None and not basic_credentials(request):
                    raise Refused(401, "unauthorized", "Cần đăng nhập (Văn phòng, Ban Thường vụ hoặc Quản trị).")
            elif path != "/login" and not path.startswith(SET_PASSWORD) and gate.signed(request) is None:
                raise Refused(401, "unauthorized", "Cần đăng nhập (Văn phòng, Ban Thường vụ hoặc Quản trị).")
        except Refused as exc:
            return problem(request, exc.status, exc.code, exc.message)
        except RECORDS_AWAY as exc:
            return await records_away(request, exc)
        return None

    def too_large(scope: Scope, cap: int) -> Response:
        code, message = HTTP_PROBLEMS[413]
        if cap < MAX_BODY_BYTES:
            message = f"Dữ liệu gửi lên quá lớn (tối đa {cap // 1024} KB)."
        return problem(Request(scope), 413, code, message)

    # Outermost last: headers on every answer, then the Host, the client address, the credential, the body.
    app.add_middleware(BodyCap, caps=BODY_CAPS, default=MAX_BODY_BYTES, too_large=too_large)
    app.add_middleware(CredentialFirst, check=credential_first)
    app.add_middleware(ClientAddress, proxies=lambda: settings.trusted_proxies)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders, portal_url=settings.portal_url)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def home(request: Request) -> Response:
        message = "Mở liên kết cá nhân trong thư của Văn phòng Đoàn Khối để xác nhận và nộp báo cáo."
        return TEMPLATES.TemplateResponse(request, "problem.html", {"message": message, "code": "home"})

    app.include_router(unit_pages_router(portal, settings, store_, TEMPLATES))

    app.include_router(office_router(settings, store_, client, TEMPLATES, gate))

    app.include_router(unit_api_router(portal))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        message = first_problem(exc.errors()) if exc.errors() else "Dữ liệu gửi lên không hợp lệ."
        place = [str(p) for p in (exc.errors()[0].get("loc", ()) if exc.errors() else ()) if p != "body"]
        field = {"field": ".".join(place)} if place else {}  # for programs; the sentence is for people
        return JSONResponse({"code": "invalid", "message": message, **field}, status_code=422)

    return app


def office_contact(settings: Settings) -> str:
    """How a unit reaches the office, for every page that says "ask the office" (OFFICE_EMAIL, OFFICE_PHONE)."""
    ways = [f"e-mail {settings.office_email}" if settings.office_email else "",
            f"điện thoại {settings.office_phone}" if settings.office_phone else ""]  # fmt: skip
    return "; ".join(w for w in ways if w)


def loggable_path(path: str, secret: str) -> str:
    """The path with a unit's link token replaced by the token's id (a token is a credential, never logged)."""
    if path.startswith(SET_PASSWORD):  # a one-time password link is a credential too
        return f"{SET_PASSWORD}<token>"
    found = UNIT_PATH.match(path)
    if found is None:
        return path
    try:
        token_id = read(secret, found["token"]).token_id
    except LinkError as exc:
        token_id = exc.reason
    return f"/u/<{token_id}>{path[found.end('token') :]}"
