"""The importer's reading of a plan as plain data, for the invented body-plan corpus (tests/corpus/bodies/):
every field a careful reader takes from a plan, and the findings by kind and line."""

from __future__ import annotations

from typing import Any

from campaign.importer import import_lines
from campaign.plan import Plan
from campaign.units import UnitDirectory
from tests.conftest import CORPUS

BODIES = CORPUS / "bodies"


def plan_header(title: str, code: str = "12-KH/ĐTN", issued: str = "TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2025",
                *after: str) -> str:  # fmt: skip
    """The head of an invented plan as offices write it, one line each: its code, where and when it was
    issued, "KẾ HOẠCH", its title, and what follows (a window, a section heading)."""
    return "\n".join(["Số: " + code, issued, "KẾ HOẠCH", title, *after]) + "\n"


MARCH = plan_header("Tổ chức Tháng Thanh niên", "12-KH/ĐTN", "TP. Hồ Chí Minh, ngày 01 tháng 3 năm 2025",
                    "(Từ ngày 01/3 đến ngày 31/3/2025)")  # fmt: skip
DECEMBER = plan_header("Hoạt động tháng 12 năm 2026", "21-KH/ĐTN", "TP. Hồ Chí Minh, ngày 25 tháng 11 năm 2026",
                       "I. NỘI DUNG")  # fmt: skip


def read_plan(text: str, directory: UnitDirectory | None = None) -> Plan:
    """A plan typed as one text (its first and last line breaks aside), read as the importer reads it."""
    return import_lines(text.strip("\n").split("\n"), directory)


def reading(plan: Plan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        "title": plan.title,
        "issuer": plan.issuer,
        "window": [plan.window.start.isoformat(), plan.window.end.isoformat()],
        "activities": [
            {
                "number": a.number,
                "title": a.title,
                "kind": a.kind.value,
                "start": a.start.isoformat(),
                "end": a.end.isoformat(),
                "start_time": a.start_time.strftime("%H:%M") if a.start_time else None,
                "place": a.place,
                "responsible": [[p.name, p.role.value, p.unit_code, p.group] for p in a.responsible],
                "contacts": list(a.contacts),
                "lines": list(a.source_lines),
                "from_body": a.from_body,
                "due_given": a.due_given,
            }
            for a in plan.activities
        ],
        "findings": [[f.kind, f.line] for f in plan.findings],
    }
