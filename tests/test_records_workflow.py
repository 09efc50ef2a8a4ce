"""The workflows writing to the store on the time-skipping server: outages and undeliverable notices."""

from __future__ import annotations

import uuid
from datetime import date

import pytest_asyncio
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from campaign.clock import PlanClock
from campaign.dates import ActivityKind
from campaign.messages import ConfirmReady, ExcuseUnit, SubmitReport
from campaign.plan import PlannedActivity, ResponsibleParty
from campaign.policy import Policy
from campaign.units import Unit, UnitKind
from settings import Settings
from store.database import Store, upgrade
from store.schema import AuditEntry, Notification, Readiness, UnitReport
from tests.temporal_env import time_skipping_env, worker
from tests.test_activity_workflow import CLOCKS, advance_to, vn
from tests.test_channels import Inbox
from tests.test_dev_server_e2e import free_port
from workflows.activity import ActivityInput, CampaignActivityWorkflow

UNITS = [Unit(code="a", name="Đoàn Sở A", email="a@example.org"), Unit(code="b", name="Đoàn Sở B", email="b@sai")]
OFFICE = Unit(code="van-phong", name="Văn phòng Đoàn Khối", kind=UnitKind.OFFICE, email="vanphong@example.org")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def start(env, queue):
    day = date(2023, 5, 11)
    activity = PlannedActivity(
        no=3,
        title="Hiến máu tình nguyện",
        kind=ActivityKind.SINGLE_DAY,
        start=day,
        end=day,
        place="Nhà Văn hóa Thanh niên",
        responsible=[ResponsibleParty(name=u.name, unit_code=u.code) for u in UNITS],
    )
    clock = PlanClock(plan_origin=vn(1), wall_origin=await env.get_current_time(), speed=1)
    handle = await env.client.start_workflow(
        CampaignActivityWorkflow.run,
        ActivityInput(
            campaign_id="t",
            activity=activity,
            units=UNITS,
            office=OFFICE,
            policy=Policy(),
            window_end=date(2023, 5, 31),
            clock=clock,
        ),
        id=f"campaign/t-{uuid.uuid4().hex[:8]}/activity/3",
        task_queue=queue,
    )
    CLOCKS[handle.id] = clock
    return handle


def count(store: Store, model, *where) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_a_database_outage_loses_nothing(env, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'later.db'}"
    store = Store(url)  # no schema yet: every write fails until the database "comes back"
    async with worker(env.client, store, Settings(reports_dir=tmp_path)) as queue:
        handle = await start(env, queue)
        await advance_to(env, handle, vn(2))
        said = await handle.execute_update(CampaignActivityWorkflow.confirm_ready, ConfirmReady(unit="a", note="Xong"))
        assert "sẵn sàng" in said
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "PREPARING" and status.units[0].ready
        upgrade(url)
        await advance_to(env, handle, vn(12))
        await handle.execute_update(
            CampaignActivityWorkflow.submit_report, SubmitReport(unit="a", summary="250 đơn vị máu", participants=250)
        )
        await handle.execute_update(CampaignActivityWorkflow.excuse_unit, ExcuseUnit(unit="b", reason="Sáp nhập"))
        await handle.result()
    assert count(store, Readiness) == 1 and count(store, UnitReport) == 1
    assert count(store, Notification, Notification.kind == "assignment") == 2
    assert count(store, AuditEntry, AuditEntry.action.in_(["ready", "report", "excuse", "closed"])) == 4


async def test_an_undeliverable_notice_is_reported_to_the_office(env, tmp_path) -> None:
    inbox = Inbox()
    inbox.refuse["b@sai"] = "550 5.1.2 Bad destination"
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(url)
    store = Store(url)
    settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=smtp.port, reports_dir=tmp_path)
    try:
        async with worker(env.client, store, settings) as queue:
            handle = await start(env, queue)
            await advance_to(env, handle, vn(2))
            await handle.terminate()
    finally:
        smtp.stop()
    subjects = [m.split(b"\n", 1)[0] for m in inbox.messages]
    assert len(inbox.messages) == 2, subjects  # a's assignment, and the office's notice about b
    with store.session() as session:
        statuses = dict(session.execute(select(Notification.recipient, Notification.status)).all())
    assert statuses == {"a": "sent", "b": "failed", "office": "sent"}
    with store.session() as session:
        failed = session.scalars(select(Notification).where(Notification.kind == "delivery_failed")).one()
    assert failed.address == "vanphong@example.org" and "Đoàn Sở B" in failed.body and "550" in failed.body
