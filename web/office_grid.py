"""The campaign grid and what it links to: activities × units with a mark per cell, filters, one
activity's report details (every revision, evidence files), one unit across the campaign, exports
and digests. Reading only; the actions are in web.office_actions."""

from __future__ import annotations

import csv
import io
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
from access.roles import Permission, may
from campaign.duty import STATUS_WORDS, DutyAnswer, duty_totals
from campaign.limits import campaign_id_problem
from campaign.text import fold
from campaign.tracker import FINAL_PHASES, Outcome, Phase
from campaign.units import Unit, UnitKind
from campaign.views import ActivityStatus, UnitView
from exports import report_writer
from service.links import current_link
from service.status import statuses
from service.updates import Refused
from store.evidence import shown_names
from store.queries import CampaignNotRecorded, campaign_report
from store.schema import Assignment, Campaign, CampaignActivity, Notification, UnitReport
from web.evidence import STORED_NAME, evidence_reference, evidence_response, stored_file_named
from web.office_door import Door
from web.office_plans import RECORDED
from workflows.ids import activity_workflow_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
TRANSPOSE_AFTER = 15  # more units than this (and more than the activities): units become the rows


@dataclass(frozen=True)
class Cell:
    mark: str  # a text mark, so the grid reads without colour
    kind: str  # the CSS class: waiting, ready, on_time, late, overdue, excused, none
    words: str


NONE = Cell("·", "none", "không phân công")
WAITING = Cell("…", "waiting", "đang chờ")
READY = Cell("S", "ready", "đã sẵn sàng")
ON_TIME = Cell("✓", "on_time", "báo cáo đúng hạn")
LATE = Cell("T", "late", "báo cáo trễ hạn")
OVERDUE = Cell("!", "overdue", "quá hạn (mức báo cáo BTV)")
EXCUSED = Cell("M", "excused", "được miễn")
MISSING = Cell("✗", "overdue", "không báo cáo (hoạt động đã kết thúc)")
CANCELLED = Cell("–", "closed", "hoạt động đã hủy")
UNTRACKED = Cell("–", "closed", "đã kết thúc, không theo dõi")
STARTING = Cell("…", "waiting", "đang khởi động, chờ hoạt động trả lời")
LEGEND = [NONE, WAITING, READY, ON_TIME, LATE, OVERDUE, EXCUSED, MISSING, CANCELLED]
OUTCOME_CELLS = {Outcome.ON_TIME: ON_TIME, Outcome.LATE: LATE, Outcome.EXCUSED: EXCUSED, Outcome.MISSING: MISSING}
CAMPAIGN_WORDS = {"RUNNING": "đang chạy", "CLOSED": "đã kết thúc", "CANCELLED": "đã hủy",
                  RECORDED: "ghi nhận đã thực hiện (không theo dõi)"}  # fmt: skip


def campaign_words(status: str) -> str:
    """A campaign's status as people read it."""
    return CAMPAIGN_WORDS.get(status, "không rõ")


def number_shown(status: ActivityStatus | None, no: int) -> str:
    """The activity's number as the plan writes it ("3.1"), from its live status when it answers."""
    return (status.number if status else "") or str(no)


def cell_of(unit: UnitView | None, phase: Phase | None = None) -> Cell:
    """A unit's mark in an activity; in a cancelled activity, or a closed one it did not report for, it says so."""
    if unit is None:
        return NONE
    if phase is Phase.CANCELLED:
        return CANCELLED
    if unit.excused:
        return EXCUSED
    if unit.report:
        return ON_TIME if unit.report.on_time else LATE
    if phase in FINAL_PHASES:
        return MISSING
    if unit.overdue:
        return Cell(f"!{unit.escalation_level or ''}", "overdue", f"quá hạn, mức {unit.escalation_level}")
    return READY if unit.ready else WAITING


