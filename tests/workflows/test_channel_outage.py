"""A mail server that is down delays only the e-mails: the activity keeps its time (phases,
escalations, records), and the held notices go out once it is back, saying when they were due."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest_asyncio
from sqlalchemy import select

from campaign.policy import Policy
from campaign.units import Unit
from harness.inbox import MailServer
from harness.net import free_port
from harness.temporal import migrated_store, time_skipping_env
from harness.waiting import eventually
from settings import Settings
from store.schema import AuditEntry, Notification
from tests.helpers import CLOCKS, advance_to, start, vn
from tests.temporal_env import worker
from workflows.activity import CampaignActivityWorkflow

UNITS = [Unit(code=c, name=f"Đoàn Sở {c.upper()}", email=f"{c}@example.org") for c in ("a", "b")]
# Everything within a few hours, so that the retries of the outage stay few.
QUICK = Policy(
    reminders_before_event=[], report_due=timedelta(0), report_reminders=[], escalate_after=timedelta(hours=1)
)


async def step_to(env, handle, moment) -> None:
    """Plan time to `moment` two hours at a time (one long skip over retrying activities times out)."""
    while True:
        now = CLOCKS[handle.id].plan_now(await env.get_current_time())
        if now >= moment:
            return
        await advance_to(env, handle, min(moment, now + timedelta(hours=2)))


@pytest_asyncio.fixture(loop_scope="session")
async def env():
    env = await time_skipping_env()
    yield env
    await env.shutdown()


async def test_a_mail_outage_holds_only_the_mail(env, tmp_path) -> None:
    port = free_port()  # nothing listens there yet: every connection is refused
    store = migrated_store(f"sqlite:///{tmp_path / 'o.db'}")
    settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port, reports_dir=tmp_path)
    async with worker(env.client, store, settings) as queue:
        handle = await start(env, queue, units=UNITS, origin=vn(11, hour=20), policy=QUICK)
        await step_to(env, handle, vn(12, hour=2))  # past the event and the first escalation (01:00 12/5)
        status = await handle.query(CampaignActivityWorkflow.status)
        assert status.phase.value == "ESCALATED" and status.escalations_sent == 1

        def phases() -> list[str]:
            with store.session() as session:
                return list(session.scalars(select(AuditEntry.action).where(AuditEntry.action == "phase")))

        assert len(await eventually(phases, lambda found: len(found) >= 3)) >= 3  # in event, collecting, escalated
        with store.session() as session:
            sent = session.scalars(select(Notification).where(Notification.status == "sent")).all()
        assert sent == []  # every e-mail is still waiting for the server

        smtp = MailServer(port=port)
        smtp.open()
        try:
            await step_to(env, handle, vn(12, hour=3))  # the retries find the server back
            mails = await eventually(lambda: list(smtp.inbox.messages), lambda found: len(found) >= 2, seconds=60)
        finally:
            smtp.close()
        await handle.terminate()
    subjects = [message_from_bytes(m, policy=policy.default) for m in mails]
    assignment = next(m for m in subjects if "Phân công" in m["Subject"])
    assert "lẽ ra được gửi lúc 20:00 11/05/2023" in assignment.get_content()
    assert sorted(m["To"].addresses[0].addr_spec for m in subjects) == ["a@example.org", "b@example.org"]
    assert len({m["Message-ID"] for m in subjects}) == 2  # each notice once
