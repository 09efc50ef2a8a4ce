"""Start a campaign from the browser: upload a plan, see it as `plan import` shows it, fix the units
the directory could not place, assign described groups, and start (office only)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import update

from access.roles import Permission
from campaign.clock import VIETNAM
from campaign.documents import document_of
from campaign.facts import campaign_record
from campaign.formats import PlanReadError
from campaign.headers import columns_read
from campaign.importer import import_lines
from campaign.limits import MAX_PLAN_BYTES, campaign_id_problem
from campaign.past import Timing, past_plan, shifted
from campaign.plan import Finding, Plan, ResponsibleParty
from campaign.policy import Policy, PolicyError, PolicyFile
from campaign.text import shortened
from service.campaigns import build_campaign_input, campaign_id_for, start_campaign
from service.updates import Refused
from store.schema import Campaign, CampaignActivity
from store.writes import record_campaign, record_campaign_end
from web.office_door import Door, Signed

MAX_POLICY_DAYS = 120
RECORDED = "RECORDED"  # a campaign kept as already done (a past plan): no workflow ran
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


def where_found(finding: Finding, read: Read) -> str:
    """Where a finding is, as the person sees the document (see where_line); "toàn văn" for the whole plan."""
    return where_line(finding.line, read)


def where_line(line: int | None, read: Read) -> str:
    """A line of the read plan as the person sees the document: a .txt's line number; in a Word file or
    a PDF (whose "lines" are paragraphs and table rows) the table row with its words, or the paragraph's
    own words."""
    if not line or not 0 < line <= len(read.lines):
        return "toàn văn"
    if read.name.lower().endswith(".txt") or not read.sources:
        return f"dòng {line}"
    text, source = read.lines[line - 1], read.sources[line - 1]
    words = " | ".join(c for c in text.split("\t") if c.strip()) if "\t" in text else text.strip()
    return f"{source} (“{shortened(words, 70)}”)"


def read_from(source_lines: list[int], read: Read) -> str:
    """Where an activity was read: "dòng 9, 10, 11" in a .txt; a Word file's table row or paragraph."""
    if not source_lines:
        return ""
    if read.name.lower().endswith(".txt") or not read.sources:
        return "dòng " + ", ".join(str(line) for line in source_lines)
    return where_line(source_lines[0], read)


@dataclass(frozen=True)
class Read:
    """An uploaded plan as the importer reads it, with the lines it read it from (to cite findings)."""

    plan: Plan
    lines: list[str]
    name: str
    sources: list[str] = field(default_factory=list)  # where each line came from, for Word files and PDFs


def today() -> datetime:
    return datetime.now(VIETNAM)


# How a document the reader refused opens in the schedule editor (web.office_editor.open_refused): given
# by the office's router so this module needs nothing from the editor's.
OpenRefused = Callable[[Door, bytes, str, Signed], Awaitable[Response]]