def stored_cell(outcome: str | None, phase: str, running: bool = False) -> Cell:
    """The mark of a unit whose activity's workflow does not answer (a campaign recorded as done, or one
    closed long ago): its recorded outcome, else that nobody follows it. In a `running` campaign an
    activity the store does not record as ended is starting (its workflow has not answered yet: just
    after "Khởi động chiến dịch"), never cancelled or untracked."""
    if phase == Phase.CANCELLED:
        return CANCELLED
    if running and outcome is None and phase not in FINAL_PHASES:
        return STARTING
    return OUTCOME_CELLS.get(outcome, UNTRACKED) if outcome in Outcome.__members__.values() else UNTRACKED  # type: ignore[call-overload]


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

    @property
    def open(self) -> bool:
        """Whether the activity still takes the office's actions (its workflow answers and is not final)."""
        return self.status is not None and self.status.phase not in FINAL_PHASES

    @classmethod
    def of(cls, activity: CampaignActivity, status: ActivityStatus | None, units: dict[str, str],
           stored: dict[str, str | None] | None = None, running: bool = False) -> GridRow:  # fmt: skip
        """`stored`: the store's assignments of this activity (unit code → outcome), for a silent workflow;
        `running`: whether the campaign runs (a silent workflow of a running campaign is starting)."""
        if status is None:
            kept = stored or {}
            cells = {code: stored_cell(kept[code], activity.phase, running) if code in kept else NONE
                     for code in units}  # fmt: skip
            reported = sum(1 for o in kept.values() if o in (Outcome.ON_TIME, Outcome.LATE))
            return cls(activity, status, cells, reported, len(kept))
        by_code = {u.code: u for u in status.units}
        cells = {code: cell_of(by_code.get(code), status.phase) for code in units}
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


def stored_assignments(door: Door, campaign_id: str) -> dict[int, dict[str, tuple[str, str | None]]]:
    """The store's assignments: activity no → unit code → (unit name, recorded outcome)."""
    chosen = select(Assignment.activity_no, Assignment.unit_code, Assignment.unit_name, Assignment.outcome)
    found: dict[int, dict[str, tuple[str, str | None]]] = {}
    with door.store.session() as session:
        rows = session.execute(chosen.where(Assignment.campaign_id == campaign_id).order_by(Assignment.id))
        for no, code, name, outcome in rows:
            found.setdefault(no, {})[code] = (name, outcome)
    return found


def campaign_open(campaign: Campaign) -> bool:
    return campaign.status == "RUNNING"


async def campaign_grid(door: Door, campaign_id: str, chosen: GridFilter = GridFilter()) -> dict[str, Any]:
    campaign, activities = recorded_campaign(door, campaign_id)
    answers = await statuses(await door.client(), campaign_id, [a.no for a in activities])
    kept = stored_assignments(door, campaign_id)
    everyone: dict[str, str] = {}
    for activity, answer in zip(activities, answers, strict=True):
        if answer is not None:
            for unit in answer.units:
                everyone.setdefault(unit.code, unit.name)
        else:
            for code, (name, _) in kept.get(activity.no, {}).items():
                everyone.setdefault(code, name)
    directory = door.directory()
    units = dict(everyone)
    if chosen.unit:
        units = {c: n for c, n in units.items() if c == chosen.unit}
    if chosen.cluster:
        members = {u.code for u in directory.members_of(chosen.cluster)} | {chosen.cluster}
        units = {c: n for c, n in units.items() if c in members}
    rows = [
        GridRow.of(
            activity, answer, units, {c: o for c, (_, o) in kept.get(activity.no, {}).items()}, campaign_open(campaign)
        )
        for activity, answer in zip(activities, answers, strict=True)
    ]
    all_rows = rows
    if chosen.overdue:
        units = {c: n for c, n in units.items() if any(r.cells[c].kind == "overdue" for r in rows)}
        rows = [r for r in rows if any(r.cells[c].kind == "overdue" for c in units)]
    per_unit = {code: sum(1 for r in rows if r.cells[code].kind in ("on_time", "late")) for code in units}
    transposed = chosen.layout == "units" or (
        chosen.layout == "" and len(units) > TRANSPOSE_AFTER and len(units) > len(rows)
    )
    open_rows = [r for r in all_rows if r.open] if campaign_open(campaign) else []
    return {
        "campaign": campaign, "rows": rows, "units": units, "per_unit": per_unit, "legend": LEGEND,
        "chosen": chosen, "transposed": transposed, "clusters": directory.of_kind(UnitKind.CLUSTER),
        "everyone": everyone, "audit": {a.no: audit_view(door, campaign_id, a.no) for a in activities},
        "activity_choices": [(r.activity.no, f"{r.number}. {r.activity.title}") for r in open_rows],
        "members": members_by_activity(open_rows), "choices": other_units(door, everyone),
        "campaign_words": campaign_words(campaign.status), "campaign_open": campaign_open(campaign),
    }  # fmt: skip


def members_by_activity(rows: list[GridRow]) -> dict[str, list[int]]:
    """Each unit of the open activities → the activities it is in (the forms offer a unit only where it is)."""
    found: dict[str, list[int]] = {}
    for row in rows:
        for unit in row.status.units if row.status else []:
            found.setdefault(unit.code, []).append(row.activity.no)
    return found


