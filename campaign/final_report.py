"""The campaign's report for people: per activity and per unit, with totals (Markdown here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel

from campaign.clock import format_moment
from campaign.duty import STATUS_WORDS, Duty, DutyAnswer, duty_totals
from campaign.editing import Correction
from campaign.escape import markdown_text
from campaign.tracker import Outcome, phase_words

OUTCOME_WORDS = {
    Outcome.ON_TIME: "Đúng hạn",
    Outcome.LATE: "Trễ hạn",
    Outcome.EXCUSED: "Được miễn",
    Outcome.MISSING: "Không báo cáo",
}


def outcome_words(outcome: Outcome | None) -> str:
    return OUTCOME_WORDS[outcome] if outcome else "Đang chờ"


class UnitLine(BaseModel):
    code: str
    name: str
    role: str
    outcome: Outcome | None  # None while the activity runs
    revision: int | None = None
    participants: int | None = None
    beneficiaries: int | None = None
    submitted_at: datetime | None = None
    summary: str = ""
    escalation_level: int = 0
    duties: list[DutyAnswer] = []  # a report on the plan: the answer per duty


class ActivityLine(BaseModel):
    no: int
    title: str
    start: date
    end: date
    place: str
    phase: str
    escalations: int
    units: list[UnitLine]
    duties: list[Duty] = []  # the units' report on the plan: its duties


class CampaignReport(BaseModel):
    campaign_id: str
    plan_code: str
    title: str
    window_start: date
    window_end: date
    status: str
    recipients: list[str]
    activities: list[ActivityLine]
    generated_at: datetime
    corrections: list[Correction] = []  # fields the office corrected by hand before starting (campaign.editing)


class ActivityTotals(BaseModel):
    no: int
    title: str
    phase: str
    units: int
    on_time: int
    late: int
    excused: int
    missing: int
    pending: int
    participants: int


def totals(activity: ActivityLine) -> ActivityTotals:
    counts = Counter(u.outcome for u in activity.units)
    return ActivityTotals(
        no=activity.no,
        title=activity.title,
        phase=activity.phase,
        units=len(activity.units),
        on_time=counts[Outcome.ON_TIME],
        late=counts[Outcome.LATE],
        excused=counts[Outcome.EXCUSED],
        missing=counts[Outcome.MISSING],
        pending=counts[None],
        participants=sum(u.participants or 0 for u in activity.units),
    )


SUMMARY_HEADINGS = [
    "TT",
    "Hoạt động",
    "Giai đoạn",
    "Đơn vị",
    "Đúng hạn",
    "Trễ hạn",
    "Được miễn",
    "Không báo cáo",
    "Đang chờ",
    "Người tham gia",
]
UNIT_HEADINGS = ["Đơn vị", "Vai trò", "Kết quả", "Lần nộp", "Người tham gia", "Người thụ hưởng", "Mức báo cáo BTV"]
CORRECTION_HEADINGS = ["Hoạt động", "Nội dung sửa", "Kế hoạch ghi", "Đã sửa thành"]
ROLE_WORDS = {"lead": "Phụ trách", "support": "Phối hợp"}


def summary_row(t: ActivityTotals) -> list[object]:
    return [
        t.no,
        t.title,
        phase_words(t.phase),
        t.units,
        t.on_time,
        t.late,
        t.excused,
        t.missing,
        t.pending,
        t.participants,
    ]


def total_row(rows: list[ActivityTotals]) -> list[object]:
    def sum_of(field: str) -> int:
        return sum(getattr(t, field) for t in rows)

    fields = ("units", "on_time", "late", "excused", "missing", "pending", "participants")
    return ["", "Cộng", "", *(sum_of(f) for f in fields)]


def unit_row(u: UnitLine) -> list[object]:
    return [
        u.name,
        ROLE_WORDS.get(u.role, u.role),
        outcome_words(u.outcome),
        u.revision,
        u.participants,
        u.beneficiaries,
        u.escalation_level or None,
    ]


DUTY_HEADINGS = ["TT", "Nhiệm vụ", *STATUS_WORDS.values(), "Người tham gia", "Số lượng"]


def grassroots_section(activity: ActivityLine) -> list[str]:
    """ "Kết quả thực hiện tại cơ sở": per duty, the units that did it (did not, found it not applicable),
    participants and the duty's own count; then the units that sent no report on the plan."""
    answered = [u.duties for u in activity.units if u.revision is not None]
    lines = [
        "## Kết quả thực hiện tại cơ sở",
        "",
        f"Theo báo cáo của {len(answered)}/{len(activity.units)} cơ sở (hoạt động {activity.no}).",
        "",
        _cells(DUTY_HEADINGS),
        _cells([Markup("---")] * len(DUTY_HEADINGS)),
    ]
    for total in duty_totals(activity.duties, answered):
        count = f"{total.count} {total.duty.count_label}" if total.duty.count_label else None
        row = [total.duty.no, total.duty.short, total.done, total.not_done, total.not_applicable]
        lines.append(_cells([*row, total.participants, count]))
    silent = [u.name for u in activity.units if u.revision is None and u.outcome is not Outcome.EXCUSED]
    lines.append("")
    if silent:
        lines += [f"Cơ sở chưa báo cáo ({len(silent)}):", "", *(f"- {markdown_text(name)}" for name in silent), ""]
    return lines


