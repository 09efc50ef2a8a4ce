"""Plan lint: what a careful reader of the plan would question, with line numbers.

Findings are warnings: the import still succeeds. Each names the line at fault.
"""

from __future__ import annotations

import re
from datetime import date

from campaign.dates import WEEKDAY_NAMES, DateError, event_mentions, find_dates, weekday_claims
from campaign.plan import Finding, Plan, PlannedActivity, schedule_problems
from campaign.text import fold

_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]")


def lint(lines: list[str], plan: Plan, body_end: int) -> list[Finding]:
    already = {f.line for f in plan.findings if f.kind == "unreadable_date"}
    # a row whose date could not be read is named once, by its own finding (campaign.plan.schedule_problems),
    # on the lines it was read from; once the office has typed its date, they are settled
    unread_rows = already | {a.line for a in plan.activities if a.date_unread}
    already |= {n for a in plan.activities if a.line in unread_rows for n in a.source_lines}
    # a body activity's own lines are where its dates were read: they cannot contradict it
    read_from = {n for a in plan.activities if a.from_body for n in a.source_lines}
    year = plan.window.end.year
    findings: list[Finding] = []
    for number, line in enumerate(lines, start=1):
        if number in already:
            continue
        findings.extend(_impossible_dates(number, line, year))
        findings.extend(_weekday_mismatches(number, line, year))
    for number, line in enumerate(lines[:body_end], start=1):
        if number not in read_from:
            findings.extend(_body_contradictions(number, line, plan.activities, year))
    findings.extend(_outside_window(plan))
    findings.extend(schedule_problems(plan))
    return findings


def _impossible_dates(number: int, line: str, year: int) -> list[Finding]:
    found = []
    for mention in find_dates(line):
        if not mention.is_plausible:
            continue
        try:
            mention.resolve(year)
        except DateError as exc:
            found.append(Finding(kind="invalid_date", line=number, message=str(exc).capitalize()))
    return found


def _weekday_mismatches(number: int, line: str, year: int) -> list[Finding]:
    found = []
    for claim in weekday_claims(line):
        try:
            day = claim.day.resolve(year)
        except DateError:
            continue  # reported as an impossible date
        if day.weekday() != claim.weekday:
            found.append(
                Finding(
                    kind="weekday_mismatch",
                    line=number,
                    message=f"“{claim.word}” nhưng ngày {day:%d/%m/%Y} là {WEEKDAY_NAMES[day.weekday()]}",
                )
            )
    return found


def _event_dates(line: str, year: int) -> list[date]:
    """Dates in running text that could be an event's date (campaign.dates.event_mentions)."""
    dates = []
    for mention in event_mentions(line):
        try:
            dates.append(mention.resolve(year))
        except DateError:
            continue
    return dates


# Words that say nothing about which activity a line speaks of (folded).
_FILLER_TEXT = (
    "to chuc cac cho va cua tai voi ve trong nam lan thu nhan dip huong ung trien khai phat dong phoi hop "
    "hoat dong chuong trinh cap khoi don vi co so doan thanh nien ngay"
)
_FILLER = frozenset(_FILLER_TEXT.split(" "))
# Where a title's organiser or details begin: "… do Đoàn Sở Y tế tổ chức", "… (phối hợp …)".
_TITLE_TAIL = re.compile(r"\s(?:do|phoi hop voi|tai|danh cho)\s.*$")


def _core_words(title: str) -> frozenset[str]:
    """The words that name an activity: its title without the quoted theme, the organiser or filler."""
    bare = fold(_QUOTED.sub(" ", title))
    bare = _TITLE_TAIL.sub("", bare)
    return frozenset(w for w in bare.split() if w not in _FILLER and not w.isdigit() and len(w) > 1)


def _mention_score(line: str, activity: PlannedActivity) -> float:
    """How surely `line` speaks of `activity`: 2 for its whole title or quoted theme; else the share of
    its core words found in the line, in any order (at least two of them), plus a quarter of the share
    of its theme's words, which tells apart two titles with the same core ("Hội thao …", "Hội thi …")."""
    folded_line = fold(line)
    title = fold(activity.title)
    themes = [fold(p) for p in _QUOTED.findall(activity.title)]
    if (len(title.split()) >= 3 and title in folded_line) or any(
        len(theme.split()) >= 3 and theme in folded_line for theme in themes
    ):
        return 2.0
    words = set(folded_line.split())
    core = _core_words(activity.title)
    found = core & words
    if len(core) < 2 or len(found) < 2:
        return 0.0
    theme_words = {w for theme in themes for w in theme.split()}
    return len(found) / len(core) + 0.25 * (len(theme_words & words) / len(theme_words) if theme_words else 0)


def spoken_of(line: str, activities: list[PlannedActivity]) -> list[PlannedActivity]:
    """The activities a body line speaks of: the best-matching ones, by words, never by its dates."""
    scored = [(_mention_score(line, a), a) for a in activities]
    best = max((score for score, _ in scored), default=0.0)
    return [a for score, a in scored if score >= 0.75 and score == best]


def _body_contradictions(number: int, line: str, activities: list[PlannedActivity], year: int) -> list[Finding]:
    dates = _event_dates(line, year)
    if not dates:
        return []
    found = []
    for activity in spoken_of(line, activities):
        if activity.date_unread:
            continue
        if any(activity.start <= d <= activity.end for d in dates):
            continue
        written = ", ".join(f"{d:%d/%m/%Y}" for d in dates)
        scheduled = (
            f"{activity.start:%d/%m/%Y}"
            if activity.start == activity.end
            else f"{activity.start:%d/%m/%Y}–{activity.end:%d/%m/%Y}"
        )
        found.append(
            Finding(
                kind="date_conflict",
                line=number,
                activity=activity.no,
                message=f"nội dung ghi ngày {written} cho hoạt động {activity.no} “{activity.title}”, "
                f"nhưng lịch hoạt động (dòng {activity.line}) ghi {scheduled}",
            )
        )
    return found


def _outside_window(plan: Plan) -> list[Finding]:
    window = plan.window
    return [
        Finding(
            kind="outside_window",
            line=a.line,
            activity=a.no,
            message=f"hoạt động {a.no} ({a.start:%d/%m/%Y}–{a.end:%d/%m/%Y}) nằm ngoài thời gian kế hoạch "
            f"{window.start:%d/%m/%Y}–{window.end:%d/%m/%Y}",
        )
        for a in plan.activities
        if not a.date_unread and (a.start < window.start or a.end > window.end)
    ]
