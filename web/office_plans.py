"""Start a campaign from the browser: upload a plan and land in the schedule editor (web.office_editor),
which shows the plan as `plan import` reads it, its findings beside their rows, and starts it (office only).
Also what the editor shares with the upload: the start form's policy, where a line of the document is."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from access.roles import Permission
from campaign.clock import VIETNAM
from campaign.documents import document_of
from campaign.formats import PlanReadError
from campaign.importer import import_lines
from campaign.limits import MAX_PLAN_BYTES
from campaign.plan import Plan
from campaign.policy import PolicyError, PolicyFile
from campaign.text import shortened
from service.updates import Refused
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


# How an uploaded document opens in the schedule editor (web.office_editor.open_upload): given by the
# office's router so this module needs nothing from the editor's. PlanReadError when not even its text
# can be read.
OpenUpload = Callable[[Door, bytes, str, Signed], Awaitable[Response]]


def plans_router(door: Door, open_upload: OpenUpload) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    templates, allowed, directory = door.templates, door.allowed, door.directory
    readers = asyncio.Semaphore(READERS)

    def read_plan(data: bytes, name: str) -> Read:
        document = document_of(data, name or "kế hoạch")
        plan = import_lines(document.lines, directory(), document.findings)
        return Read(plan, document.lines, name, document.sources)

    @router.get("/campaigns/new", response_class=HTMLResponse)
    async def new(request: Request) -> Response:
        who = allowed(request, Permission.START)
        return templates.TemplateResponse(request, "plan_upload.html", {"who": who, "error": None})

    @router.post("/campaigns/new", response_class=HTMLResponse)
    async def upload(
        request: Request, csrf: Annotated[str, Form()] = "", plan: Annotated[UploadFile | None, File()] = None,
        format: str = "html",
    ) -> Response:  # fmt: skip
        """The plan read and opened as a draft in the schedule editor (303 to /drafts/{id}), also when the
        reader refuses its schedule but reads its text; `?format=json`: the plan as `plan import --json`
        gives it (422 when refused). The document is read in a worker thread (a scan's OCR or a large PDF
        takes seconds; the server keeps answering meanwhile), at most READERS at a time so their memory
        stays bounded."""
        who = allowed(request, Permission.START, csrf)
        if plan is None or not plan.filename:
            raise Refused(422, "plan", "Chưa chọn tệp kế hoạch (.docx, .doc, .pdf, ảnh chụp hoặc .txt).")
        data = await plan.read(MAX_PLAN_BYTES + 1)
        name = Path(plan.filename).name[:120]
        try:
            async with readers:
                if format == "json":
                    read = await asyncio.to_thread(read_plan, data, name)
                    return JSONResponse(read.plan.contract())
                return await open_upload(door, data, name, who)
        except PlanReadError as exc:
            raise Refused(422, "plan", f"{name}: {exc}") from None

    return router
