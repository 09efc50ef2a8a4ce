"""The office's actions on a running campaign, each with a reason and checked against the role:
excuse, extend, reschedule, assign, cancel (office only, confirmed), and a unit's personal link
(revoke, send again by e-mail). The answer shown is the workflow's own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from access.links import expiry, secret_problem
from access.roles import Action
from campaign.clock import end_of_day
from campaign.notices import link_resent
from store.links import NoSuchLink, link_version, revoke_links
from store.schema import Campaign
from web.office_door import Door, via
from web.portal import Refused, send_update

log = structlog.get_logger("office")


def action_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed = door.allowed

    async def act(campaign_id: str, no: int, update: str, message: dict[str, Any]) -> str:
        return str(await send_update(await door.client(), campaign_id, no, update, message))

    @router.post("/campaigns/{campaign_id}/activities/{no}/excuse", response_class=HTMLResponse)
    async def excuse(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     unit: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Action.EXCUSE, csrf)
        said = await act(campaign_id, no, "excuse_unit", {"unit": unit, "reason": reason, "via": via(who)})
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/extend", response_class=HTMLResponse)
    async def extend(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     unit: Annotated[str, Form()] = "", due: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Action.EXTEND, csrf)
        message = {"unit": unit.strip() or None, "new_due": due, "reason": reason, "via": via(who)}
        said = await act(campaign_id, no, "extend_deadline", message)
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/reschedule", response_class=HTMLResponse)
    async def reschedule(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                         start: Annotated[str, Form()] = "", end: Annotated[str, Form()] = "",
                         reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Action.RESCHEDULE, csrf)
        message = {"new_start": start, "new_end": end or start, "reason": reason, "via": via(who)}
        said = await act(campaign_id, no, "reschedule", message)
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/assign", response_class=HTMLResponse)
    async def assign(request: Request, campaign_id: str, no: int) -> Response:
        form = await request.form()
        who = allowed(request, Action.ASSIGN, str(form.get("csrf", "")))
        known = door.directory().by_code
        codes = [str(c) for c in form.getlist("unit") if str(c)][:200]
        if not codes:
            raise Refused(422, "rejected", "Chưa chọn đơn vị nào để phân công.")
        if unknown := [c for c in codes if c not in known]:
            raise Refused(422, "rejected", f"Không có đơn vị mã {', '.join(unknown[:5])} trong danh bạ.")
        message = {"units": [known[c].model_dump() for c in codes], "role": str(form.get("role", "lead")),
                   "reason": str(form.get("reason", "")) or None, "via": via(who)}  # fmt: skip
        said = await act(campaign_id, no, "assign_units", message)
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/cancel", response_class=HTMLResponse)
    async def cancel(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "",
                     confirm: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Action.CANCEL, csrf)
        if confirm != "yes":
            raise Refused(422, "confirm", "Cần đánh dấu xác nhận hủy hoạt động.")
        said = await act(campaign_id, no, "cancel", {"reason": reason, "via": via(who)})
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/units/{code}/revoke", response_class=HTMLResponse)
    async def revoke(request: Request, campaign_id: str, code: str, csrf: Annotated[str, Form()] = "") -> Response:
        who = allowed(request, Action.ASSIGN, csrf)
        try:
            with door.store.session() as session:
                version = revoke_links(session, campaign_id, code)
        except NoSuchLink as exc:
            raise Refused(404, "not_found", f"Không thu hồi được: {exc}.") from None
        log.info("links revoked", campaign_id=campaign_id, unit=code, version=version, by=via(who))
        said = f"Đã thu hồi liên kết cũ của {code}; liên kết mới (phiên bản {version}) có trong trang đơn vị."
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/units/{code}/resend", response_class=HTMLResponse)
    async def resend(request: Request, campaign_id: str, code: str, csrf: Annotated[str, Form()] = "") -> Response:
        who = allowed(request, Action.ASSIGN, csrf)
        if secret_problem(door.settings.portal_secret):
            raise Refused(503, "unavailable", "Cổng trả lời chưa được cấu hình (PORTAL_SECRET); chưa gửi được.")
        unit = door.directory().by_code.get(code)
        if unit is None or not unit.email:
            raise Refused(422, "rejected", f"Danh bạ không có địa chỉ e-mail của đơn vị {code}.")
        now = datetime.now(UTC)
        with door.store.session() as session:
            campaign = session.get(Campaign, campaign_id)
            if campaign is None:
                raise Refused(404, "not_found", f"Không có chiến dịch {campaign_id}.")
            version = link_version(session, campaign_id, code)
            until = max(end_of_day(campaign.window_end), now)
            title = campaign.title
        email_only = unit.model_copy(update={"channel": "email"})
        notice = link_resent(campaign_id, title, email_only, version, now, until, via(who))
        from activities.notifications import Notifier  # the mail stack loads only when a link is resent

        bound = log.bind(campaign_id=campaign_id, unit=code, key=notice.key, by=via(who))
        try:
            delivery = await asyncio.to_thread(Notifier(door.store, door.settings).deliver, notice, bound)
        except Exception as exc:  # a refused connection or a server that answers later
            bound.warning("link not resent", error=str(exc))  # the server's address and reason: in the log only
            said = f"Chưa gửi được e-mail tới {unit.email}: máy chủ thư không trả lời. Đề nghị thử lại sau."
            raise Refused(503, "unavailable", said) from None
        if not delivery.sent:
            reason = "; ".join(f.error for f in delivery.failed) or "không rõ lý do"
            raise Refused(422, "rejected", f"Không gửi được e-mail tới {unit.email}: {reason}.")
        expires = expiry(until, door.settings.portal_link_days)
        said = f"Đã gửi lại liên kết của {unit.name} tới {unit.email} (dùng được đến {expires:%d/%m/%Y})."
        return door.done(request, who, campaign_id, said)

    return router
