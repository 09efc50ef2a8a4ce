"""What a plan asks of every grassroots unit, as data: its duties, the units' report on the plan, a unit's
answer per duty, and the tasks of the issuer's own level that have no schedule row (campaign.duties reads
them; campaign.plan carries them)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from campaign.escape import CONTROL_CHARACTERS
from campaign.limits import MAX_DUTIES, MAX_DUTY_NOTE, MAX_PEOPLE
from campaign.text import shortened

SHORT_DUTY = 90  # characters of a duty shown on a phone; the whole text is one tap away


class Duty(BaseModel):
    """One duty the plan gives every grassroots unit."""

    no: int  # 1-based, in the plan's order; the key answers name
    text: str  # as the plan writes it (the office may edit it)
    line: int | None = None  # where it was read (None: added by hand)
    count_label: str = ""  # the count the plan names for it ("buổi", "công trình"), "" when none

    @property
    def short(self) -> str:
        """The duty as a phone shows it at first: its first clause, cut at a word."""
        first = re.split(r"(?<=[.;])\s", self.text, maxsplit=1)[0].rstrip(" .;")
        return shortened(first, SHORT_DUTY)

    @property
    def cut(self) -> bool:
        """Whether `short` leaves words out (the page then offers the whole text)."""
        return self.short != self.text.rstrip(" .;")


class PlanReport(BaseModel):
    """The report every grassroots unit owes on carrying the plan out, as read (and as the office left it)."""

    duties: list[Duty]
    due: date | None = None  # the date the plan gives; None: the window's end plus the policy's report days
    due_line: int | None = None
    lines: list[int] = []  # the heading lines it was read from ("3. Cấp cơ sở:", "2. Các cơ sở Đoàn …")
    enabled: bool = True  # the office may turn it off


UnscheduledChoice = Literal["pending", "scheduled", "left_out"]


class UnscheduledTask(BaseModel):
    """A task the body gives the issuing organisation (or a named unit) with no schedule row and no date."""

    key: int  # stable, 1-based
    text: str
    owner: str  # who carries it out, as the plan names them; the issuer when it names nobody
    line: int
    choice: UnscheduledChoice = "pending"
    activity: int | None = None  # the activity it became, when scheduled


Status = Literal["done", "not_done", "not_applicable"]
STATUS_WORDS: dict[str, str] = {
    "done": "Đã thực hiện",
    "not_done": "Chưa thực hiện",
    "not_applicable": "Không áp dụng",
}


def _plain(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError("control_characters", "có ký tự điều khiển")
    return value


class DutyAnswer(BaseModel):
    """A unit's answer on one duty, in its report on the plan."""

    model_config = ConfigDict(extra="forbid", strict=True)  # as the report it is part of (campaign.messages)

    duty: Annotated[int, Field(ge=1, le=MAX_DUTIES)] = Field(
        description="Số thứ tự nhiệm vụ (từ `duties` của hoạt động)"
    )
    status: Status = Field(description="done: đã thực hiện; not_done: chưa thực hiện; not_applicable: không áp dụng")
    note: Annotated[str, Field(max_length=MAX_DUTY_NOTE), AfterValidator(_plain)] = Field(
        "", description="Ghi chú ngắn"
    )
    participants: Annotated[int, Field(ge=0, le=MAX_PEOPLE)] | None = Field(
        None, description="Số người tham gia nhiệm vụ"
    )
    count: Annotated[int, Field(ge=0, le=MAX_PEOPLE)] | None = Field(
        None, description="Số lượng kế hoạch đặt cho nhiệm vụ (nếu có)"
    )


# --- answers -----------------------------------------------------------------------------------------


def answers_problem(duties: list[Duty], answers: list[DutyAnswer] | None) -> str | None:
    """What is wrong with a report's answers on the duties (Vietnamese), or None."""
    if not duties:
        return "hoạt động này không có nhiệm vụ để trả lời (duties)" if answers else None
    if answers is None:
        return (
            f"cần trả lời từng nhiệm vụ của kế hoạch ({len(duties)} nhiệm vụ): "
            "đã thực hiện, chưa thực hiện hay không áp dụng"
        )
    known = {d.no: d for d in duties}
    seen: set[int] = set()
    for answer in answers:
        if answer.duty not in known:
            return f"nhiệm vụ {answer.duty} không có trong kế hoạch (có {len(duties)} nhiệm vụ)"
        if answer.duty in seen:
            return f"nhiệm vụ {answer.duty} được trả lời hai lần"
        seen.add(answer.duty)
        if answer.count is not None and not known[answer.duty].count_label:
            return f"nhiệm vụ {answer.duty}: kế hoạch không đặt số lượng cho nhiệm vụ này"
    missing = [str(d.no) for d in duties if d.no not in seen]
    if missing:
        return f"chưa trả lời nhiệm vụ {', '.join(missing)}: chọn đã thực hiện, chưa thực hiện hoặc không áp dụng"
    return None


class DutyTotal(BaseModel):
    duty: Duty
    done: int = 0
    not_done: int = 0
    not_applicable: int = 0
    participants: int = 0
    count: int = 0


def duty_totals(duties: list[Duty], reports: list[list[DutyAnswer]]) -> list[DutyTotal]:
    """Per duty: how many units did it, did not, found it not applicable; participants and counts summed."""
    totals = {d.no: DutyTotal(duty=d) for d in duties}
    for answers in reports:
        for answer in answers:
            total = totals.get(answer.duty)
            if total is None:
                continue
            setattr(total, answer.status, getattr(total, answer.status) + 1)
            total.participants += answer.participants or 0
            total.count += answer.count or 0
    return list(totals.values())
