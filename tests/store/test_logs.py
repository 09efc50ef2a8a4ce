"""The worker's logs: plain tracebacks without local variables, bounded values, written off the loop."""

from __future__ import annotations

import json
import logging

import structlog

from service import logs


def test_a_traceback_shows_no_locals_and_long_values_are_cut(capsys) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure_logging("json", "INFO")
        log = structlog.get_logger("test")

        def fail() -> None:
            secret_password = "mat-khau-bi-mat-123"  # noqa: F841 - a local a traceback with locals would show
            raise RuntimeError("hỏng")

        try:
            fail()
        except RuntimeError:
            log.exception("it failed", body="x" * (logs.MAX_VALUE * 3))
        assert logs._listener is not None
        logs._listener.stop()  # everything queued is written
        logs._listener = None
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "it failed" and "RuntimeError: hỏng" in line["exception"]
    assert "mat-khau-bi-mat-123" not in json.dumps(line)
    assert len(line["body"]) < logs.MAX_VALUE + 100 and "cắt" in line["body"]


def test_a_full_queue_drops_lines_instead_of_waiting() -> None:
    import queue

    handler = logs.DroppingQueueHandler(queue.Queue(1))
    before = logs.DroppingQueueHandler.dropped
    for _ in range(3):
        handler.emit(logging.LogRecord("t", logging.INFO, __file__, 1, "line", None, None))
    assert logs.DroppingQueueHandler.dropped - before == 2


def test_the_portal_logs_as_the_worker_does_json_when_log_format_says_so(tmp_path) -> None:
    """`starter.py serve` with LOG_FORMAT=json writes JSON lines, uvicorn's own among them (issue 22)."""
    import os
    import secrets
    import subprocess
    import sys

    from harness.net import free_port, wait_for_port
    from harness.paths import ROOT

    port = free_port()
    env = {**os.environ, "LOG_FORMAT": "json", "PORTAL_SECRET": secrets.token_urlsafe(48),
           "PORTAL_BIND": f"127.0.0.1:{port}", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}  # fmt: skip
    server = subprocess.Popen([sys.executable, "starter.py", "serve"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        wait_for_port(port)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any("Uvicorn running" in line["event"] for line in lines), err
    assert not [line for line in err.splitlines() if line.strip() and not line.startswith("{")], err
