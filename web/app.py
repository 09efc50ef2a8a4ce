"""The ASGI app: the unit portal's pages (server-rendered, Vietnamese, phone-sized) and /api/v1.

python starter.py serve   (PORTAL_BIND, PORTAL_URL, PORTAL_SECRET)
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

import structlog
from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import Scope
from temporalio.client import Client

from access.links import LinkError, UnitLink, read
from campaign import limits
from campaign.clock import format_deadline, format_moment, format_start, local
from campaign.duty import STATUS_WORDS
from campaign.escape import first_line
from campaign.limits import (
    MAX_DUTIES,
    MAX_DUTY_NOTE,
    MAX_EVIDENCE,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_PEOPLE,
    MAX_REQUEST_ID_CHARS,
    MAX_SUMMARY_CHARS,
)
from campaign.messages import (
    Receipt,
    Rejected,
    ended_sentence,
    evidence_link,
    line_breaks_as_lf,
    validation_problem,
    whole_number,
)
from campaign.tracker import phase_words
from campaign.views import ready_due_words
from service.updates import Refused
from settings import Settings
from store.database import SchemaNotReady, Store
from store.evidence import unit_file
from store.unit_pages import UnitCampaign
from web.codec import basic_credentials
from web.evidence import MAX_FILE_BYTES, MAX_FILES, STORED_NAME, EvidenceRefused, check, evidence_response, shown
from web.guard import ClientAddress, client_address
from web.middleware import BodyCap, CredentialFirst, SecurityHeaders
from web.office import login_url, office_router
from web.office_accounts import SET_PASSWORD
from web.office_door import Gate
from web.portal import Portal
from workflows.activity import CampaignActivityWorkflow

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
bearer = HTTPBearer(auto_error=False, description="Mã trong liên kết cá nhân của đơn vị")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class ApiBody(BaseModel):
    """A JSON body as the API takes it: exact types (no `true` for 1, no `"12"` for 12), unknown fields
    refused (`invalid`, 422), line breaks read as LF before lengths are counted."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _line_breaks(cls, raw: object) -> object:
        return line_breaks_as_lf(raw) if isinstance(raw, dict) else raw


class ReadyIn(ApiBody):
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS, description="Ghi chú (không bắt buộc)")


class ReportIn(ApiBody):
    summary: str = Field(max_length=MAX_SUMMARY_CHARS, description="Tóm tắt kết quả")
    participants: int = Field(ge=0, le=MAX_PEOPLE, description="Số người tham gia")
    beneficiaries: int | None = Field(None, ge=0, le=MAX_PEOPLE, description="Số người được hưởng lợi")
    evidence: list[str] = Field([], max_length=MAX_EVIDENCE, description="Đường dẫn minh chứng http/https")
    submitted_by: str = Field("", max_length=MAX_NAME_CHARS, description="Người gửi")
    request_id: str | None = Field(
        None, max_length=MAX_REQUEST_ID_CHARS, description="Mã yêu cầu: gửi lại cùng mã không tạo bản mới"
    )
    duties: list[DutyIn] | None = Field(
        None, max_length=MAX_DUTIES, description="Báo cáo kết quả thực hiện kế hoạch: trả lời từng nhiệm vụ"
    )


_DUTY_FIELD = re.compile(r"^duty-(\d{1,2})-(status|note|participants|count)$")


def typed_duties(form: Any) -> dict[int, dict[str, str]]:
    """The duties' answers as typed in the report form (`duty-<no>-status`, `-note`, `-participants`,
    `-count`), by duty number."""
    typed: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        if (m := _DUTY_FIELD.match(key)) and isinstance(value, str):
            typed.setdefault(int(m[1]), {})[m[2]] = value
    return dict(sorted(typed.items()))


def duty_answers(typed: dict[int, dict[str, str]]) -> list[dict[str, Any]]:
    """The typed answers as the report message's `duties`: a duty without a choice is left out, for the
    activity to name it; counts are read as every count in the form is."""
    answers = []
    for no, fields in typed.items():
        if not fields.get("status"):
            continue
        answer: dict[str, Any] = {"duty": no, "status": fields["status"], "note": fields.get("note", "").strip()}
        for name, words in (("participants", "số người tham gia"), ("count", "số lượng")):
            if fields.get(name, "").strip():
                answer[name] = whole_number(fields[name], f"nhiệm vụ {no}: {words}")
        answers.append(answer)
    return answers