def plans_router(door: Door, open_refused: OpenRefused | None = None) -> APIRouter:
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

    def read_plan(data: bytes, name: str) -> Read:
        document = document_of(data, name or "kế hoạch")
        plan = import_lines(document.lines, directory(), document.findings)
        return Read(plan, document.lines, name, document.sources)

    async def imported(data: bytes, name: str) -> Read:
        """The plan read in a worker thread (a scan's OCR or a large PDF takes seconds; the server keeps
        answering meanwhile), at most READERS at a time so their memory stays bounded."""
        try:
            async with readers:
                return await asyncio.to_thread(read_plan, data, name)
        except PlanReadError as exc:
            raise Refused(422, "plan", f"{name}: {exc}") from None

    @router.get("/campaigns/new", response_class=HTMLResponse)
    async def new(request: Request) -> Response:
        who = allowed(request, Permission.START)
        return templates.TemplateResponse(request, "plan_upload.html", {"who": who, "error": None})

    @router.post("/campaigns/new", response_class=HTMLResponse)
    async def upload(
        request: Request, csrf: Annotated[str, Form()] = "", plan: Annotated[UploadFile | None, File()] = None,
        format: str = "html",
    ) -> Response:  # fmt: skip
        who = allowed(request, Permission.START, csrf)
        if plan is None or not plan.filename:
            raise Refused(422, "plan", "Chưa chọn tệp kế hoạch (.docx, .doc, .pdf, ảnh chụp hoặc .txt).")
        data = await plan.read(MAX_PLAN_BYTES + 1)
        name = Path(plan.filename).name[:120]
        try:
            read = await imported(data, name)
        except Refused:
            if format == "json" or len(data) > MAX_PLAN_BYTES or open_refused is None:
                raise
            try:  # a plan the reader refuses whose text it read: the editor, with the text beside it
                return await open_refused(door, data, name, who)
            except PlanReadError:
                raise  # the first refusal, which says why
        digest = hashlib.sha256(data).hexdigest()
        uploads.mkdir(parents=True, exist_ok=True)
        (uploads / f"{digest}.plan").write_bytes(data)
        (uploads / f"{digest}.name").write_text(name, encoding="utf-8")
        if format == "json":
            return JSONResponse(read.plan.contract())
        return preview(request, who, read, digest)

    def preview(request: Request, who: Any, read: Read, digest: str, error: str | None = None,
                typed: Mapping[str, str] | None = None) -> Response:  # fmt: skip
        plan, name = read.plan, read.name
        units = door.unit_choices()
        past = past_plan(plan, today().date())
        rows = [
            {
                "activity": a,
                "when": a.schedule_text,
                "parties": list(enumerate(a.responsible)),
                "read_from": read_from(a.source_lines, read),
            }
            for a in plan.activities
        ]
        context = {
            "who": who, "plan": plan, "rows": rows, "upload": digest, "name": name, "units": units,
            "campaign_id": (typed or {}).get("campaign_id") or campaign_id_for(plan.code, plan.window.start),
            "policy": Policy(), "error": error,
            "typed": typed or {}, "columns": columns_read(plan.columns), "past": past,
            "moved": shifted(plan, past.shift) if past else None,
            "findings": [(where_found(f, read), f) for f in plan.findings],
        }  # fmt: skip
        return templates.TemplateResponse(request, "plan_preview.html", context, status_code=422 if error else 200)

    @router.post("/campaigns/start", response_class=HTMLResponse)
    async def start(request: Request) -> Response:
        form = await request.form()
        who = allowed(request, Permission.START, str(form.get("csrf", "")))
        data, name = stored(str(form.get("upload", "")))
        read = await imported(data, name)
        plan, upload = read.plan, str(form.get("upload"))
        typed = {k: str(v) for k, v in form.items() if isinstance(v, str)}
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
            return preview(request, who, read, upload, error=problem, typed=typed)
        if plan.blocking_findings:
            first = plan.blocking_findings[0]
            where = where_found(first, read)
            message = f"kế hoạch có chỗ không chạy được ({where}: {first.message}); hãy sửa trước khi khởi động"
            return preview(request, who, read, upload, error=message, typed=typed)
        past = past_plan(plan, today().date())
        timing = Timing.AS_WRITTEN
        if past is not None:
            choice = str(form.get("timing", ""))
            if choice not in (Timing.SHIFTED, Timing.RECORDED):
                message = ("Kế hoạch đã qua ngày: hãy chọn “Khởi động với lịch dời đến hôm nay” "
                           "hoặc “Ghi nhận là đã thực hiện”.")  # fmt: skip
                return preview(request, who, read, upload, error=message, typed=typed)
            timing = Timing(choice)
        if timing is Timing.RECORDED:
            return record_done(request, who, read, upload, campaign_id, typed)
        try:
            policy = policy_from_form(typed, [a.no for a in plan.activities])
        except PolicyError as exc:
            return preview(request, who, read, upload, error=str(exc), typed=typed)
        running = shifted(plan, past.shift) if past and timing is Timing.SHIFTED else plan
        # The office's campaigns run in real time on the plan's (or the shifted) dates: speed and a plan
        # clock set elsewhere are the demo's and the tests' settings, never the clerk's.
        campaign = build_campaign_input(running, known, policy, campaign_id, 1.0, False)
        try:
            started = await start_campaign(await door.client(), campaign, settings.temporal_task_queue)
        except Refused as exc:
            return preview(request, who, read, upload, error=exc.message, typed=typed)
        if not started:
            message = f"Chiến dịch {campaign_id} đang chạy; không khởi động lại."
            return door.done(request, who, campaign_id, message, status=409)
        await door.poll_until_recorded(campaign_id)
        return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)

    def record_done(request: Request, who: Any, read: Read, upload: str, campaign_id: str,
                    typed: Mapping[str, str]) -> Response:  # fmt: skip
        """A past plan kept as a campaign already done: its activities and units in the store, closed;
        no workflow runs and no notice is sent."""
        from workflows.ids import campaign_workflow_id

        now = datetime.now(UTC)
        record = campaign_record(campaign_id, campaign_workflow_id(campaign_id), read.plan, directory(), now)
        with store.session() as session:
            if session.get(Campaign, campaign_id) is not None:
                message = f"Đã có chiến dịch mã {campaign_id}; hãy đặt mã khác."
                return preview(request, who, read, upload, error=message, typed=typed)
            record_campaign(session, record)
            record_campaign_end(session, campaign_id, RECORDED, now)
            closed = update(CampaignActivity).where(CampaignActivity.campaign_id == campaign_id)
            session.execute(closed.values(phase="CLOSED", phase_at=now))
        return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)

    return router
