"""The campaign grid and what it links to: activities × units with a mark per cell, filters, one
activity's report details (every revision, evidence files), one unit across the campaign, exports
and digests. Reading only; the actions are in web.office_actions."""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from access.links import secret_problem
from access.roles import Action, may
from campaign.limits import campaign_id_problem
from campaign.units import UnitKind
from campaign.views import ActivityStatus, UnitView
from exports import report_writer
from store.links import current_link
from store.queries import CampaignNotRecorded, campaign_report
from store.schema import Assignment, Campaign, CampaignActivity, Notification, UnitReport
from web.evidence import STORED_NAME, evidence_response
from web.office_door import Door
from web.portal import Refused, statuses
from workflows.ids import activity_workflow_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
TRANSPOSE_AFTER = 15  # more units than this (and more than the activities): units become the rows


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


def number_shown(status: ActivityStatus | None, no: int) -> str:
    """The activity's number as the plan writes it ("3.1"), from its live status when it answers."""
    return (status.number if status else "") or str(no)


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


@dataclass(frozen=True)
class GridRow:
    activity: CampaignActivity
    status: ActivityStatus | None
    cells: dict[str, Cell]
    reported: int
    assigned: int

    @property
    def number(self) -> str:
        return number_shown(self.status, self.activity.no)

    def unit(self, code: str) -> UnitView | None:
        return next((u for u in self.status.units if u.code == code), None) if self.status else None

    @classmethod
    def of(cls, activity: CampaignActivity, status: ActivityStatus | None, units: dict[str, str]) -> GridRow:
        by_code = {u.code: u for u in status.units} if status else {}
        cells = {code: cell_of(by_code.get(code)) for code in units}
        reported = sum(1 for u in by_code.values() if u.report)
        return cls(activity, status, cells, reported, len(by_code))


@dataclass(frozen=True)
class GridFilter:
    """What the grid shows: only overdue units, one cluster, one unit; and which way round."""

    overdue: bool = False
    cluster: str = ""
    unit: str = ""
    layout: str = ""  # "", "activities" (units as columns) or "units" (units as rows)

    @classmethod
    def of(cls, request: Request) -> GridFilter:
        given = request.query_params

        def code(name: str) -> str:
            value = given.get(name, "")[:80]
            return value if CODE.match(value) else ""

        layout = given.get("layout", "")
        return cls(given.get("overdue") == "1", code("cluster"), code("unit"),
                   layout if layout in ("activities", "units") else "")  # fmt: skip

    @property
    def query(self) -> str:
        chosen = {"overdue": "1" if self.overdue else "", "cluster": self.cluster, "unit": self.unit,
                  "layout": self.layout}  # fmt: skip
        return urlencode({k: v for k, v in chosen.items() if v})


def audit_view(door: Door, campaign_id: str, no: int) -> str:
    """The activity's workflow in the Temporal UI: its history is the audit view."""
    ui = door.settings.temporal_ui_url.rstrip("/")
    namespace = quote(door.settings.temporal_namespace, safe="")
    return f"{ui}/namespaces/{namespace}/workflows/{quote(activity_workflow_id(campaign_id, no), safe='')}"


def recorded_campaign(door: Door, campaign_id: str) -> tuple[Campaign, list[CampaignActivity]]:
    if campaign_id_problem(campaign_id):
        raise Refused(404, "not_found", "Mã chiến dịch không hợp lệ.")
    with door.store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise Refused(404, "not_found", f"Không có chiến dịch {campaign_id}.")
        chosen = select(CampaignActivity).where(CampaignActivity.campaign_id == campaign_id)
        activities = list(session.scalars(chosen.order_by(CampaignActivity.no)))
    return campaign, activities


async def campaign_grid(door: Door, campaign_id: str, chosen: GridFilter = GridFilter()) -> dict[str, Any]:
    campaign, activities = recorded_campaign(door, campaign_id)
    answers = await statuses(await door.client(), campaign_id, [a.no for a in activities])
    everyone: dict[str, str] = {}
    for answer in answers:
        for unit in answer.units if answer else []:
            everyone.setdefault(unit.code, unit.name)
    directory = door.directory()
    units = dict(everyone)
    if chosen.unit:
        units = {c: n for c, n in units.items() if c == chosen.unit}
    if chosen.cluster:
        members = {u.code for u in directory.members_of(chosen.cluster)} | {chosen.cluster}
        units = {c: n for c, n in units.items() if c in members}
    rows = [GridRow.of(activity, answer, units) for activity, answer in zip(activities, answers, strict=True)]
    if chosen.overdue:
        units = {c: n for c, n in units.items() if any(r.cells[c].kind == "overdue" for r in rows)}
        rows = [r for r in rows if any(r.cells[c].kind == "overdue" for c in units)]
    per_unit = {code: sum(1 for r in rows if r.cells[code].kind in ("on_time", "late")) for code in units}
    transposed = chosen.layout == "units" or (
        chosen.layout == "" and len(units) > TRANSPOSE_AFTER and len(units) > len(rows)
    )
    return {
        "campaign": campaign, "rows": rows, "units": units, "per_unit": per_unit, "legend": LEGEND,
        "chosen": chosen, "transposed": transposed, "clusters": directory.of_kind(UnitKind.CLUSTER),
        "everyone": everyone, "audit": {a.no: audit_view(door, campaign_id, a.no) for a in activities},
        "activity_choices": [(a.no, a.title) for a in activities], "choices": door.unit_choices(),
    }  # fmt: skip


