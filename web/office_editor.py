"""The office's schedule editor in the browser (office only): a plan read from an upload, a document the
reader refused (its text beside the editor) or a plan written from nothing, edited as a schedule and
started as the upload's start does.

Every form the editor sends is one step of campaign.editing (the changes, then the button's action: add
a row, remove or split one, undo, save the draft, start); the draft is written to the store after each
(store.drafts), so nothing typed is lost, and the page is shown again with the findings the importer's
lint finds now. Starting records the plan as read, the changes and the plan as started with the campaign.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import update
from starlette.datastructures import FormData

from access.roles import Permission
from campaign import duty_editing, edit_forms, editing
from campaign.documents import document_of
from campaign.draft import KIND_WORDS, UNSCHEDULED_WORDS, Draft, EditError, field_words
from campaign.duty_editing import ReportForm, TaskForm
from campaign.edit_forms import HeadingForm, RowForm
from campaign.facts import campaign_record
from campaign.formats import PlanReadError
from campaign.headers import columns_read
from campaign.importer import import_lines
from campaign.limits import campaign_id_problem
from campaign.past import Timing, past_plan, shifted
from campaign.plan import UnitRole
from campaign.policy import Policy, PolicyError
from campaign.text import fold, shortened
from service.campaigns import build_campaign_input, campaign_id_for, start_campaign
from service.updates import Refused
from store.drafts import DraftConflict, draft_of, new_draft, record_started, write_draft
from store.schema import Campaign, CampaignActivity, PlanDraft
from store.writes import record_campaign, record_campaign_end
from web.office_door import Door, Signed, via
from web.office_plans import POLICY_DAYS, RECORDED, Read, policy_from_form, read_from, today, where_line

START_FIELDS = ("campaign_id", "timing", *POLICY_DAYS, "max_escalation_level", "working_days")
MAX_QUOTED = 6  # lines quoted under a row (a body item's labelled lines)
TASK_FIELD = re.compile(r"^t\d+-(day|units|when)$")
ROW_TEXT = ("number", "title", "kind", "start", "end", "start_time", "place", "add_lead", "add_support",
            "contacts", "ready_lead", "report_due")  # fmt: skip


def row_forms(form: FormData) -> dict[int, RowForm]:
    """The rows as the form sends them (`row` lists their keys; each field is `r<key>-<name>`)."""
    rows: dict[int, RowForm] = {}
    for value in form.getlist("row"):
        if not str(value).isdigit():
            continue
        key = int(str(value))
        prefix = f"r{key}-"
        typed: dict[str, Any] = {name: str(form.get(prefix + name, "")) for name in ROW_TEXT}
        typed["lead"] = [str(v) for v in form.getlist(prefix + "lead")]
        typed["support"] = [str(v) for v in form.getlist(prefix + "support")]
        typed["unassigned"] = [str(v) for v in form.getlist(prefix + "keep")]
        typed["groups"] = {int(name.rsplit("-", 1)[1]): str(v) for name, v in form.items()
                           if name.startswith(prefix + "group-") and name.rsplit("-", 1)[1].isdigit()}  # fmt: skip
        rows[key] = RowForm(**typed)
    return rows


def heading_form(form: FormData) -> HeadingForm | None:
    if "window_start" not in form:
        return None
    return HeadingForm(code=str(form.get("code", "")), title=str(form.get("plan_title", "")),
                       issued_on=str(form.get("issued_on", "")), window_start=str(form.get("window_start", "")),
                       window_end=str(form.get("window_end", "")))  # fmt: skip


def proposed_id(draft: Draft) -> str:
    """The campaign ID the editor proposes, from the plan's code and first month ("31-kh-dtn-2024-05");
    it follows the code and window while the clerk has not typed an ID of their own."""
    return campaign_id_for(draft.plan.code or "ke-hoach", draft.plan.window.start)


def report_form(form: FormData) -> ReportForm | None:
    """The report on the plan as the form sends it (`pr-shown` marks that the page showed it)."""
    if "pr-shown" not in form:
        return None
    duties = {int(name[8:]): str(value) for name, value in form.items()
              if name.startswith("pr-duty-") and name[8:].isdigit() and len(name) < 12}  # fmt: skip
    return ReportForm(enabled="pr-enabled" in form, due=str(form.get("pr-due", "")), duties=duties)


def task_form(form: FormData, key: int) -> TaskForm:
    return TaskForm(whole_month=form.get(f"t{key}-when") == "month", day=str(form.get(f"t{key}-day", "")),
                    units=str(form.get(f"t{key}-units", "")))  # fmt: skip


def lines_quoted(numbers: list[int], read: Read) -> list[tuple[int, str]]:
    """The text of the lines a row was read from, as (line number, its cells joined by " | "), shown under
    the row so the clerk compares what was typed with what the plan says; none for a Word file or a PDF,
    whose row is already quoted where it was read (read_from)."""
    if not (read.name.lower().endswith(".txt") or not read.sources):
        return []
    quoted = []
    for line in numbers[:MAX_QUOTED]:
        if 0 < line <= len(read.lines):
            cells = [c.strip() for c in read.lines[line - 1].split("\t") if c.strip()]
            quoted.append((line, shortened(" | ".join(cells), 200)))
    return quoted


def opened(door: Door, draft: Draft, who: Signed) -> Response:
    """A new draft in the store, and the way to its editor."""
    with door.store.session() as session:
        draft_id = new_draft(session, draft, via(who), datetime.now(UTC))
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


def read_draft(door: Door, data: bytes, name: str) -> Draft:
    """An uploaded document as a draft; one whose text is read but whose plan the reader refuses opens
    with its text beside an empty schedule (PlanReadError when not even its text can be read)."""
    document = document_of(data, name or "kế hoạch")
    try:
        plan = import_lines(document.lines, door.directory(), document.findings)
    except PlanReadError as exc:
        return editing.blank_draft(today().date(), document.lines, name, f"{name}: {exc}")
    return editing.draft_from_read(plan, document.lines, name, document.sources)


async def open_upload(door: Door, data: bytes, name: str, who: Signed) -> Response:
    """An uploaded document read (in a worker thread) and opened in the editor: its plan as the reader read
    it, or, when the reader refuses its schedule, its text beside an empty schedule (PlanReadError when
    not even its text can be read)."""
    draft = await asyncio.to_thread(read_draft, door, data, name)
    return opened(door, draft, who)


def editor_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    store, allowed, settings = door.store, door.allowed, door.settings

    @router.post("/drafts", response_class=HTMLResponse)
    async def create(request: Request) -> Response:
        """A new draft written from nothing (an uploaded plan opens as a draft from /campaigns/new)."""
        form = await request.form()
        who = allowed(request, Permission.START, str(form.get("csrf", "")))
        return opened(door, editing.blank_draft(today().date()), who)

    def row_of_id(session: Any, draft_id: str) -> PlanDraft:
        row = session.get(PlanDraft, draft_id) if len(draft_id) == 32 else None
        if row is None:
            raise Refused(404, "not_found", "Không tìm thấy bản nháp này.")
        return row

    def page(request: Request, who: Signed, draft_id: str, row: PlanDraft, draft: Draft,
             error: str | None = None, typed: Mapping[str, str] | None = None, status: int = 200,
             sent: FormData | None = None) -> Response:  # fmt: skip
        """The editor; `sent`: a refused form, whose values are shown again as typed."""
        found = editing.findings(draft)
        blocking = editing.blocking(found)
        read = Read(draft.plan, draft.lines, draft.name, draft.sources)
        beside: dict[int, list[tuple[str, Any]]] = {}
        general: list[tuple[str, Any]] = []
        for finding in found:
            key = editing.row_of(finding, draft)
            entry = (where_line(finding.line, read) if finding.line else "", finding)
            (beside.setdefault(key, []) if key is not None else general).append(entry)
        rows: list[dict[str, Any]] = [
                {"key": key, "activity": a, "fields": edit_forms.fields_of(a, draft.policy.get(key, {})),
                 "read_from": read_from(a.source_lines or ([a.line] if a.line else []), read),
                 "quoted": lines_quoted(a.source_lines or ([a.line] if a.line else []), read),
                 "findings": beside.get(key, []),
                 "parties": list(enumerate(a.responsible))}
                for key, a in zip(draft.keys, draft.plan.activities, strict=True)]  # fmt: skip
        heading = edit_forms.heading_of(draft.plan)
        report = draft.plan.plan_report
        duty_texts = {d.no: d.text for d in report.duties} if report else {}
        report_due = f"{report.due:%d/%m/%Y}" if report and report.due else ""
        report_on = bool(report and report.enabled)
        read_report = draft.read.plan_report if draft.read else None
        task_typed: dict[str, str] = {}
        if sent is not None:
            if "pr-shown" in sent:
                duty_texts |= {no: str(sent[f"pr-duty-{no}"]) for no in duty_texts if f"pr-duty-{no}" in sent}
                report_due, report_on = str(sent.get("pr-due", "")), "pr-enabled" in sent
            task_typed = {
                name: str(value) for name, value in sent.items() if re.match(r"^t\d+-(day|units|when)$", name)
            }
            for r in rows:
                r["fields"] |= {name: str(sent[f"r{r['key']}-{name}"]) for name in ROW_TEXT
                                if f"r{r['key']}-{name}" in sent and name in r["fields"]}  # fmt: skip
            heading |= {name: str(sent[name]) for name in heading if name in sent}
        units = door.unit_choices()
        clusters = [u for u in units if door.directory().members_of(u.code)]
        past = past_plan(draft.plan, today().date()) if draft.plan.activities else None
        start_form = {**draft.start_form, **(typed or {})}
        context = {
            "who": who, "draft_id": draft_id, "row": row, "draft": draft, "rows": rows, "general": general,
            "field_words": field_words, "blocking": blocking, "heading": heading, "kinds": KIND_WORDS,
            "units": [(u, fold(f"{u.code} {u.name} {' '.join(u.aliases)}")) for u in units], "clusters": clusters,
            "past": past, "moved": shifted(draft.plan, past.shift) if past else None, "policy": Policy(),
            "typed": start_form, "error": error, "lead": UnitRole.LEAD, "support": UnitRole.SUPPORT,
            "campaign_id": start_form.get("campaign_id") or proposed_id(draft), "proposed_id": proposed_id(draft),
            "report": report, "duty_texts": duty_texts, "report_due": report_due, "report_on": report_on,
            "read_report": read_report, "task_typed": task_typed, "task_words": UNSCHEDULED_WORDS,
            "task_rows": {k: (r, draft.row(r).number) for k, r in draft.task_rows.items() if r in draft.keys},
            "changes": draft.changes[-20:][::-1], "text": list(enumerate(draft.lines, start=1)),
            "columns": columns_read(draft.plan.columns),
        }  # fmt: skip
        return door.page(request, "draft_editor.html", context, status)

    @router.get("/drafts/{draft_id}", response_class=HTMLResponse)
    async def show(request: Request, draft_id: str) -> Response:
        who = allowed(request, Permission.START)
        with store.session() as session:
            row = row_of_id(session, draft_id)
            draft = draft_of(row)
            session.expunge(row)
        return page(request, who, draft_id, row, draft)

    @router.post("/drafts/{draft_id}", response_class=HTMLResponse)
    async def change(request: Request, draft_id: str) -> Response:
        form = await request.form()
        who = allowed(request, Permission.START, str(form.get("csrf", "")))
        action = str(form.get("action", "apply"))
        version = int(v) if (v := str(form.get("version", ""))).isdigit() else -1
        now = datetime.now(UTC)
        actor = via(who)
        typed = {name: str(form.get(name, "")) for name in START_FIELDS if name in form}
        if typed.get("campaign_id", "").strip() in ("", str(form.get("proposed_id", "")).strip()):
            typed.pop("campaign_id", None)  # the proposal, not typed by the clerk: proposed again from the plan
        with store.session() as session:
            row = row_of_id(session, draft_id)
            before = draft_of(row)
            session.expunge(row)
        if row.status == "started":
            if action == "start":  # started again (a second click, another clerk): the start says it runs
                return await start(request, who, draft_id, row, before)
            message = f"Bản nháp đã khởi động thành chiến dịch {row.campaign_id}; không sửa được nữa."
            return page(request, who, draft_id, row, before, error=message, status=409)
        try:
            if action == "undo":
                draft = editing.undo(before)
            else:
                draft = editing.apply_form(before, heading_form(form), row_forms(form), door.directory(), actor, now,
                                           report_form(form))  # fmt: skip
                draft = act(draft, action, actor, now, form)
            start_form = {**draft.start_form, **typed}
            if "campaign_id" not in typed:
                start_form.pop("campaign_id", None)
            draft = draft.model_copy(update={"start_form": start_form})
            with store.session() as session:
                current = row_of_id(session, draft_id)
                write_draft(session, current, draft, version, actor, now, saved=action == "save")
                session.flush()
                session.expunge(current)
            row = current
        except (EditError, DraftConflict) as exc:
            status = 409 if isinstance(exc, DraftConflict) else 422
            return page(request, who, draft_id, row, before, error=str(exc), typed=typed, status=status, sent=form)
        if action == "start":
            return await start(request, who, draft_id, row, draft)
        anchor = f"#r{action.split('-', 1)[1]}" if action.startswith(("remove-", "split-")) else ""
        if action == "add" or action.startswith("schedule-"):
            anchor = f"#r{draft.keys[-1]}"
        elif action.startswith(("remove-duty-", "leave-", "restore-")):
            anchor = "#plan-report" if action.startswith("remove-duty-") else "#unscheduled"
        notice = "?saved=1" if action == "save" else ""
        return RedirectResponse(f"/drafts/{draft_id}{notice}{anchor}", status_code=303)

    def act(draft: Draft, action: str, who: str, at: datetime, form: FormData) -> Draft:
        verb, _, target = action.rpartition("-")
        if target.isdigit() and len(target) < 6:
            key = int(target)
            if verb == "remove-duty":
                return duty_editing.remove_duty(draft, key, who, at)
            if verb == "schedule":
                return duty_editing.schedule_task(draft, key, task_form(form, key), door.directory(), who, at)
            if verb == "leave":
                return duty_editing.leave_out_task(draft, key, who, at)
            if verb == "restore":
                return duty_editing.restore_task(draft, key, who, at)
        if action == "add":
            return editing.add_row(draft, who, at)
        if action.startswith("remove-") and action[7:].isdigit():
            return editing.remove_row(draft, int(action[7:]), who, at)
        if action.startswith("split-") and action[6:].isdigit():
            return editing.split_row(draft, int(action[6:]), who, at)
        if action in ("apply", "save", "start"):
            return draft
        raise EditError(f"không hiểu thao tác “{action[:20]}”")

    async def start(request: Request, who: Signed, draft_id: str, row: PlanDraft, draft: Draft) -> Response:
        """The draft started as the upload's start does: idempotent, the past plan's choice, the policy."""
        typed = draft.start_form

        def refused(message: str, status: int = 422) -> Response:
            return page(request, who, draft_id, row, draft, error=message, status=status)

        draft = editing.without_empty_rows(draft)
        if not draft.plan.activities:
            return refused("Kế hoạch chưa có hoạt động nào; hãy thêm hoạt động trước khi khởi động.")
        plan = editing.started_plan(draft)
        if blocking := editing.blocking(plan.findings):
            return refused(f"kế hoạch có chỗ không chạy được ({blocking[0].message}); hãy sửa trước khi khởi động")
        campaign_id = typed.get("campaign_id", "").strip() or proposed_id(draft)
        if problem := campaign_id_problem(campaign_id):
            return refused(problem)
        past = past_plan(plan, today().date())
        timing = Timing.AS_WRITTEN
        if past is not None:
            choice = typed.get("timing", "")
            if choice not in (Timing.SHIFTED, Timing.RECORDED):
                return refused("Kế hoạch đã qua ngày: hãy chọn “Khởi động với lịch dời đến hôm nay” "
                               "hoặc “Ghi nhận là đã thực hiện”.")  # fmt: skip
            timing = Timing(choice)
        now = datetime.now(UTC)
        if timing is Timing.RECORDED:
            from workflows.ids import campaign_workflow_id

            record = campaign_record(campaign_id, campaign_workflow_id(campaign_id), plan, door.directory(), now)
            with store.session() as session:
                if session.get(Campaign, campaign_id) is not None:
                    return refused(f"Đã có chiến dịch mã {campaign_id}; hãy đặt mã khác.")
                record_campaign(session, record)
                record_campaign_end(session, campaign_id, RECORDED, now)
                closed = update(CampaignActivity).where(CampaignActivity.campaign_id == campaign_id)
                session.execute(closed.values(phase="CLOSED", phase_at=now))
                record_started(session, campaign_id, draft_id, draft, plan, via(who), now)
            return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)
        try:
            policy = policy_from_form({**typed, **editing.policy_fields(draft)}, [a.no for a in plan.activities])
        except PolicyError as exc:
            return refused(str(exc))
        running = shifted(plan, past.shift) if past and timing is Timing.SHIFTED else plan
        campaign = build_campaign_input(running, door.directory(), policy, campaign_id, 1.0, False)
        try:
            started = await start_campaign(await door.client(), campaign, settings.temporal_task_queue)
        except Refused as exc:
            return refused(exc.message)
        if not started:
            return door.done(request, who, campaign_id, f"Chiến dịch {campaign_id} đang chạy; không khởi động lại.",
                             status=409)  # fmt: skip
        with store.session() as session:
            record_started(session, campaign_id, draft_id, draft, running, via(who), now)
        await door.poll_until_recorded(campaign_id)
        return RedirectResponse(f"/campaigns/{campaign_id}", status_code=303)

    return router
