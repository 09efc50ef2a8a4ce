"""The campaign grid's pages and what they link to: the grid (its cells are web.campaign_grid), one
activity's report details (every revision, evidence files), one unit across the campaign, the units'
links, exports and digests. Reading only; the actions are in web.office_actions."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.background import BackgroundTask

from access.links import secret_problem
from access.roles import Permission, may
from campaign.duty import STATUS_WORDS, DutyAnswer, duty_totals
from campaign.limits import campaign_id_problem
from campaign.text import fold
from campaign.tracker import FINAL_PHASES
from exports import report_writer
from service.links import current_link
from service.status import statuses
from service.updates import Refused
from store.evidence import shown_names
from store.queries import CampaignNotRecorded, campaign_report
from store.schema import Assignment, Campaign, Notification, UnitReport
from web.campaign_grid import (
    GridFilter,
    GridRow,
    audit_view,
    campaign_grid,
    campaign_open,
    cell_of,
    number_shown,
    other_units,
    recorded_campaign,
    stored_assignments,
    stored_cell,
)
from web.evidence import STORED_NAME, evidence_reference, evidence_response, stored_file_named
from web.office_door import Door

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