def other_units(door: Door, campaign_units: dict[str, str]) -> list[Unit]:
    """The directory's units (and clusters) not yet in the campaign, offered after the campaign's own."""
    return [u for u in door.unit_choices() if u.code not in campaign_units]


@dataclass(frozen=True)
class EvidenceLink:
    shown: str  # the name the unit gave an uploaded file, or the link as sent
    href: str  # where the office opens it: uploaded files through the office's own route
    image: bool = False  # an uploaded image: the page shows a thumbnail


IMAGE_KINDS = ("jpg", "png", "gif", "webp")


def evidence_links(door: Door, campaign_id: str, references: list[str]) -> list[EvidenceLink]:
    """The report's evidence as the office's pages list it: uploaded files by the name the unit gave
    them (store.evidence), with a thumbnail for images; links as sent."""
    stored = {r: name for r in references if (name := stored_file_named(door.settings.portal_url, r))}
    with door.store.session() as session:
        given = shown_names(session, campaign_id, stored.values())
    links = []
    for reference in references:
        name = stored.get(reference)
        if name:
            kind = name.rsplit(".", 1)[1]
            shown = given.get(name) or f"tệp {name[:12]}….{kind}"
            links.append(EvidenceLink(shown, f"/campaigns/{campaign_id}/evidence/{name}", kind in IMAGE_KINDS))
        else:
            links.append(EvidenceLink(reference, reference))
    return links


