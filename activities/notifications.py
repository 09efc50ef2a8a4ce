"""Sending notices. Every notice has a stable key; a retried activity never sends twice.

The `log` channel writes one structured line per notice (campaign, activity, unit,
key, subject, body).
"""

from __future__ import annotations

import structlog
from temporalio import activity

from campaign.notices import Notice

log = structlog.get_logger("notifications")


class SentLedger:
    """Keys already delivered by this worker process."""

    def __init__(self) -> None:
        self._keys: set[str] = set()

    def claim(self, key: str) -> bool:
        if key in self._keys:
            return False
        self._keys.add(key)
        return True


LEDGER = SentLedger()


@activity.defn
async def send_notice(notice: Notice) -> bool:
    """Deliver `notice` once; returns False when its key was already delivered."""
    info = activity.info()
    bound = log.bind(
        campaign_id=notice.campaign_id,
        activity_no=notice.activity_no,
        unit=notice.recipient,
        key=notice.key,
        workflow_id=info.workflow_id,
        run_id=info.workflow_run_id,
        attempt=info.attempt,
    )
    if not LEDGER.claim(notice.key):
        bound.info("notice already sent")
        return False
    bound.info(
        "notice",
        kind=notice.kind.value,
        to=notice.to.email if notice.to else None,
        subject=notice.subject,
        body=notice.body,
    )
    return True