def evidence_links(door: Door, campaign_id: str, references: list[str]) -> list[tuple[str, str]]:
    """(shown text, where the office opens it): uploaded files through the office's own route."""
    uploaded = f"{door.settings.portal_url.rstrip('/')}/evidence/"
    links = []
    for reference in references:
        name = reference.removeprefix(uploaded)
        if reference.startswith(uploaded) and STORED_NAME.match(name):
            links.append((f"tệp {name[:12]}….{name.rsplit('.', 1)[1]}", f"/campaigns/{campaign_id}/evidence/{name}"))
        else:
            links.append((reference, reference))
    return links


def grid_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed = door.allowed

    @router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
    async def campaign_page(request: Request, campaign_id: str) -> Response:
        who = allowed(request, Action.VIEW)
        context = await campaign_grid(door, campaign_id, GridFilter.of(request))
        return door.page(request, "campaign.html", {"who": who, "may": lambda a: may(who.person.role, Action(a)),
                                                    **context})  # fmt: skip

    @router.get("/campaigns/{campaign_id}/grid", response_class=HTMLResponse)
    async def grid_fragment(request: Request, campaign_id: str) -> Response:
        allowed(request, Action.VIEW)
        return door.page(request, "grid.html", await campaign_grid(door, campaign_id, GridFilter.of(request)))

    @router.get("/campaigns/{campaign_id}/activities/{no}", response_class=HTMLResponse)
    async def activity_details(request: Request, campaign_id: str, no: int) -> Response:
        who = allowed(request, Action.VIEW)
        campaign, activities = recorded_campaign(door, campaign_id)
        activity = next((a for a in activities if a.no == no), None)
        if activity is None:
            raise Refused(404, "not_found", f"Chiến dịch {campaign_id} không có hoạt động {no}.")
        status = (await statuses(await door.client(), campaign_id, [no]))[0]
        with door.store.session() as session:
            reports = list(
                session.scalars(
                    select(UnitReport)
                    .where(UnitReport.campaign_id == campaign_id, UnitReport.activity_no == no)
                    .order_by(UnitReport.unit_code, UnitReport.revision)
                )
            )
        revisions: dict[str, list[tuple[UnitReport, list[tuple[str, str]]]]] = {}
        for report in reports:
            revisions.setdefault(report.unit_code, []).append(
                (report, evidence_links(door, campaign_id, list(report.evidence)))
            )
        units = [(u, cell_of(u), revisions.get(u.code, [])) for u in (status.units if status else [])]
        context = {"who": who, "may": lambda a: may(who.person.role, Action(a)), "campaign": campaign,
                   "activity": activity, "status": status, "units": units,
                   "units_by_code": {u.code: u.name for u, _, _ in units},
                   "number": number_shown(status, no), "audit": audit_view(door, campaign_id, no),
                   "choices": door.unit_choices()}  # fmt: skip
        return door.page(request, "activity.html", context)

    @router.get("/campaigns/{campaign_id}/evidence/{name}")
    async def evidence_file(request: Request, campaign_id: str, name: str) -> Response:
        allowed(request, Action.VIEW)
        if not STORED_NAME.match(name) or campaign_id_problem(campaign_id):
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng.")
        reference = f"{door.settings.portal_url.rstrip('/')}/evidence/{name}"
        with door.store.session() as session:
            sent = session.scalars(select(UnitReport.evidence).where(UnitReport.campaign_id == campaign_id))
            in_campaign = any(reference in evidence for evidence in sent)
        path = door.settings.evidence_dir / name
        if not in_campaign or not path.is_file():
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng trong các báo cáo của chiến dịch này.")
        return evidence_response(path, name, name)  # sandboxed; PDFs downloaded

    @router.get("/campaigns/{campaign_id}/units/{code}", response_class=HTMLResponse)
    async def unit_page(request: Request, campaign_id: str, code: str) -> Response:
        who = allowed(request, Action.VIEW)
        campaign, activities = recorded_campaign(door, campaign_id)
        with door.store.session() as session:  # the unit's activities only: its page asks no other workflow
            assigned = select(Assignment.activity_no, Assignment.unit_name).where(
                Assignment.campaign_id == campaign_id, Assignment.unit_code == code
            )
            names = dict(session.execute(assigned).tuples().all())
        if not names:
            raise Refused(404, "not_found", f"Đơn vị {code} không có trong chiến dịch này.")
        mine = [a for a in activities if a.no in names]
        answers = await statuses(await door.client(), campaign_id, [a.no for a in mine])
        rows = [GridRow.of(a, answer, {code: names[a.no]}) for a, answer in zip(mine, answers, strict=True)]
        owed = [(r.activity, r.cells[code], r.unit(code)) for r in rows if r.cells[code].kind != "none"]
        link = None
        if may(who.person.role, Action.ASSIGN) and not secret_problem(door.settings.portal_secret):
            with door.store.session() as session:
                link = current_link(session, door.settings, campaign_id, code)
        known = door.directory().by_code.get(code)
        context = {"who": who, "campaign": campaign, "code": code, "name": next(iter(names.values())),
                   "owed": owed, "link": link, "email": known.email if known else None}  # fmt: skip
        return door.page(request, "office_unit.html", context)

    @router.get("/campaigns/{campaign_id}/export.{fmt}")
    async def export(request: Request, campaign_id: str, fmt: str) -> Response:
        allowed(request, Action.VIEW)
        if fmt not in ("xlsx", "csv", "md") or campaign_id_problem(campaign_id):
            raise Refused(404, "not_found", "Không có định dạng này (xlsx, csv, md).")
        write_report = report_writer()  # the report-writing stack loads only for a download

        with door.store.session() as session:
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
        with door.store.session() as session:
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
        return door.page(request, "digests.html", {"who": who, "campaign_id": campaign_id,
                                                   "digests": list(seen.values())})  # fmt: skip

    return router
