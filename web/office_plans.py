"""Start a campaign from the browser: upload a plan, see it as `plan import` shows it, fix the units
the directory could not place, assign described groups, and start (office only)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from access.roles import Action
from campaign.documents import PlanReadError, document_of
from campaign.headers import columns_read
from campaign.importer import import_lines
from campaign.limits import MAX_PLAN_BYTES, campaign_id_problem
from campaign.plan import Plan, ResponsibleParty
from campaign.policy import Policy, PolicyError, PolicyFile
from web.office_door import Door
from web.portal import Refused

MAX_POLICY_DAYS = 120
# The policy the start form shows: (form field, Vietnamese label); every one a number of days.
POLICY_DAYS = {
    "ready_lead": "Xác nhận sẵn sàng trước sự kiện (ngày)",
    "report_due": "Hạn báo cáo sau sự kiện (ngày)",
    "escalate_after": "Báo cáo Ban Thường vụ sau khi quá hạn (ngày)",
}
PER_ACTIVITY = ("ready_lead", "report_due")
READERS = 2  # plan documents read at once (each bounded in size, pages, pixels and time)


def days_of(text: str, label: str) -> timedelta:
    try:
        days = float(text.replace(",", "."))
    except ValueError:
        raise PolicyError(f"{label}: “{text[:20]}” không phải số ngày") from None
    if not 0 <= days <= MAX_POLICY_DAYS:
        raise PolicyError(f"{label}: phải từ 0 đến {MAX_POLICY_DAYS} ngày")
    return timedelta(days=days)


def policy_from_form(form: Mapping[str, str], activity_nos: list[int]) -> PolicyFile:
    """The policy chosen in the start form: plan-wide days, and per-activity days where a field is filled."""
    chosen: dict[str, Any] = {}
    for name, label in POLICY_DAYS.items():
        if text := form.get(name, "").strip():
            chosen[name] = days_of(text, label)
    if text := form.get("max_escalation_level", "").strip():
        if not text.isdigit() or int(text) > 10:
            raise PolicyError("Số lần báo cáo Ban Thường vụ tối đa: phải là số nguyên từ 0 đến 10")
        chosen["max_escalation_level"] = int(text)
    chosen["working_days"] = form.get("working_days") == "yes"
    overrides: dict[int, dict[str, object]] = {}
    for no in activity_nos:
        for name in PER_ACTIVITY:
            if text := form.get(f"{name}-{no}", "").strip():
                overrides.setdefault(no, {})[name] = days_of(text, f"Hoạt động {no}: {POLICY_DAYS[name]}")
    return PolicyFile.model_validate({**chosen, "activities": overrides})


def plans_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    settings, store, templates, allowed = door.settings, door.store, door.templates, door.allowed
    uploads = settings.evidence_dir.parent / "plans"
    directory = door.directory
    readers = asyncio.Semaphore(READERS)

    def stored(upload: str) -> tuple[bytes, str]:
        if len(upload) != 64 or not all(c in "0123456789abcdef" for c in upload):
            raise Refused(404, "not_found", "Không tìm thấy kế hoạch đã tải lên; đề nghị tải lại.")
        path = uploads / f"{upload}.plan"
        if not path.is_file():
            raise Refused(404, "not_found", "Không tìm thấy kế hoạch đã tải lên; đề nghị tải lại.")
        name = (uploads / f"{upload}.name").read_text(encoding="utf-8") if (uploads / f"{upload}.name").exists() else ""
        return path.read_bytes(), name

    def read_plan(data: bytes, name: str) -> Plan:
        document = document_of(data, name or "kế hoạch")
        return import_lines(document.lines, directory(), document.findings)

    async def imported(data: bytes, name: str) -> Plan:
        """The plan read in a worker thread (a scan's OCR or a large PDF takes seconds; the server keeps
        answering meanwhile), at most READERS at a time so their memory stays bounded."""
        try:
            async with readers:
                return await asyncio.to_thread(read_plan, data, name)
        except PlanReadError as exc:
            raise Refused(422, "plan", f"{name}: {exc}") from None

    @router.get("/campaigns/new", response_class=HTMLResponse)
    async def new(request: Request) -> Response:
        who = allowed(request, Action.START)
        return templates.TemplateResponse(request, "plan_upload.html", {"who": who, "error": None})

    @router.post("/campaigns/new", response_class=HTMLResponse)
    async def upload(
        request: Request, csrf: Annotated[str, Form()] = "", plan: Annotated[UploadFile | None, File()] = None,
        format: str = "html",
    ) -> Response:  # fmt: skip
        who = allowed(request, Action.START, csrf)
        if plan is None or not plan.filename:
            raise Refused(422, "plan", "Chưa chọn tệp kế hoạch (.docx, .doc, .pdf, ảnh chụp hoặc .txt).")
        data = await plan.read(MAX_PLAN_BYTES + 1)
        name = Path(plan.filename).name[:120]
        read = await imported(data, name)
        digest = hashlib.sha256(data).hexdigest()
        uploads.mkdir(parents=True, exist_ok=True)
        (uploads / f"{digest}.plan").write_bytes(data)
        (uploads / f"{digest}.name").write_text(name, encoding="utf-8")
        if format == "json":
            return JSONResponse(read.contract())
        return preview(request, who, read, digest, name)

    def preview(request: Request, who: Any, plan: Plan, digest: str, name: str, error: str | None = None,
                typed: Mapping[str, str] | None = None) -> Response:  # fmt: skip
        from cli.campaign_commands import campaign_id_for

        units = door.unit_choices()
        rows = [
            {
                "activity": a,
                "when": a.schedule_text,
                "parties": list(enumerate(a.responsible)),
            }
            for a in plan.activities
        ]
        context = {
            "who": who, "plan": plan, "rows": rows, "upload": digest, "name": name, "units": units,
            "campaign_id": campaign_id_for(plan.code, plan.window.start), "policy": Policy(), "error": error,
            "typed": typed or {}, "columns": columns_read(plan.columns),
        }  # fmt: skip
        return templates.TemplateResponse(request, "plan_preview.html", context, status_code=422 if error else 200)

    @router.post("/campaigns/start", response_class=HTMLResponse)
    async def start(request: Request) -> Response:
        form = await request.form()
        who = allowed(request, Action.START, str(form.get("csrf", "")))
        data, name = stored(str(form.get("upload", "")))
        plan = await imported(data, name)
        known = directory()
        for activity in plan.activities:
            chosen: list[ResponsibleParty] = []
            for index, party in enumerate(activity.responsible):
                if party.unit_code:
                    chosen.append(party)
                    continue
                picks = [str(v) for v in form.getlist(f"party-{activity.no}-{index}") if str(v)]
                for code in picks:
                    if code not in known.by_code:
                        raise Refused(422, "plan", f"Không có đơn vị mã {code} trong danh bạ.")
                    unit = known.get(code)
                    chosen.append(ResponsibleParty(name=unit.name, role=party.role, unit_code=code))
                if not picks:
                    chosen.append(party)  # left for the office to assign later
            activity.responsible = chosen
        campaign_id = str(form.get("campaign_id", "")).strip()
        if problem := campaign_id_problem(campaign_id):
            return preview(request, who, plan, str(form.get("upload")), name, error=problem)
        if plan.blocking_findings:
            first = plan.blocking_findings[0]
            message = (
                f"kế hoạch có dòng không chạy được (dòng {first.line}: {first.message}); hãy sửa trước khi khởi động"
            )
            return preview(request, who, plan, str(form.get("upload")), name, error=message)
        try:
            speed = float(str(form.get("speed", "1") or "1"))
        except ValueError:
            speed = 1.0
        if not 0.001 <= speed <= 1_000_000:
            return preview(
                request, who, plan, str(form.get("upload")), name, error="tốc độ phải từ 0,001 đến 1.000.000"
            )
        typed = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        try:
            policy = policy_from_form(typed, [a.no for a in plan.activities])
        except PolicyError as exc:
            return preview(request, who, plan, str(form.get("upload")), name, error=str(exc), typed=typed)
        from cli.campaign_commands import build_campaign_input, start_campaign
        from cli.temporal_client import CommandError

        rebase = form.get("rebase") == "yes"
        campaign = build_campaign_input(plan, known, policy, campaign_id, speed, rebase)
        try:
            started = await start_campaign(await door.client(), campaign, settings.temporal_task_queue)
        except CommandError as exc:
            return preview(request, who, plan, str(form.get("upload")), name, error=str(exc), typed=typed)
        if not started:
            message = f"Chiến dịch {campaign_id} đang chạy; không khởi động lại."
            return door.done(request, who, campaign_id, message, status=409)
        await recorded(campaign_id)
        return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)

    async def recorded(campaign_id: str, seconds: float = 10) -> None:
        """Wait a moment for the worker to write the campaign's record, which the grid reads."""
        from store.schema import Campaign

        for _ in range(int(seconds / 0.1)):
            with store.session() as session:
                if session.get(Campaign, campaign_id) is not None:
                    return
            await asyncio.sleep(0.1)

    return router
