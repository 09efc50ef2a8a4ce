"""The imported plan: what the Standing Committee decided, as data."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from campaign.dates import ActivityKind


class Role(StrEnum):
    LEAD = "lead"  # phụ trách / chủ trì / thực hiện
    SUPPORT = "support"  # phối hợp


class ResponsibleParty(BaseModel):
    name: str  # as the plan writes it, or the directory's name when expanded
    role: Role = Role.LEAD
    unit_code: str | None = None  # None when the directory has no such unit
    group: bool = False  # a described group ("Các cơ sở Đoàn có chuyên môn …") to assign


class PlannedActivity(BaseModel):
    no: int
    title: str
    kind: ActivityKind
    start: date
    end: date
    place: str = ""
    responsible: list[ResponsibleParty] = []
    line: int | None = None  # line of the schedule row in the document

    @property
    def unit_codes(self) -> list[str]:
        return [p.unit_code for p in self.responsible if p.unit_code]


class Window(BaseModel):
    start: date
    end: date


class Finding(BaseModel):
    kind: str
    line: int | None
    message: str


# Findings that mean a schedule row could not be taken into the plan.
BLOCKING_FINDINGS = frozenset({"unreadable_date", "missing_column", "bad_row"})


class Plan(BaseModel):
    code: str
    issued_on: date | None
    title: str
    window: Window
    recipients: list[str] = []
    activities: list[PlannedActivity]
    findings: list[Finding] = []

    def activity(self, no: int) -> PlannedActivity:
        for activity in self.activities:
            if activity.no == no:
                return activity
        raise KeyError(no)

    @property
    def blocking_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.kind in BLOCKING_FINDINGS]

    def contract(self) -> dict[str, Any]:
        """The `plan import --json` shape, exactly."""
        return {
            "code": self.code,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "title": self.title,
            "window": {"start": self.window.start.isoformat(), "end": self.window.end.isoformat()},
            "recipients": list(self.recipients),
            "activities": [
                {
                    "no": a.no,
                    "title": a.title,
                    "kind": a.kind.value,
                    "start": a.start.isoformat(),
                    "end": a.end.isoformat(),
                    "place": a.place,
                    "responsible": [
                        {"name": p.name, "role": p.role.value, "unit_code": p.unit_code} for p in a.responsible
                    ],
                }
                for a in self.activities
            ],
            "findings": findings_contract(self.findings),
        }


def findings_contract(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"kind": f.kind, "line": f.line, "message": f.message} for f in findings]
