"""A worker killed (-9) in the middle of sending a batch of notices: another worker sends them soon
after (the batch's heartbeat stops), not when the batch's start-to-close time-out runs out."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from datetime import UTC, datetime

from access.payloads import data_converter
from campaign.units import Unit
from harness.dev_server import dev_server
from harness.inbox import mail_server
from harness.paths import ROOT
from harness.waiting import poll
from tests.helpers import OFFICE, start


class Now:
    """What tests.helpers.start asks of an environment, on the dev server's real clock."""

    def __init__(self, client) -> None:
        self.client = client

    async def get_current_time(self) -> datetime:
        return datetime.now(UTC)


def test_a_batch_cut_off_by_a_crash_is_sent_by_the_next_worker(tmp_path) -> None:
    import asyncio

    from temporalio.client import Client

    queue = f"crash-{uuid.uuid4().hex[:6]}"
    silent = socket.socket()  # a mail server that accepts the connection and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    env = {**os.environ, "TEMPORAL_TASK_QUEUE": queue, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
           "NOTIFY_CHANNELS": "email", "SMTP_HOST": "127.0.0.1", "HEALTH_BIND": "", "METRICS_BIND": "",
           "WORKER_STICKY_TIMEOUT": "1", "LOG_FORMAT": "json"}  # fmt: skip
    with dev_server(tmp_path, env) as address, mail_server() as inbox:
        env["TEMPORAL_ADDRESS"] = address
        stuck_log = (tmp_path / "stuck.log").open("w")
        hanging = {**env, "SMTP_PORT": str(silent.getsockname()[1]), "SMTP_TIMEOUT": "600"}
        stuck = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, stdout=stuck_log, stderr=subprocess.STDOUT,
                                 env=hanging)  # fmt: skip

        async def begin() -> None:
            client = await Client.connect(address, data_converter=data_converter())
            units = [Unit(code="a", name="Đoàn Sở A", email="a@example.org")]
            await start(Now(client), queue, units=units, office=OFFICE, campaign_id=f"crash-{uuid.uuid4().hex[:6]}")

        following = None
        try:
            asyncio.run(begin())
            silent.settimeout(90)
            held, _ = silent.accept()  # the batch is on the wire, waiting for a greeting
            stuck.kill()
            stuck.wait(timeout=30)
            log = (tmp_path / "next.log").open("w")
            working = {**env, "SMTP_PORT": str(inbox.port)}
            following = subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, stdout=log,
                                         stderr=subprocess.STDOUT, env=working)  # fmt: skip
            # well before the batch's 10-minute start-to-close time-out
            poll(lambda: inbox.inbox.messages, timeout=180, every=1)
            held.close()
        finally:
            for worker in (stuck, following):
                if worker is not None and worker.poll() is None:
                    worker.kill()
                    worker.wait(timeout=30)
            stuck_log.close()
            silent.close()
    assert b"a@example.org" in inbox.inbox.messages[0]
