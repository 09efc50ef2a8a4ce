"""Retry policies for activities: transient failures retry with backoff."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PermanentDeliveryError"],
)

# The store: retried until the database answers again (an outage loses nothing).
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
