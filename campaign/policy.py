"""How long things take: readiness, reminders, report due, escalation, closing.

Durations are ISO-8601 in the policy file (P2D, -P1D, PT0S). A policy file sets
plan-wide values at the top and per-activity overrides under `activities`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ready_lead: timedelta = timedelta(days=2)
    reminders_before_event: list[timedelta] = [timedelta(days=3), timedelta(days=1)]
    report_due: timedelta = timedelta(days=3)
    report_reminders: list[timedelta] = [timedelta(days=-1), timedelta(0)]
    escalate_after: timedelta = timedelta(days=1)
    escalation_repeat: timedelta = Field(default=timedelta(days=3), gt=timedelta(0))
    max_escalation_level: int = Field(default=3, ge=0)
    close_after: timedelta = timedelta(days=15)
    working_days: bool = False


class PolicyFile(Policy):
    activities: dict[int, dict[str, object]] = {}

    def for_activity(self, no: int) -> Policy:
        base = self.model_dump(exclude={"activities"})
        return Policy.model_validate({**base, **self.activities.get(no, {})})


class PolicyError(ValueError):
    """A policy file that cannot be used; the message is Vietnamese."""


def load_policy(path: str | Path | None) -> PolicyFile:
    if path is None:
        return PolicyFile()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise PolicyError(f"không tìm thấy tệp chính sách {path}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"tệp chính sách {path} không phải YAML hợp lệ: {exc}") from None
    try:
        policy = PolicyFile.model_validate(data)
        for no in policy.activities:
            policy.for_activity(no)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(f"tệp chính sách {path}: trường {where}: {first['msg']}") from None
    return policy
