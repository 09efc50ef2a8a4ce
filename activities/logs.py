"""The running activity's logger: its IDs bound (workflow, run, attempt); the format is set by
service.logs.configure_logging in the process that runs the worker."""

from __future__ import annotations

import structlog


def activity_logger(name: str, **ids: object) -> structlog.stdlib.BoundLogger:
    """A logger for the running activity: the given IDs plus its workflow, run and attempt."""
    from temporalio import activity

    info = activity.info()
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger.bind(**ids, workflow_id=info.workflow_id, run_id=info.workflow_run_id, attempt=info.attempt)
