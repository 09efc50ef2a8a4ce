"""Who receives the final report: the plan's "Nơi nhận" mapped through the unit directory."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from campaign.notices import PERSONAL_LINK, Notice
from campaign.text import fold
from campaign.tracker import ActionKind, Outcome
from campaign.units import Unit, UnitDirectory, UnitKind, UnitNotFound
from campaign.views import ActivityResult

_ARCHIVE = re.compile(r"^luu\s*:?\s*")  # "Lưu: VP" — the office's file copy
_GRASSROOTS = re.compile(r"^(cac\s+)?co so doan( truc thuoc)?$")


def recipients_in_directory(recipients: list[str], directory: UnitDirectory) -> tuple[list[Unit], list[str]]:
    """The directory's units the list names, in order and once each, and the names it does not know."""
    found: dict[str, Unit] = {}
    unknown: list[str] = []
    for entry in recipients:
        folded = fold(entry).strip(" ;.")
        if _GRASSROOTS.match(folded):
            found.update((u.code, u) for u in directory.of_kind(UnitKind.UNIT))
            continue
        name = entry
        if _ARCHIVE.match(folded):
            name = _ARCHIVE.sub("", folded)
            if name in ("vp", "van phong") and directory.office:
                found[directory.office.code] = directory.office
                continue
        try:
            unit = directory.find(name)
        except UnitNotFound:
            unknown.append(entry)
            continue
        found[unit.code] = unit
    return list(found.values()), unknown


def final_report_notices(
    campaign_id: str,
    plan_code: str,
    title: str,
    recipients: list[Unit],
    files: list[str],
    results: list[ActivityResult],
    unknown: Sequence[str] = (),
    link_until: datetime | None = None,
) -> list[Notice]:
    """One notice per recipient with the report's files and the campaign's totals.

    The office's copy also lists the recipients the directory does not know, to be sent by hand.
    """
    outcomes = Counter(u.outcome for r in results for u in r.units)
    people = sum(u.participants or 0 for r in results for u in r.units)
    body = [
        f"Kế hoạch {plan_code} “{title}” đã kết thúc. Báo cáo kết quả:",
        *(f"- {path}" for path in files),
        f"Tổng hợp: {sum(outcomes.values())} lượt đơn vị được phân công; đúng hạn {outcomes[Outcome.ON_TIME]}, "
        f"trễ hạn {outcomes[Outcome.LATE]}, được miễn {outcomes[Outcome.EXCUSED]}, "
        f"không báo cáo {outcomes[Outcome.MISSING]}; {people} người tham gia.",
    ]

    assigned = {u.code for r in results for u in r.units}

    def own_results(unit: Unit) -> list[str]:
        return [f"Kết quả của đơn vị: {PERSONAL_LINK}"] if unit.code in assigned and link_until else []

    def by_hand(unit: Unit) -> list[str]:
        if unit.kind is not UnitKind.OFFICE or not unknown:
            return []
        return ["Nơi nhận chưa có trong danh bạ, cần gửi trực tiếp: " + "; ".join(unknown) + "."]

    return [
        Notice(
            key=f"campaign/{campaign_id}/final-report/{unit.code}",
            kind=ActionKind.FINAL_REPORT,
            campaign_id=campaign_id,
            activity_no=None,
            recipient=unit.code,
            subject=f"[{campaign_id}] Báo cáo kết quả Kế hoạch {plan_code}",
            body="\n".join([f"Kính gửi {unit.name},", *body, *own_results(unit), *by_hand(unit)]),
            to=unit,
            link_until=link_until if own_results(unit) else None,
        )
        for unit in recipients
    ]
