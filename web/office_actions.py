"""The office's actions on a running campaign, each with a reason and checked against the role:
excuse, extend, reschedule, assign, cancel an activity or the whole campaign (office only, confirmed),
a report a unit sent on paper or by phone recorded on its behalf, and the units' personal links
(revoke, confirmed; send again by e-mail, one unit or every unit). The answer shown is the workflow's own."""

from __future__ import annotations

import calendar
import re
import uuid
from datetime import date
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from access.links import secret_problem
from access.roles import Permission
from campaign.limits import MAX_ASSIGNED_AT_ONCE, MAX_NAME_CHARS, campaign_id_problem
from campaign.messages import Rejected, evidence_link
from campaign.messages import whole_number as read_count
from service.links import current_link, resend_link
from service.updates import Refused, Update, send_to_activity, send_update
from store.links import NoSuchLink, revoke_links
from store.schema import Assignment
from web.office_door import Door, Signed, via
from web.unit_input import duty_answers as read_duty_answers
from web.unit_input import typed_duties
from workflows.activity import CampaignActivityWorkflow
from workflows.campaign import CampaignWorkflow
from workflows.ids import campaign_workflow_id

log = structlog.get_logger("office")


def action_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed = door.allowed

    async def act(campaign_id: str, no: int, update: Update, message: dict[str, Any]) -> str:
        return str(await send_to_activity(await door.client(), campaign_id, no, update, message))

    @router.post("/campaigns/{campaign_id}/activities/{no}/excuse", response_class=HTMLResponse)
    async def excuse(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     unit: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Permission.EXCUSE, csrf)
        said = await act(
            campaign_id, no, CampaignActivityWorkflow.excuse_unit, {"unit": unit, "reason": reason, "via": via(who)}
        )
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/extend", response_class=HTMLResponse)
    async def extend(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     unit: Annotated[str, Form()] = "", due: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Permission.EXTEND, csrf)
        new_due = typed_day(due, "Hạn mới")
        message = {"unit": unit.strip() or None, "new_due": new_due, "reason": reason, "via": via(who)}
        said = await act(campaign_id, no, CampaignActivityWorkflow.extend_deadline, message)
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/reschedule", response_class=HTMLResponse)
    async def reschedule(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                         start: Annotated[str, Form()] = "", end: Annotated[str, Form()] = "",
                         reason: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Permission.RESCHEDULE, csrf)
        first = typed_day(start, "Ngày bắt đầu mới")
        last = typed_day(end, "Ngày kết thúc mới") if end.strip() else first
        message = {"new_start": first, "new_end": last, "reason": reason, "via": via(who)}
        said = await act(campaign_id, no, CampaignActivityWorkflow.reschedule, message)
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/assign", response_class=HTMLResponse)
    async def assign(request: Request, campaign_id: str, no: int) -> Response:
        form = await request.form()
        who = allowed(request, Permission.ASSIGN, str(form.get("csrf", "")))
        known = door.directory().by_code
        codes = [str(c) for c in form.getlist("unit") if str(c)][: 2 * MAX_ASSIGNED_AT_ONCE]
        if not codes:
            raise Refused(422, "rejected", "Chưa chọn đơn vị nào để phân công.")
        if unknown := [c for c in codes if c not in known]:
            raise Refused(422, "rejected", f"Không có đơn vị mã {', '.join(unknown[:5])} trong danh bạ.")
        message = {"units": [known[c].model_dump() for c in codes], "role": str(form.get("role", "lead")),
                   "reason": str(form.get("reason", "")) or None, "via": via(who)}  # fmt: skip
        said = await act(campaign_id, no, CampaignActivityWorkflow.assign_units, message)
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/cancel", response_class=HTMLResponse)
    async def cancel(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                     reason: Annotated[str, Form()] = "",
                     confirm: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Permission.CANCEL, csrf)
        if confirm != "yes":
            raise Refused(422, "confirm", "Cần đánh dấu xác nhận hủy hoạt động.")
        said = await act(campaign_id, no, CampaignActivityWorkflow.cancel, {"reason": reason, "via": via(who)})
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/cancel", response_class=HTMLResponse)
    async def cancel_campaign(request: Request, campaign_id: str, csrf: Annotated[str, Form()] = "",
                              reason: Annotated[str, Form()] = "",
                              confirm: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        """Cancel the whole campaign: every activity not yet over stops (the campaign's own update)."""
        who = allowed(request, Permission.CANCEL, csrf)
        if confirm != "yes":
            raise Refused(422, "confirm", "Cần đánh dấu xác nhận hủy cả chiến dịch.")
        if campaign_id_problem(campaign_id):
            raise Refused(404, "not_found", "Mã chiến dịch không hợp lệ.")
        handle = (await door.client()).get_workflow_handle(campaign_workflow_id(campaign_id))
        closed = f"Chiến dịch {campaign_id} đã kết thúc; không hủy được nữa."
        try:
            message = {"reason": reason, "via": via(who)}
            said = str(await send_update(handle, CampaignWorkflow.cancel, message, closed=closed))
        except Refused as exc:
            if exc.code == "rejected":
                raise Refused(422, "rejected", f"Không hủy được chiến dịch: {exc.message}.") from None
            raise
        log.info("campaign cancelled", campaign_id=campaign_id, by=via(who))
        return door.done(request, who, campaign_id, said)

    @router.post("/campaigns/{campaign_id}/activities/{no}/report", response_class=HTMLResponse)
    async def on_behalf(request: Request, campaign_id: str, no: int, csrf: Annotated[str, Form()] = "",
                        unit: Annotated[str, Form()] = "", channel: Annotated[str, Form()] = "",
                        summary: Annotated[str, Form()] = "", participants: Annotated[str, Form()] = "",
                        beneficiaries: Annotated[str, Form()] = "", evidence: Annotated[str, Form()] = "",
                        submitted_by: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        """A report the unit sent on paper, by phone…, entered by the office: the unit's report, with who
        entered it and how it came in the audit trail (`via`)."""
        who = allowed(request, Permission.ASSIGN, csrf)
        how = RECEIVED.get(channel)
        if how is None:
            raise Refused(422, "rejected", "Chưa chọn cách nhận báo cáo (bản giấy, điện thoại, e-mail…).")
        if not submitted_by.strip():
            raise Refused(422, "rejected", "Cần ghi tên người của đơn vị đã gửi báo cáo.")
        message = {
            "unit": unit, "summary": summary.replace("\r\n", "\n").replace("\r", "\n"),
            "participants": whole_number(participants, "Số người tham gia"),
            "beneficiaries": whole_number(beneficiaries, "Số người được hưởng lợi") if beneficiaries.strip() else None,
            "evidence": [evidence_link(line) for line in evidence.splitlines() if line.strip()],
            "submitted_by": submitted_by.strip(), "request_id": f"office-{uuid.uuid4().hex}",
            "via": f"{via(who)}, nhận {how}"[:MAX_NAME_CHARS],
        }  # fmt: skip
        if (answers := duty_answers(await request.form())) is not None:  # the report on the plan, duty by duty
            message["duties"] = answers
        receipt = await send_to_activity(
            await door.client(), campaign_id, no, CampaignActivityWorkflow.submit_report, message
        )
        return door.done(request, who, campaign_id, f"{receipt.message} (nhập thay đơn vị, nhận {how}).")

    @router.post("/campaigns/{campaign_id}/units/{code}/revoke", response_class=HTMLResponse)
    async def revoke(request: Request, campaign_id: str, code: str, csrf: Annotated[str, Form()] = "",
                     confirm: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        who = allowed(request, Permission.ASSIGN, csrf)
        if confirm != "yes":
            raise Refused(422, "confirm", "Cần đánh dấu xác nhận thu hồi: liên kết cũ sẽ không mở được nữa.")
        try:
            with door.store.session() as session:
                version = revoke_links(session, campaign_id, code)
        except NoSuchLink as exc:
            raise Refused(404, "not_found", f"Không thu hồi được: {exc}.") from None
        with door.store.session() as session:
            link = (
                None
                if secret_problem(door.settings.portal_secret)
                else current_link(session, door.settings, campaign_id, code)
            )
        log.info("links revoked", campaign_id=campaign_id, unit=code, version=version, by=via(who))
        unit = door.units().get(code)
        name = unit.name if unit else code
        said = (f"Đã thu hồi liên kết cũ của {name}: liên kết cũ không mở được nữa. Đơn vị cần liên kết mới "
                "dưới đây; hãy gửi ngay cho đơn vị.")  # fmt: skip
        resend = f"/campaigns/{campaign_id}/units/{code}/resend" if unit and unit.email else None
        return door.done(request, who, campaign_id, said, link=link, resend=resend,
                         email=unit.email if unit else None)  # fmt: skip

    async def send_link(campaign_id: str, code: str, who: Signed) -> str:
        """E-mail the unit its current link; the sentence to show, or Refused saying why not."""
        unit = door.units().get(code)
        return await resend_link(door.store, door.settings, unit, code, campaign_id, via(who), log)

    @router.post("/campaigns/{campaign_id}/units/{code}/resend", response_class=HTMLResponse)
    async def resend(request: Request, campaign_id: str, code: str, csrf: Annotated[str, Form()] = "") -> Response:
        who = allowed(request, Permission.ASSIGN, csrf)
        return door.done(request, who, campaign_id, await send_link(campaign_id, code, who))

    @router.post("/campaigns/{campaign_id}/links/resend", response_class=HTMLResponse)
    async def resend_all(request: Request, campaign_id: str, csrf: Annotated[str, Form()] = "",
                         confirm: Annotated[str, Form()] = "") -> Response:  # fmt: skip
        """Send every unit of the campaign its link again; one line per unit says what happened."""
        who = allowed(request, Permission.ASSIGN, csrf)
        if confirm != "yes":
            raise Refused(422, "confirm", "Cần đánh dấu xác nhận gửi lại liên kết cho mọi đơn vị.")
        names = campaign_units(door, campaign_id)
        outcomes: list[str] = []
        sent = 0
        for code, name in names.items():
            try:
                outcomes.append(await send_link(campaign_id, code, who))
                sent += 1
            except Refused as exc:
                outcomes.append(f"{name}: {exc.message}")
        said = f"Đã gửi lại liên kết cho {sent}/{len(names)} đơn vị."
        return door.done(request, who, campaign_id, said, lines=outcomes)

    return router


RECEIVED = {"paper": "bản giấy", "phone": "qua điện thoại", "email": "qua e-mail", "in_person": "trực tiếp"}
DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def typed_day(text: str, field: str) -> str:
    """A day as the office types it (dd/mm/yyyy; the ISO form a script sends is taken too), as ISO.
    Refused (422) names the field and what went wrong: left empty, a day the calendar lacks (31/4), or
    not a day at all."""
    if not text.strip():
        raise Refused(422, "rejected", f"{field}: chưa nhập ngày; viết ngày/tháng/năm (dd/mm/yyyy).")
    if found := DAY.match(text):
        day, month, year = (int(part) for part in found.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            said = f"{field}: ngày {day:02d}/{month:02d}/{year} không có thật ({_why_not(month, year)})."
            raise Refused(422, "rejected", said) from None
    else:
        try:
            return date.fromisoformat(text.strip()).isoformat()
        except ValueError:
            pass
    raise Refused(422, "rejected", f"{field}: “{text.strip()[:20]}” không phải ngày; viết ngày/tháng/năm (dd/mm/yyyy).")


def _why_not(month: int, year: int) -> str:
    if not 1 <= month <= 12:
        return "tháng chỉ từ 1 đến 12"
    return f"tháng {month}/{year} chỉ có {calendar.monthrange(year, month)[1]} ngày"


def whole_number(typed: str, field: str) -> int:
    """A count the office typed, read as a unit's is (campaign.messages.whole_number: "1.200" is 1200);
    Refused naming the field otherwise."""
    try:
        return read_count(typed, field)
    except Rejected as exc:
        raise Refused(422, "rejected", str(exc)) from None


def duty_answers(form: Any) -> list[dict[str, Any]] | None:
    """The answers per duty the office typed from the unit's report on the plan, read as the unit's own
    form is (web.unit_input); None when the form has no duties."""
    typed = typed_duties(form)
    if not typed:
        return None
    try:
        return read_duty_answers(typed)
    except Rejected as exc:
        raise Refused(422, "rejected", str(exc)) from None


def campaign_units(door: Door, campaign_id: str) -> dict[str, str]:
    """Every unit of the campaign (code → name), in the order they were assigned."""
    with door.store.session() as session:
        chosen = select(Assignment.unit_code, Assignment.unit_name).where(Assignment.campaign_id == campaign_id)
        rows = session.execute(chosen.order_by(Assignment.id)).all()
    found: dict[str, str] = {}
    for code, name in rows:
        found.setdefault(code, name)
    return found
