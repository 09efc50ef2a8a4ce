"""The workflows writing to the store on the time-skipping server: outages and undeliverable notices."""

from __future__ import annotations

import asyncio

import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from campaign.messages import ConfirmReady, ExcuseUnit, SubmitReport
from harness.inbox import Inbox, MailServer
from harness.net import free_port
from harness.postgres import fresh_postgres_database
from harness.temporal import time_skipping_env
from settings import Settings
from store.database import Store, upgrade
from store.schema import AuditEntry, Notification, Readiness, UnitReport
from tests.helpers import advance_to, start_mailed, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow


@pytest_asyncio.fixture(loop_scope="session")  # a server per test: see tests/conftest.py
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


def count(store: Store, model, *where) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def forward(port: int, to_port: int) -> asyncio.Server:
    """The database's address coming back: a TCP relay on `port` to the real server on `to_port`."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", to_port)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    return await asyncio.start_server(relay, "127.0.0.1", port)


async def test_a_database_outage_loses_nothing(env, tmp_path, postgres_server) -> None:
    real = fresh_postgres_database(postgres_server)
    upgrade(real)
    port = free_port()  # nothing listens here yet: the database is unreachable
    url = make_url(real).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    store = Store(url)
    relay: asyncio.Server | None = None
    try:
        async with worker(env.client, store, Settings(reports_dir=tmp_path)) as queue:
            handle = await start_mailed(env, queue)
            # An hour of the outage: each batch fails about sixty times (RECORD_RETRY, 1 s doubling to a
            # minute). Not a day: the time-skipping server runs the 1,440 tries of a day back to back in
            # one `env.sleep`, a call the SDK gives up after 30 s ('Timeout expired', or the connection
            # dropped: 'h2 protocol error'); it took 22 s on an idle machine.
            await advance_to(env, handle, vn(1, hour=1))
            said = await handle.execute_update(
                CampaignActivityWorkflow.confirm_ready, ConfirmReady(unit="a", note="Xong")
            )
            assert "sẵn sàng" in said
            status = await handle.query(CampaignActivityWorkflow.status)
            assert status.phase.value == "PREPARING" and status.units[0].ready
            assert count(Store(real), Readiness) == 0  # nothing could be written yet
            relay = await forward(port, make_url(real).port or 5432)  # the database is back
            await advance_to(env, handle, vn(12))
            await handle.execute_update(
                CampaignActivityWorkflow.submit_report,
                SubmitReport(unit="a", summary="250 đơn vị máu", participants=250),
            )
            await handle.execute_update(CampaignActivityWorkflow.excuse_unit, ExcuseUnit(unit="b", reason="Sáp nhập"))
            await handle.result()
    finally:
        if relay is not None:
            relay.close()
    store = Store(real)
    assert count(store, Readiness) == 1 and count(store, UnitReport) == 1
    assert count(store, Notification, Notification.kind == "assignment") == 2
    assert count(store, AuditEntry, AuditEntry.action.in_(["ready", "report", "excuse", "closed"])) == 4


async def test_an_undeliverable_notice_is_reported_to_the_office(env, tmp_path) -> None:
    inbox = Inbox()
    inbox.refuse["b@sai"] = "550 5.1.2 Bad destination"
    smtp = MailServer(inbox)
    smtp.open()
    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(url)
    store = Store(url)
    settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=smtp.port, reports_dir=tmp_path)
    try:
        async with worker(env.client, store, settings) as queue:
            handle = await start_mailed(env, queue)
            # An hour of the outage: each batch fails about sixty times (RECORD_RETRY, 1 s doubling to a
            # minute). Not a day: the time-skipping server runs the 1,440 tries of a day back to back in
            # one `env.sleep`, a call the SDK gives up after 30 s ('Timeout expired', or the connection
            # dropped: 'h2 protocol error'); it took 22 s on an idle machine.
            await advance_to(env, handle, vn(1, hour=1))
            await handle.terminate()
    finally:
        smtp.close()
    subjects = [m.split(b"\n", 1)[0] for m in inbox.messages]
    assert len(inbox.messages) == 2, subjects  # a's assignment, and the office's notice about b
    with store.session() as session:
        statuses = dict(session.execute(select(Notification.recipient, Notification.status)).all())
    assert statuses == {"a": "sent", "b": "failed", "office": "sent"}
    with store.session() as session:
        failed = session.scalars(select(Notification).where(Notification.kind == "delivery_failed")).one()
    assert failed.address == "vanphong@example.org" and "Đoàn Sở B" in failed.body and "550" in failed.body
