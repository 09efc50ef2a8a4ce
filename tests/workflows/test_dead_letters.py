"""A fact the database refuses for good is kept aside, the office is told, and nothing waits for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.contracts import SET_ASIDE
from activities.recording import Recorder
from campaign.facts import ActivityEvent, EventKind
from campaign.limits import (
    MAX_ACCOUNT_NAME_CHARS,
    MAX_CAMPAIGN_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_PEOPLE,
    MAX_UNIT_CODE_CHARS,
)
from campaign.tracker import Report
from harness.temporal import migrated_store, time_skipping_env
from settings import Settings
from store.database import Store
from store.failures import is_lasting
from store.schema import AuditEntry, DeadLetter, Notification, UnitReport
from tests.helpers import advance_to, start_mailed, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow

AT = datetime(2023, 5, 12, 3, tzinfo=UTC)


def report_event(key: str, participants: int, submitted_by: str = "Bí thư") -> ActivityEvent:
    report = Report(
        revision=1, summary="x", participants=participants, submitted_by=submitted_by,
        submitted_at=AT, first_submitted_at=AT, on_time=True,
    )  # fmt: skip
    return ActivityEvent(
        key=key, kind=EventKind.REPORT, campaign_id="c", activity_no=7, workflow_id="campaign/c/activity/7",
        actor=submitted_by, unit_code="a", report=report, at=AT,
    )  # fmt: skip


def count(store: Store, model, *where) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.mark.parametrize(
    ("participants", "submitted_by"),
    [(10**30, "Bí thư"), (3_000_000_000, "Bí thư"), (5, "b" * 200)],
    ids=["int-beyond-64-bits", "int-beyond-32-bits", "actor-beyond-varchar-120"],
)
def test_a_value_the_database_cannot_store_is_set_aside(database_url, participants, submitted_by) -> None:
    store = migrated_store(database_url)
    recorder = Recorder(store)
    event = report_event("campaign/c/activity/7/event/1", participants, submitted_by)
    sqlite_takes_it = database_url.startswith("sqlite") and participants < 2**63  # SQLite: 64-bit, no varchar limit
    if sqlite_takes_it:
        assert ActivityEnvironment().run(recorder.record_event, event) is True
        return
    with pytest.raises(ApplicationError) as refused:
        ActivityEnvironment().run(recorder.record_event, event)
    assert refused.value.type == SET_ASIDE and refused.value.non_retryable
    assert count(store, DeadLetter) == 1 and count(store, UnitReport) == 0 and count(store, AuditEntry) == 0
    with store.session() as session:
        kept = session.scalars(select(DeadLetter)).one()
    assert kept.key == event.key and kept.kind == "report" and str(participants) in kept.payload
    with pytest.raises(ApplicationError):  # a retry keeps one copy
        ActivityEnvironment().run(recorder.record_event, event)
    assert count(store, DeadLetter) == 1


def test_an_outage_is_retried_not_set_aside(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'no-schema.db'}")  # no tables: an outage-like error, not a bad value
    with pytest.raises(Exception) as failed:
        ActivityEnvironment().run(Recorder(store).record_event, report_event("k", 1))
    assert not isinstance(failed.value, ApplicationError) and not is_lasting(failed.value)


def test_the_limits_fit_the_schema() -> None:
    from store.schema import Assignment, Campaign, User

    assert MAX_PEOPLE < 2**31  # reports.participants is an integer column on PostgreSQL
    assert AuditEntry.__table__.c.actor.type.length >= MAX_NAME_CHARS
    assert Assignment.__table__.c.unit_code.type.length >= MAX_UNIT_CODE_CHARS
    assert Campaign.__table__.c.id.type.length >= MAX_CAMPAIGN_ID_CHARS
    assert User.__table__.c.name.type.length >= MAX_ACCOUNT_NAME_CHARS


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_the_activity_closes_on_time_when_its_report_cannot_be_written(env, tmp_path) -> None:
    store = migrated_store(f"sqlite:///{tmp_path / 'refusing.db'}")
    with store.engine.begin() as connection:  # this database refuses every report row, for good
        connection.execute(
            text("CREATE TRIGGER refuse BEFORE INSERT ON reports BEGIN SELECT RAISE(ABORT, 'refused'); END")
        )
    async with worker(env.client, store, Settings(reports_dir=tmp_path)) as queue:
        handle = await start_mailed(env, queue)
        await advance_to(env, handle, vn(12))
        receipt = await handle.execute_update(
            CampaignActivityWorkflow.submit_report, {"unit": "a", "summary": "250 đơn vị máu", "participants": 250}
        )
        await handle.execute_update(CampaignActivityWorkflow.excuse_unit, {"unit": "b", "reason": "Sáp nhập"})
        result = await handle.result()
    assert receipt.revision == 1 and result.phase.value == "CLOSED"
    assert {u.code: u.outcome.value for u in result.units} == {"a": "on_time", "b": "excused"}
    assert count(store, DeadLetter, DeadLetter.kind == "report") == 1 and count(store, UnitReport) == 0
    told = count(store, Notification, Notification.kind == "record_set_aside", Notification.recipient == "office")
    assert told == 1
    assert count(store, AuditEntry, AuditEntry.action == "closed") == 1
