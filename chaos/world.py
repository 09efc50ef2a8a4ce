"""One stack for a chaos run: a private PostgreSQL, a local SMTP server, the Temporal dev server on
its SQLite file and worker processes, each of which can be killed, stopped and started again."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from temporalio.client import Client

from access.payloads import data_converter
from harness.dev_server import DevServer
from harness.inbox import MailServer
from harness.postgres import PrivatePostgres, postgres_binaries
from harness.waiting import poll

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "chaos"


class World:
    def __init__(self, name: str, folder: Path) -> None:
        binaries = postgres_binaries()
        if binaries is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.name, self.folder = name, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.postgres = PrivatePostgres(binaries)
        self.mail = MailServer()
        self.server = DevServer(folder, dict(os.environ))
        self.workers: list[subprocess.Popen[bytes]] = []
        self.database = ""
        self.client: Client | None = None

    def up(self) -> None:
        self.postgres.create()
        self.postgres.start()
        engine = create_engine(self.postgres.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("CREATE DATABASE campaign"))
        engine.dispose()
        self.database = self.postgres.url.rsplit("/", 1)[0] + "/campaign"
        self.mail.open()
        self.server.start()

    def worker_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TEMPORAL_ADDRESS": self.server.address,
            "TEMPORAL_TASK_QUEUE": QUEUE,
            "DATABASE_URL": self.database,
            "NOTIFY_CHANNELS": "email",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.mail.port),
            "SMTP_TIMEOUT": "5",
            "REPORTS_DIR": str(self.folder / "reports"),
            "LOG_FORMAT": "json",
            "WORKER_STICKY_TIMEOUT": "1",  # a killed worker's workflows move to the new one at once
            "HEALTH_BIND": "",
            "METRICS_BIND": "",
        }

    def start_worker(self) -> None:
        log = (self.folder / "worker.log").open("ab")
        self.workers.append(
            subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=self.worker_env(), stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
        )  # fmt: skip

    def kill_worker(self) -> None:
        """kill -9 the running worker and start another in its place; returns once it polls."""
        started = self.workers_started()
        for worker in self.workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)
        self.start_worker()
        with contextlib.suppress(TimeoutError):  # a worker slow to say so is seen by the run's checks
            poll(lambda: self.workers_started() != started, timeout=60, every=0.1)

    def workers_started(self) -> int:
        log = self.folder / "worker.log"
        return log.read_text(encoding="utf-8", errors="replace").count('"worker started"') if log.exists() else 0

    def kill_server(self, down_for: float) -> None:
        """kill -9 the Temporal server, then start it again on the same file and port."""
        self.server.kill()
        time.sleep(down_for)
        self.server.start()

    async def connect(self) -> Client:
        self.client = await Client.connect(self.server.address, data_converter=data_converter())
        return self.client

    def down(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.server.stop()
        self.mail.close()
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.postgres.stop()
        self.postgres.remove()
