"""The importer's reading of a plan as plain data, for the invented body-plan corpus (tests/corpus/bodies/):
every field a careful reader takes from a plan, and the findings by kind and line."""

from __future__ import annotations

from typing import Any

from campaign.plan import Plan


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
