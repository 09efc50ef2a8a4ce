"""Structured logs (structlog): JSON in production, readable in a terminal.

The stdlib root handler formats through structlog's ProcessorFormatter, so the
workflow's replay-safe `workflow.logger` lines come out in the same format.
"""

from __future__ import annotations

import logging
import sys

import structlog

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(fmt: str = "console", level: str = "INFO") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def activity_logger(name: str, **ids: object) -> structlog.stdlib.BoundLogger:
    """A logger for the running activity: the given IDs plus its workflow, run and attempt."""
    from temporalio import activity

    info = activity.info()
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger.bind(**ids, workflow_id=info.workflow_id, run_id=info.workflow_run_id, attempt=info.attempt)