def grid_router(door: Door) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    allowed = door.allowed

    @router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
    async def campaign_page(request: Request, campaign_id: str) -> Response:
        who = allowed(request, Permission.VIEW)
        context = await campaign_grid(door, campaign_id, GridFilter.of(request))
        return door.page(request, "campaign.html", {"who": who, "may": lambda a: may(who.person.role, Permission(a)),
                                                    **context})  # fmt: skip

    @router.get("/campaigns/{campaign_id}/grid", response_class=HTMLResponse)
    async def grid_fragment(request: Request, campaign_id: str) -> Response:
        allowed(request, Permission.VIEW)
        return door.page(request, "grid.html", await campaign_grid(door, campaign_id, GridFilter.of(request)))

    @router.get("/campaigns/{campaign_id}/activities/{no}", response_class=HTMLResponse)
    async def activity_details(request: Request, campaign_id: str, no: int) -> Response:
        who = allowed(request, Permission.VIEW)
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
        revisions: dict[str, list[tuple[UnitReport, list[EvidenceLink]]]] = {}
        for report in reports:
            revisions.setdefault(report.unit_code, []).append(
                (report, evidence_links(door, campaign_id, list(report.evidence)))
            )
        phase = status.phase if status else None
        units = [(u, cell_of(u, phase), revisions.get(u.code, [])) for u in (status.units if status else [])]
        duties = status.duties if status else []
        latest = [[DutyAnswer.model_validate(d) for d in per[-1][0].duties or []] for per in revisions.values()]
        kept = stored_assignments(door, campaign_id)
        campaign_units = {code: name for per in kept.values() for code, (name, _) in per.items()}
        mine = {u.code for u in status.units} if status else set()
        is_open = campaign_open(campaign) and status is not None and status.phase not in FINAL_PHASES
        context = {"who": who, "may": lambda a: may(who.person.role, Permission(a)), "campaign": campaign,
                   "activity": activity, "status": status, "units": units,
                   "units_by_code": {u.code: u.name for u, _, _ in units},
                   "number": number_shown(status, no), "audit": audit_view(door, campaign_id, no),
                   "campaign_units": {c: n for c, n in campaign_units.items() if c not in mine},
                   "choices": [u for u in other_units(door, campaign_units) if u.code not in mine],
                   "open": is_open, "stored": {c: stored_cell(o, activity.phase, campaign_open(campaign))
                                               for c, (_, o) in kept.get(no, {}).items()},
                   "stored_names": {c: n for c, (n, _) in kept.get(no, {}).items()},
                   "duty_totals": duty_totals(duties, latest) if duties else [],
                   "duty_names": {d.no: d.short for d in duties}, "status_words": STATUS_WORDS,
                   "duties": duties}  # fmt: skip
        return door.page(request, "activity.html", context)

    @router.get("/campaigns/{campaign_id}/evidence/{name}")
    async def evidence_file(request: Request, campaign_id: str, name: str) -> Response:
        allowed(request, Permission.VIEW)
        if not STORED_NAME.match(name) or campaign_id_problem(campaign_id):
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng.")
        reference = evidence_reference(door.settings.portal_url, name)
        with door.store.session() as session:
            sent = session.scalars(select(UnitReport.evidence).where(UnitReport.campaign_id == campaign_id))
            in_campaign = any(reference in evidence for evidence in sent)
        path = door.settings.evidence_dir / name
        if not in_campaign or not path.is_file():
            raise Refused(404, "not_found", "Không tìm thấy tệp minh chứng trong các báo cáo của chiến dịch này.")
        with door.store.session() as session:
            shown_name = shown_names(session, campaign_id, [name]).get(name, name)
        return evidence_response(path, name, shown_name)  # sandboxed; PDFs downloaded, named as the unit did

    @router.get("/campaigns/{campaign_id}/units/{code}", response_class=HTMLResponse)
    async def unit_page(request: Request, campaign_id: str, code: str) -> Response:
        who = allowed(request, Permission.VIEW)
        campaign, activities = recorded_campaign(door, campaign_id)
        with door.store.session() as session:  # the unit's activities only: its page asks no other workflow
            assigned = select(Assignment.activity_no, Assignment.unit_name, Assignment.outcome).where(
                Assignment.campaign_id == campaign_id, Assignment.unit_code == code
            )
            found = session.execute(assigned).all()
        names = {no: name for no, name, _ in found}
        outcomes = {no: outcome for no, _, outcome in found}
        if not names:
            raise Refused(404, "not_found", f"Đơn vị {code} không có trong chiến dịch này.")
        mine = [a for a in activities if a.no in names]
        answers = await statuses(await door.client(), campaign_id, [a.no for a in mine])
        rows = [GridRow.of(a, answer, {code: names[a.no]}, {code: outcomes[a.no]}, campaign_open(campaign))
                for a, answer in zip(mine, answers, strict=True)]  # fmt: skip
        owed = [(r.activity, r.cells[code], r.unit(code)) for r in rows if r.cells[code].kind != "none"]
        evidence = {a.no: evidence_links(door, campaign_id, list(u.report.evidence))
                    for a, _, u in owed if u and u.report}  # fmt: skip
        link = None
        if may(who.person.role, Permission.ASSIGN) and not secret_problem(door.settings.portal_secret):
            with door.store.session() as session:
                link = current_link(session, door.settings, campaign_id, code)
        known = door.units().get(code)
        context = {"who": who, "campaign": campaign, "code": code, "name": next(iter(names.values())),
                   "owed": owed, "evidence": evidence, "link": link,
                   "email": known.email if known else None}  # fmt: skip
        return door.page(request, "office_unit.html", context)

    def unit_links(campaign_id: str) -> tuple[Campaign, list[tuple[str, str, str, str]]]:
        """(name, code, e-mail, link) of every unit of the campaign, links as the office hands them out now."""
        campaign, _ = recorded_campaign(door, campaign_id)
        if secret_problem(door.settings.portal_secret):
            raise Refused(503, "unavailable", "Cổng trả lời chưa được cấu hình (PORTAL_SECRET); chưa có liên kết.")
        known = door.units()
        names = {c: n for per in stored_assignments(door, campaign_id).values() for c, (n, _) in per.items()}
        with door.store.session() as session:
            rows = [
                (name, code, (known[code].email or "") if code in known else "",
                 current_link(session, door.settings, campaign_id, code))
                for code, name in names.items()
            ]  # fmt: skip
        return campaign, sorted(rows, key=lambda row: fold(row[0]))

    @router.get("/campaigns/{campaign_id}/links", response_class=HTMLResponse)
    async def links_page(request: Request, campaign_id: str) -> Response:
        """Every unit's personal link on one page, to print or copy (office only: a link is a credential)."""
        who = allowed(request, Permission.ASSIGN)
        campaign, rows = unit_links(campaign_id)
        return door.page(request, "links.html", {"who": who, "campaign": campaign, "rows": rows,
                                                 "campaign_open": campaign_open(campaign)})  # fmt: skip

    @router.get("/campaigns/{campaign_id}/links.csv")
    async def links_csv(request: Request, campaign_id: str) -> Response:
        allowed(request, Permission.ASSIGN)
        _, rows = unit_links(campaign_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Đơn vị", "Mã đơn vị", "E-mail", "Liên kết cá nhân"])
        writer.writerows(rows)
        headers = {"Content-Disposition": f'attachment; filename="lien-ket-{campaign_id}.csv"',
                   "Cache-Control": "no-store"}  # fmt: skip
        # with a byte-order mark, so that a spreadsheet opens the Vietnamese names as UTF-8
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

    @router.get("/campaigns/{campaign_id}/export.{fmt}")
    async def export(request: Request, campaign_id: str, fmt: str) -> Response:
        allowed(request, Permission.VIEW)
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
        who = allowed(request, Permission.VIEW)
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
