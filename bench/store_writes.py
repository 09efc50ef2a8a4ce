"""Throughput of the store's idempotent writes: `python -m bench.store_writes [DATABASE_URL] [N]`.

Writes N report events (each with its audit entry), then writes them all again as a retry
would, and prints events/s for both passes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime

from campaign.facts import ActivityEvent, EventKind, campaign_record
from campaign.importer import import_plan
from campaign.tracker import Report
from campaign.units import load_directory
from harness.paths import SEED, UNITS
from store.database import Store, upgrade
from store.writes import record_campaign, record_event

AT = datetime(2023, 5, 12, tzinfo=UTC)


def events(n: int) -> list[ActivityEvent]:
    report = Report(revision=1, summary="Đã thực hiện", participants=10, submitted_at=AT, first_submitted_at=AT,
                    on_time=True)  # fmt: skip
    return [
        ActivityEvent(
            key=f"campaign/bench/activity/7/event/{i}",
            kind=EventKind.REPORT,
            campaign_id="bench",
            activity_no=7,
            workflow_id="campaign/bench/activity/7",
            actor="bhxh",
            at=AT,
            unit_code="bhxh",
            report=report.model_copy(update={"revision": i + 1}),
        )
        for i in range(n)
    ]


def main(url: str, n: int) -> None:
    upgrade(url)
    store = Store(url)
    directory = load_directory(UNITS)
    with store.session() as session:
        record_campaign(
            session, campaign_record("bench", "campaign/bench", import_plan(SEED, directory), directory, AT)
        )
    batch = events(n)
    for label in ("first write", "retry (no-op)"):
        started = time.perf_counter()
        for event in batch:
            with store.session() as session:
                record_event(session, event)
        elapsed = time.perf_counter() - started
        print(f"{store.dialect} {label}: {n / elapsed:.0f} events/s ({elapsed / n * 1000:.2f} ms each)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.db"
        main(url, int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