class DutyIn(ApiBody):
    duty: int = Field(ge=1, le=MAX_DUTIES, description="Số thứ tự nhiệm vụ (từ `duties` của hoạt động)")
    status: Literal["done", "not_done", "not_applicable"] = Field(
        description="done: đã thực hiện; not_done: chưa thực hiện; not_applicable: không áp dụng"
    )
    note: str = Field("", max_length=MAX_DUTY_NOTE, description="Ghi chú ngắn")
    participants: int | None = Field(None, ge=0, le=MAX_PEOPLE, description="Số người tham gia nhiệm vụ")
    count: int | None = Field(None, ge=0, le=MAX_PEOPLE, description="Số lượng kế hoạch đặt cho nhiệm vụ (nếu có)")


class Problem(BaseModel):
    code: str
    message: str


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

    address = client_address

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
                portal.unit_link(unit["token"], address(request))
            elif path.startswith("/api/"):
                api_link(request, await bearer(request))
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

    # --- the unit's pages ------------------------------------------------------------

    async def page(request: Request, token: str, link: UnitLink, campaign: UnitCampaign, **extra: Any) -> Response:
        rows = await portal.rows(campaign)
        context = {
            "campaign": campaign,
            "rows": rows,
            **portal.evidence_shown(campaign, rows),
            "token": token,
            "csrf": portal.csrf_token(link),
            "request_id": uuid.uuid4().hex,
            "errors": {},
            "typed": {},
            **extra,
        }
        return TEMPLATES.TemplateResponse(request, "unit.html", context, status_code=extra.get("status", 200))

    @app.get("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def unit_page(request: Request, token: str) -> Response:
        link, campaign = portal.unit_link(token, address(request))
        return await page(request, token, link, campaign)

    @app.post("/u/{token}/ready/{no}", response_class=HTMLResponse, include_in_schema=False)
    async def ready_form(
        request: Request, token: str, no: int, csrf: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""
    ) -> Response:
        link, campaign = portal.unit_link(token, address(request))
        portal.check_csrf(link, csrf)
        message = {"unit": link.unit, "note": note.strip() or None, "via": via(link)}
        try:
            said = await portal.send(campaign, no, CampaignActivityWorkflow.confirm_ready, message)
        except Refused as exc:
            if exc.code not in ("rejected", "closed"):
                raise
            return await page(request, token, link, campaign, errors={no: exc.message}, typed={no: {"note": note}},
                              status=exc.status)  # fmt: skip
        return await receipt_page(request, token, campaign, no, "Đã xác nhận sẵn sàng", said, sent=message)

    async def receipt_page(request: Request, token: str, campaign: UnitCampaign, no: int, title: str, said: str,
                           receipt: Receipt | None = None, sent: dict[str, Any] | None = None) -> Response:  # fmt: skip
        """What the unit keeps: the workflow's answer, when, for which activity, and a copy of what was sent."""
        sent = sent or {}
        files = [portal.stored_name(str(e)) for e in sent.get("evidence") or []]
        context = {"campaign": campaign, "token": token, "title": title, "message": said, "no": no,
                   "receipt": receipt, "activity": portal.assigned(campaign, no),
                   "at": await received_at(campaign, no, receipt),
                   "sent": sent, "links": [e for e, f in zip(sent.get("evidence") or [], files, strict=True) if not f],
                   "files": portal.shown_names(campaign, [f for f in files if f])}  # fmt: skip
        return TEMPLATES.TemplateResponse(request, "receipt.html", context)

    async def received_at(campaign: UnitCampaign, no: int, receipt: Receipt | None) -> datetime:
        """When the activity took the answer, on the campaign's clock (the dates of the unit's page are on
        it too; a demo's clock runs fast): the receipt's moment, or the unit's confirmation as the activity
        records it; the server's time only when the activity does not say."""
        if receipt is not None and receipt.received_at is not None:
            return receipt.received_at
        if receipt is None:
            row = next((r for r in await portal.rows(campaign) if r.assigned.no == no), None)
            if row is not None and row.unit is not None and row.unit.ready_at is not None:
                return row.unit.ready_at
        return datetime.now(UTC)

    @app.post("/u/{token}/report/{no}", response_class=HTMLResponse, include_in_schema=False)
    async def report_form(
        request: Request,
        token: str,
        no: int,
        csrf: Annotated[str, Form()] = "",
        summary: Annotated[str, Form()] = "",
        participants: Annotated[str, Form()] = "",
        beneficiaries: Annotated[str, Form()] = "",
        evidence: Annotated[str, Form()] = "",
        submitted_by: Annotated[str, Form()] = "",
        request_id: Annotated[str, Form()] = "",
        kept: Annotated[list[str] | None, Form()] = None,
        held: Annotated[list[str] | None, Form()] = None,
        remove: Annotated[list[str] | None, Form()] = None,
        files: Annotated[list[UploadFile] | None, File()] = None,
    ) -> Response:
        link, campaign = portal.unit_link(token, address(request))
        portal.check_csrf(link, csrf)
        removed = set(remove or [])
        keeping = [name for name in dict.fromkeys(kept or []) if name not in removed]
        waiting = [name for name in dict.fromkeys(held or []) if STORED_NAME.match(name)][:MAX_FILES]
        portal.let_go(campaign, no, list(portal.held(campaign, no, [n for n in waiting if n in removed])))
        waiting = [name for name in waiting if name not in removed]
        duties_typed = typed_duties(await request.form())
        typed: dict[str, Any] = {"summary": summary, "participants": participants, "beneficiaries": beneficiaries,
                 "evidence": evidence, "submitted_by": submitted_by, "kept": keeping,
                 "duties": duties_typed}  # fmt: skip
        uploads: list[tuple[bytes, str, str]] | None = None
        try:
            uploads = await checked_files(files or [])
            typed_links = [evidence_link(line) for line in evidence.splitlines() if line.strip()]
            typed_links += [portal.evidence_url(name) for name in keeping]
            message = {
                "unit": link.unit,
                "summary": summary,
                "participants": whole_number(participants, "participants"),
                "beneficiaries": whole_number(beneficiaries, "beneficiaries") if beneficiaries.strip() else None,
                "evidence": typed_links,
                "submitted_by": submitted_by.strip(),
                "request_id": request_id.strip() or None,
                "via": via(link),
            }
            if duties_typed:
                message["duties"] = duty_answers(duties_typed)
            receipt = await portal.send_report(campaign, no, message, uploads, held=waiting, keep_refused=True)
        except (Refused, EvidenceRefused, Rejected) as exc:
            if isinstance(exc, Refused) and exc.code not in ("rejected", "closed"):
                raise
            reason = exc.message if isinstance(exc, Refused) else str(exc)
            status = exc.status if isinstance(exc, Refused) else 422
            typed["held"], typed["files_lost"] = refused_files(campaign, no, waiting, uploads, files or [],
                                                               ended=status == 409)  # fmt: skip
            return await page(request, token, link, campaign, errors={no: reason}, typed={no: typed}, status=status)
        title = "Đã nhận báo cáo (gửi trùng, giữ bản trước)" if receipt.duplicate else "Đã nhận báo cáo"
        sent = {**message, "evidence": [*typed_links, *(portal.evidence_url(n) for n in waiting),
                                        *portal.upload_urls(uploads)]}  # fmt: skip
        return await receipt_page(request, token, campaign, no, title, receipt.message, receipt=receipt, sent=sent)

    def refused_files(campaign: UnitCampaign, no: int, waiting: list[str],
                      uploads: list[tuple[bytes, str, str]] | None, chosen: list[UploadFile],
                      ended: bool) -> tuple[dict[str, str], bool]:  # fmt: skip
        """What a refused report's form shows of its files: those held for the retry (stored name → the
        name the unit gave it), and whether a file the unit chose could not be held (to choose again). An
        ended activity takes no retry: its held files go."""
        if ended:
            portal.let_go(campaign, no, waiting)
            return {}, False
        lost = False
        names = list(waiting)
        if uploads is None:  # a chosen file was itself refused: the others are not held either
            lost = any(f.filename for f in chosen)
        elif uploads:
            try:
                names += portal.hold_uploads(campaign, no, uploads)
            except Refused:  # over the quota: nothing more is held
                lost = True
        kept = portal.held(campaign, no, names)
        return kept, lost or len(kept) < len(set(names))

    @app.get("/u/{token}/evidence/{name}", include_in_schema=False)
    async def evidence_file(request: Request, token: str, name: str) -> Response:
        _, campaign = portal.unit_link(token, address(request))
        if not STORED_NAME.match(name):
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng.")
        with store_.session() as session:  # the unit's own files, of any revision of its reports
            row = unit_file(session, campaign.campaign_id, campaign.unit_code, name)
            shown_name = row.shown_name if row else name
        path = settings.evidence_dir / name
        if row is None or not path.is_file():
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng trong báo cáo của đơn vị.")
        return evidence_response(path, name, shown_name)

    app.include_router(office_router(settings, store_, client, TEMPLATES, gate))

    # --- the JSON API ----------------------------------------------------------------

    def api_link(request: Request, credentials: HTTPAuthorizationCredentials | None) -> tuple[UnitLink, UnitCampaign]:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Refused(401, "unauthorized", "Cần mã liên kết của đơn vị (Authorization: Bearer …).")
        return portal.unit_link(credentials.credentials, address(request))

    errors: dict[int | str, dict[str, Any]] = {
        status: {"model": Problem} for status in (401, 403, 404, 409, 422, 429, 503)
    }

    @app.get("/api/v1/me", responses=errors, summary="Đơn vị và các hoạt động của đơn vị trong chiến dịch")
    async def me(request: Request, credentials: Bearer) -> dict[str, Any]:
        _, campaign = api_link(request, credentials)
        rows = await portal.rows(campaign)
        return {
            "campaign_id": campaign.campaign_id,
            "plan_code": campaign.plan_code,
            "unit": {"code": campaign.unit_code, "name": campaign.unit_name},
            "activities": [
                {
                    "no": r.assigned.no,
                    "title": r.assigned.title,
                    "start": r.assigned.start.isoformat(),
                    "end": r.assigned.end.isoformat(),
                    "place": r.assigned.place,
                    "role": r.assigned.role,
                    "phase": r.status.phase.value if r.status else None,
                    "state": r.unit.model_dump(mode="json") if r.unit else None,
                }
                for r in rows
            ],
        }

    @app.post("/api/v1/activities/{no}/ready", responses=errors, summary="Xác nhận sẵn sàng")
    async def api_ready(request: Request, no: int, body: ReadyIn, credentials: Bearer) -> dict[str, Any]:
        link, campaign = api_link(request, credentials)
        said = await portal.send(
            campaign,
            no,
            CampaignActivityWorkflow.confirm_ready,
            {"unit": link.unit, "note": body.note, "via": via(link)},
        )
        return {"message": said}

    @app.post("/api/v1/activities/{no}/report", responses=errors, summary="Nộp hoặc sửa báo cáo kết quả")
    async def api_report(request: Request, no: int, body: ReportIn, credentials: Bearer) -> dict[str, Any]:
        link, campaign = api_link(request, credentials)
        message = {"unit": link.unit, **body.model_dump(), "via": via(link)}
        receipt = await portal.send_report(campaign, no, message)  # cites only the unit's own files
        return receipt.model_dump(mode="json")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        message = first_problem(exc.errors(), validation_problem) if exc.errors() else "Dữ liệu gửi lên không hợp lệ."
        place = [str(p) for p in (exc.errors()[0].get("loc", ()) if exc.errors() else ()) if p != "body"]
        field = {"field": ".".join(place)} if place else {}  # for programs; the sentence is for people
        return JSONResponse({"code": "invalid", "message": message, **field}, status_code=422)

    async def checked_files(files: list[UploadFile]) -> list[tuple[bytes, str, str]]:
        """Each chosen file as (data, kind, shown name), checked by size and content (nothing stored yet)."""
        chosen = [f for f in files if f.filename]
        if len(chosen) > MAX_FILES:
            raise EvidenceRefused(f"tối đa {MAX_FILES} tệp minh chứng (đã chọn {len(chosen)})")
        checked = []
        for upload in chosen:
            data = await upload.read(MAX_FILE_BYTES + 1)
            name = shown(upload.filename)
            checked.append((data, await asyncio.to_thread(check, data, name), name))
        return checked

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


def via(link: UnitLink) -> str:
    """The audit trail's actor for an answer through a link: the unit and the link's token id."""
    return f"{link.unit} qua liên kết {link.token_id}"


def first_problem(errors: Any, describe: Callable[[Any], str]) -> str:
    from pydantic import ValidationError
    from pydantic_core import InitErrorDetails

    first = errors[0]
    location = [part for part in first.get("loc", ()) if part not in ("body",)]
    detail: InitErrorDetails = {"type": first["type"], "loc": tuple(location), "input": first.get("input")}
    if first.get("ctx"):
        detail["ctx"] = first["ctx"]
    try:
        return describe(ValidationError.from_exception_data("request", [detail]))
    except Exception:
        return f"Dữ liệu không hợp lệ ở {'.'.join(str(p) for p in location)}"