def _cells(row: Sequence[object]) -> str:
    """A Markdown table row; text is literal (no markup, links, HTML or stray "|")."""
    return "| " + " | ".join(_cell(v) for v in row) + " |"


def _cell(value: object) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, Markup) else markdown_text(str(value))


class Markup(str):
    """Markdown the report writes itself (headings' bold, rules), never text from a plan or a unit."""


def render_markdown(report: CampaignReport, chart: str | None = None) -> str:
    rows = [totals(a) for a in report.activities]
    lines = [
        f"# Báo cáo kết quả Kế hoạch {markdown_text(report.plan_code)}",
        "",
        f"**{markdown_text(report.title)}**",
        "",
        f"Thời gian: {report.window_start:%d/%m/%Y} – {report.window_end:%d/%m/%Y}. "
        f"Chiến dịch `{report.campaign_id}` ({report.status}), lập lúc {format_moment(report.generated_at)}.",
        "",
        "## Tổng hợp",
        "",
        _cells(SUMMARY_HEADINGS),
        _cells([Markup("---")] * len(SUMMARY_HEADINGS)),
        *(_cells(summary_row(t)) for t in rows),
        _cells([Markup(f"**{v}**") if v != "" else "" for v in total_row(rows)]),
        "",
    ]
    if chart:
        lines += [f"![Tỷ lệ hoàn thành báo cáo theo hoạt động]({chart})", ""]
        left_out = [t.no for t in rows if not t.units]
        if left_out:
            numbers = ", ".join(str(no) for no in left_out)
            lines += [f"Biểu đồ không gồm hoạt động chưa phân công đơn vị: {numbers}.", ""]
    lines += ["## Chi tiết từng hoạt động", ""]
    for activity in report.activities:
        when = f"{activity.start:%d/%m/%Y}" + ("" if activity.start == activity.end else f"–{activity.end:%d/%m/%Y}")
        place = markdown_text(activity.place) if activity.place else "—"
        lines += [f"### {activity.no}. {markdown_text(activity.title)}", "", f"{when}, {place}.", ""]
        if not activity.units:
            lines += ["Chưa phân công đơn vị cụ thể.", ""]
            continue
        lines += [_cells(UNIT_HEADINGS), _cells([Markup("---")] * len(UNIT_HEADINGS))]
        lines += [_cells(unit_row(u)) for u in activity.units]
        lines.append("")
    for activity in report.activities:
        if activity.duties:
            lines += grassroots_section(activity)
    missing = sorted({u.name for a in report.activities for u in a.units if u.outcome is Outcome.MISSING})
    if missing:
        lines += ["## Đơn vị chưa báo cáo", "", *(f"- {markdown_text(name)}" for name in missing), ""]
    if report.corrections:
        lines += ["## Sửa tay trước khi khởi động", "", _cells(CORRECTION_HEADINGS),
                  _cells([Markup("---")] * len(CORRECTION_HEADINGS))]  # fmt: skip
        lines += [_cells([c.number or "Kế hoạch", c.field, c.before or None, c.after or None])
                  for c in report.corrections]  # fmt: skip
        lines.append("")
    if report.recipients:
        lines += ["## Nơi nhận", "", *(f"- {markdown_text(r)};" for r in report.recipients), ""]
    return "\n".join(lines)
