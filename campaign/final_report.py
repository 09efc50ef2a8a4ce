"""The campaign's final report for people (Markdown), from the activities' results."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from campaign.clock import format_moment
from campaign.plan import Plan
from campaign.tracker import Outcome
from campaign.views import ActivityResult

OUTCOME_WORDS = {
    Outcome.ON_TIME: "Đúng hạn",
    Outcome.LATE: "Trễ hạn",
    Outcome.EXCUSED: "Được miễn",
    Outcome.MISSING: "Không báo cáo",
}


class ActivityTotals(BaseModel):
    no: int
    title: str
    phase: str
    units: int
    on_time: int
    late: int
    excused: int
    missing: int
    participants: int


def totals(result: ActivityResult) -> ActivityTotals:
    counts = Counter(u.outcome for u in result.units)
    return ActivityTotals(
        no=result.no,
        title=result.title,
        phase=result.phase.value,
        units=len(result.units),
        on_time=counts[Outcome.ON_TIME],
        late=counts[Outcome.LATE],
        excused=counts[Outcome.EXCUSED],
        missing=counts[Outcome.MISSING],
        participants=sum(u.participants or 0 for u in result.units),
    )


def render_markdown(plan: Plan, campaign_id: str, results: list[ActivityResult], generated_at: datetime) -> str:
    rows = [totals(r) for r in results]
    lines = [
        f"# Báo cáo kết quả Kế hoạch {plan.code}",
        "",
        f"**{plan.title}**",
        "",
        f"Thời gian: {plan.window.start:%d/%m/%Y} – {plan.window.end:%d/%m/%Y}. "
        f"Chiến dịch `{campaign_id}`, lập lúc {format_moment(generated_at)}.",
        "",
        "## Tổng hợp",
        "",
        "| TT | Hoạt động | Giai đoạn | Đơn vị | Đúng hạn | Trễ hạn | Được miễn | Không báo cáo | Người tham gia |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in rows:
        lines.append(
            f"| {t.no} | {t.title} | {t.phase} | {t.units} | {t.on_time} | {t.late} | {t.excused} | {t.missing} "
            f"| {t.participants} |"
        )
    lines.append(
        f"| | **Cộng** | | {sum(t.units for t in rows)} | {sum(t.on_time for t in rows)} | "
        f"{sum(t.late for t in rows)} | {sum(t.excused for t in rows)} | {sum(t.missing for t in rows)} | "
        f"{sum(t.participants for t in rows)} |"
    )
    lines += ["", "## Chi tiết từng hoạt động", ""]
    for result in results:
        lines += [f"### {result.no}. {result.title}", ""]
        if not result.units:
            lines += ["Chưa phân công đơn vị cụ thể.", ""]
            continue
        lines += ["| Đơn vị | Kết quả | Lần nộp | Người tham gia |", "| --- | --- | --- | --- |"]
        for u in result.units:
            outcome = OUTCOME_WORDS[u.outcome] if u.outcome else "—"
            people = "—" if u.participants is None else u.participants
            lines.append(f"| {u.name} | {outcome} | {u.revision or '—'} | {people} |")
        lines.append("")
    missing = sorted({u.name for r in results for u in r.units if u.outcome is Outcome.MISSING})
    if missing:
        lines += ["## Đơn vị chưa báo cáo", "", *(f"- {name}" for name in missing), ""]
    if plan.recipients:
        lines += ["## Nơi nhận", "", *(f"- {r};" for r in plan.recipients), ""]
    return "\n".join(lines)
