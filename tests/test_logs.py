"""The worker's logs: plain tracebacks without local variables, bounded values, written off the loop."""

from __future__ import annotations

import json
import logging

import structlog

from activities import logs


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
