"""Bringing the database schema to the latest migration, for every process that opens the store."""

from __future__ import annotations

import asyncio
import time

import structlog

from campaign.escape import first_line
from service.updates import Refused
from store.database import Store, upgrade


def upgrade_schema(url: str, attempts: int = 3) -> None:
    """`alembic upgrade head`; Refused (503, unavailable) with its failure as one line. Processes started
    together (the worker and the portal) race to create the schema: the loser tries again (after 1 s,
    then 2 s) and finds it there."""
    for attempt in range(1, attempts + 1):
        try:
            upgrade(url)
            return
        except Exception as exc:
            if attempt == attempts:
                raise Refused(503, "unavailable", f"không nâng cấp được cơ sở dữ liệu: {first_line(exc)}") from None
            time.sleep(attempt)


async def upgrade_schema_until_done(store: Store, log: structlog.stdlib.BoundLogger, most: float = 30.0) -> None:
    """Bring the schema to the latest migration, then let the store open sessions; a database that does
    not answer is tried again (after 1 s, 2 s, … at most `most` s between tries) until it does, while the
    worker already runs workflows (their timers and messages need no database; what they write waits, as
    in any outage) and the portal answers 503 for records."""
    attempt = 0
    while True:
        attempt += 1
        try:
            await asyncio.to_thread(upgrade_schema, store.url)
            store.mark_ready()
            return
        except Refused as exc:
            log.warning("schema upgrade failed, trying again", attempt=attempt, error=exc.message)
            await asyncio.sleep(min(most, attempt))
