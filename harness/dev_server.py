"""`starter.py dev-server` (the Temporal dev server with our search attributes) on free ports with
its SQLite file in a given folder; it can be killed (-9) and started again on the same file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.net import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent


class DevServer:
    def __init__(self, data: Path, env: dict[str, str], ui_port: int | None = None) -> None:
        self.data, self.env = data, env
        self.port, self.ui_port = free_port(), ui_port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.data / "dev-server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "starter.py", "dev-server", "--port", str(self.port), "--ui-port", str(self.ui_port),
             "--db", str(self.data / "temporal.db")],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        try:
            wait_for_port(self.port, timeout=120)
        except TimeoutError:
            tail = (self.data / "dev-server.log").read_text(errors="replace")[-2000:]
            raise TimeoutError(f"the dev server did not open {self.port}; its log ends:\n{tail}") from None
        wait_until_serving(self.address)

    def kill(self) -> None:
        """kill -9 of the server process itself (`starter.py dev-server` becomes it)."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@contextmanager
def dev_server(data: Path, env: dict[str, str], ui_port: int | None = None) -> Iterator[str]:
    """A dev server while the block runs; yields its address."""
    server = DevServer(data, env, ui_port)
    server.start()
    try:
        yield server.address
    finally:
        server.stop()


def wait_until_serving(address: str, seconds: float = 60) -> None:
    """Until the frontend says it is healthy: its port opens a moment before it serves
    ("Frontend is not healthy yet" to a client that connects in between)."""
    from cli.dev_server import temporal_cli

    deadline = time.monotonic() + seconds
    while True:
        check = subprocess.run([str(temporal_cli()), "operator", "cluster", "health", "--address", address],
                               capture_output=True, text=True, timeout=30)  # fmt: skip
        if check.returncode == 0 and "SERVING" in check.stdout.upper():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the dev server at {address} never said it was healthy: {check.stdout}{check.stderr}")
        time.sleep(0.2)
