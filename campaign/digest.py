"""The weekly digest to the Standing Committee: plan-time Monday morning, per activity."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from campaign.clock import VIETNAM, format_moment
from campaign.notices import Notice
from campaign.text import shortened
from campaign.tracker import ActionKind, phase_words
from campaign.units import UnitDirectory
from campaign.views import ActivitySummary

DIGEST_HOUR = time(8, 0)


def next_monday_morning(now: datetime) -> datetime:
    """The first Monday 08:00 (Vietnam) strictly after `now`."""
    local = now.astimezone(VIETNAM)
    days = (7 - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days), DIGEST_HOUR, tzinfo=VIETNAM)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.astimezone(now.tzinfo)


def weekly_digest(
    campaign_id: str,
    plan_code: str,
    summaries: list[ActivitySummary],
    escalations_before: dict[int, int],
    now: datetime,
    directory: UnitDirectory | None = None,
) -> Notice:
    """Per activity: phase, reported/pending/overdue units (by name, from `directory`), and escalations
    since the last digest. A title too long for a phone's line is cut at a word, never mid-word."""
    names = directory.by_code if directory is not None else {}

    def overdue(s: ActivitySummary, shown: int = 10) -> str:
        listed = [names[c].name if c in names else c for c in s.overdue[:shown]]
        more = s.late - len(listed)
        return ", ".join(listed) + (f" và {more} đơn vị khác" if more > 0 else "")

    lines = [
        "Kính gửi Ban Thường vụ Đoàn Khối,",
        f"Tình hình thực hiện Kế hoạch {plan_code} đến {format_moment(now)}:",
        "",
    ]
    for s in summaries:
        week = s.escalations_sent - escalations_before.get(s.no, 0)
        lines.append(
            f"{s.number or s.no}. {shortened(s.title, 80)} — {phase_words(s.phase)}: "
            f"đã báo cáo {s.reported}/{s.units}, chờ {s.waiting}, quá hạn {s.late}"
            + (f" ({overdue(s)})" if s.overdue else "")
            + (f"; báo cáo BTV trong tuần: {week}" if week else "")
        )
    stamp = now.astimezone(VIETNAM).strftime("%Y%m%d")
    return Notice(
        key=f"campaign/{campaign_id}/digest/{stamp}",
        kind=ActionKind.DIGEST,
        campaign_id=campaign_id,
        activity_no=None,
        recipient="committee",
        subject=f"[{campaign_id}] Bản tin tuần Kế hoạch {plan_code} ({now.astimezone(VIETNAM):%d/%m/%Y})",
        body="\n".join(lines),
    )
