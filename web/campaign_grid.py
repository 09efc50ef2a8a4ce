"""The campaign grid as data: activities × units with a mark per cell (a text mark, a CSS class, the
words), what the store recorded and what the workflows answer now, the filters, and the units beside it.
The pages over it are web.office_grid."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from sqlalchemy import select

from campaign.limits import campaign_id_problem
from campaign.tracker import FINAL_PHASES, Outcome, Phase
from campaign.units import Unit, UnitKind
from campaign.views import ActivityStatus, UnitView
from service.status import statuses
from service.updates import Refused
from store.schema import Assignment, Campaign, CampaignActivity
from web.office_door import Door
from web.office_plans import RECORDED
from workflows.ids import activity_workflow_id

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
