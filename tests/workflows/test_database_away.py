"""Starting while the database does not answer: the worker runs workflows at once and brings the schema
up to date (letting its activities write) as soon as the database is back; the portal serves and says
the records are away."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import inspect
from temporalio.testing import ActivityEnvironment

from access.links import expiry, mint
from activities.notifications import Notifier
from campaign.notices import PERSONAL_LINK
from harness.inbox import Inbox
from harness.net import free_port, wait_for_port
from harness.paths import ROOT
from harness.postgres import postgres_binaries, running_postgres
from harness.waiting import until
from service.schema import upgrade_schema_until_done
from settings import Settings
from store.database import SchemaNotReady, Store, upgrade
from store.failures import is_lasting
from tests.helpers import notice, rows
from web.app import create_app

SECRET = "away-secret-Hq3Lz8Nw1Vx6Kp4Rt9Dm2Jc7Fb5Ys0G"


def test_a_store_not_yet_upgraded_opens_no_session_and_says_so_as_an_outage(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'w.db'}", ready=False)
    with pytest.raises(SchemaNotReady, match="chưa nâng cấp được cơ sở dữ liệu"):
        store.session().__enter__()
    assert not is_lasting(SchemaNotReady("x"))  # retried, never set aside as a bad value


@pytest.mark.skipif(postgres_binaries() is None, reason="PostgreSQL is not installed here; .ci/run installs it")
class FailedTries:
    """A logger that keeps the failed tries the upgrade reports."""

    def __init__(self) -> None:
        self.tries: list[dict[str, object]] = []

    def warning(self, event: str, **fields: object) -> None:
        self.tries.append({"event": event, **fields})


async def test_the_schema_is_upgraded_once_the_database_answers() -> None:
    with running_postgres() as server:
        server.stop()  # down when the worker starts
        store = Store(server.url, ready=False)
        log = FailedTries()
        upgrading = asyncio.create_task(upgrade_schema_until_done(store, log, most=0.5))  # type: ignore[arg-type]
        await until(lambda: len(log.tries) >= 2, seconds=60)
        assert not upgrading.done()  # tried, failed, trying again
        with pytest.raises(SchemaNotReady):
            store.session().__enter__()
        await asyncio.to_thread(server.start)
        await asyncio.wait_for(upgrading, timeout=60)
        assert inspect(store.engine).has_table("notifications")
        with store.session() as session:
            assert session.connection() is not None
        store.engine.dispose()


def test_a_link_that_cannot_be_read_yet_delays_the_notice_without_failing_it(tmp_path, smtp) -> None:
    inbox, port = smtp
    assert isinstance(inbox, Inbox)
    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(url)
    store = Store(url, ready=False)
    settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port,
                        portal_secret=SECRET, portal_url="https://cong.example")  # fmt: skip
    personal = notice().model_copy(update={"body": f"Trả lời tại {PERSONAL_LINK}", "link_until": datetime.now(UTC)})
    notifier = Notifier(store, settings)
    with pytest.raises(SchemaNotReady):
        ActivityEnvironment().run(notifier.send_notice, personal)
    store.mark_ready()
    assert rows(store) == [] and inbox.messages == []  # nothing claimed, nothing sent
    assert ActivityEnvironment().run(notifier.send_notice, personal).sent == ["email"]
    assert [r.status for r in rows(store)] == ["sent"] and b"https://cong.example/u/" in inbox.messages[0]


def test_processes_creating_the_schema_at_once_all_succeed(tmp_path) -> None:
    """The worker and the portal start together on a fresh database (as `make demo` does)."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    code = f"from service.schema import upgrade_schema; upgrade_schema({url!r})"
    racing = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.PIPE, text=True)
              for _ in range(6)]  # fmt: skip
    for process in racing:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    assert inspect(Store(url).engine).has_table("users")


@pytest.mark.parametrize("away", ["not yet upgraded", "gone after"])
async def test_the_portal_says_the_records_are_away_while_the_database_is(tmp_path, away) -> None:
    if away == "not yet upgraded":
        settings = Settings(portal_secret=SECRET, database_url=f"sqlite:///{tmp_path / 'p.db'}")
        records = Store(settings.database, ready=False)
    else:  # the database went away once the portal was serving: nothing listens at its address
        url = f"postgresql://postgres@127.0.0.1:{free_port()}/campaign"
        settings = Settings(portal_secret=SECRET, database_url=url)
        records = Store(url)
    app = create_app(settings, records, no_temporal)
    token = mint(SECRET, "chien-dich", "bhxh", 1, expiry(datetime.now(UTC), 30))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
        page = await http.get(f"/u/{token}")
        answer = await http.post("/api/v1/activities/7/ready", json={}, headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 503 and "tạm thời không truy cập được" in page.text
    assert answer.status_code == 503 and answer.json()["code"] == "records_unavailable"
    assert "những gì đã gửi trước đó vẫn được giữ nguyên" in answer.json()["message"]


async def no_temporal():
    raise AssertionError("the portal asked Temporal before checking the link in the records")


def test_serve_starts_while_the_database_is_away() -> None:
    port = free_port()
    env = {**os.environ, "PORTAL_SECRET": SECRET, "PORTAL_BIND": f"127.0.0.1:{port}",
           "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/nothing-listens"}  # fmt: skip
    serving = subprocess.Popen([sys.executable, "starter.py", "serve"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port)
        token = mint(SECRET, "chien-dich", "bhxh", 1, expiry(datetime.now(UTC), 30))
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        page = httpx.get(f"http://127.0.0.1:{port}/u/{token}")
        assert page.status_code == 503 and "tạm thời không truy cập được" in page.text
    finally:
        serving.terminate()
        serving.wait(timeout=30)
