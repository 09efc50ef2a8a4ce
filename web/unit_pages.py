"""The unit's pages: what its personal link opens (its activities, the readiness and report forms, the
receipt it keeps) and its own evidence files; thin over web.portal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from access.links import UnitLink
from campaign.message_rules import Receipt
from campaign.messages import (
    Rejected,
    evidence_link,
    whole_number,
)
from service.updates import Refused
from settings import Settings
from store.database import Store
from store.evidence import unit_file
from store.unit_pages import UnitCampaign
from web.evidence import MAX_FILES, STORED_NAME, EvidenceRefused, evidence_response
from web.guard import client_address
from web.portal import Portal
from web.unit_input import checked_files, duty_answers, typed_duties, via
from workflows.activity import CampaignActivityWorkflow


def unit_pages_router(portal: Portal, settings: Settings, store_: Store, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter()

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
        return templates.TemplateResponse(request, "unit.html", context, status_code=extra.get("status", 200))

    @router.get("/u/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def unit_page(request: Request, token: str) -> Response:
        link, campaign = portal.unit_link(token, client_address(request))
        return await page(request, token, link, campaign)

    @router.post("/u/{token}/ready/{no}", response_class=HTMLResponse, include_in_schema=False)
    async def ready_form(
        request: Request, token: str, no: int, csrf: Annotated[str, Form()] = "", note: Annotated[str, Form()] = ""
    ) -> Response:
        link, campaign = portal.unit_link(token, client_address(request))
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
        return templates.TemplateResponse(request, "receipt.html", context)

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

    @router.post("/u/{token}/report/{no}", response_class=HTMLResponse, include_in_schema=False)
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
        link, campaign = portal.unit_link(token, client_address(request))
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

    @router.get("/u/{token}/evidence/{name}", include_in_schema=False)
    async def evidence_file(request: Request, token: str, name: str) -> Response:
        _, campaign = portal.unit_link(token, client_address(request))
        if not STORED_NAME.match(name):
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng.")
        with store_.session() as session:  # the unit's own files, of any revision of its reports
            row = unit_file(session, campaign.campaign_id, campaign.unit_code, name)
            shown_name = row.shown_name if row else name
        path = settings.evidence_dir / name
        if row is None or not path.is_file():
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng trong báo cáo của đơn vị.")
        return evidence_response(path, name, shown_name)

    return router
