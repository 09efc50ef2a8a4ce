"""Structured logs (structlog) for every process (the worker, the portal, the CLI's long commands, the demo,
the benchmarks): JSON in production (LOG_FORMAT=json), readable in a terminal.

The stdlib root handler formats through structlog's ProcessorFormatter, so the
workflow's replay-safe `workflow.logger` lines come out in the same format.

Logging never holds the worker's event loop: records go into a bounded queue and a
thread formats and writes them (a full queue drops lines and counts them, rather than
wait on a slow terminal or pipe); tracebacks are plain text without local variables,
and every value is cut to MAX_VALUE characters.
"""

from __future__ import annotations

import atexit
import logging
import logging.handlers
import queue
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

MAX_VALUE = 4000  # characters per logged value (a traceback, a notice's body)
QUEUE_LINES = 10_000

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def bounded(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in event.items():
        if isinstance(value, str) and len(value) > MAX_VALUE:
            event[key] = value[:MAX_VALUE] + f"… (cắt, {len(value)} ký tự)"
    return event


class DroppingQueueHandler(logging.handlers.QueueHandler):
    """Hands records to the writer thread as they are (formatting happens there); drops when full."""

    dropped = 0

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            DroppingQueueHandler.dropped += 1


_listener: logging.handlers.QueueListener | None = None


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    """Route structlog and the stdlib root logger through one writer thread; `fmt` "json" or "console"."""
    global _listener
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    # Tracebacks become text where the exception is (the writer thread has none), and without locals.
    tracebacks = structlog.processors.format_exc_info
    structlog.configure(
        processors=[*_SHARED, tracebacks, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    writer = logging.StreamHandler(sys.stderr)
    writer.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, tracebacks, bounded, renderer],
            foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        )
    )
    if _listener is not None:
        _listener.stop()
    lines: queue.Queue[logging.LogRecord] = queue.Queue(QUEUE_LINES)
    _listener = logging.handlers.QueueListener(lines, writer, respect_handler_level=False)
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [DroppingQueueHandler(lines)]
    root.setLevel(level.upper())


@atexit.register
def _flush_logs() -> None:
    """What is queued is written before the process ends."""
    if _listener is not None:
        _listener.stop()
