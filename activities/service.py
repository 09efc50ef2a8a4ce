"""Every activity of the service, bound to one database and one set of settings (for the worker)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.final_report import Publisher
from activities.notifications import Notifier
from activities.recording import Recorder
from settings import Settings
from store.database import Store


def service_activities(store: Store, settings: Settings) -> list[Callable[..., Any]]:
    """Every activity the workflows run, bound to one database and one set of settings."""
    notifier, recorder, publisher = Notifier(store, settings), Recorder(store), Publisher(store, settings.reports_dir)
    return [
        notifier.send_notice,
        notifier.send_notices,
        recorder.record_campaign,
        recorder.record_event,
        recorder.record_events,
        recorder.record_campaign_end,
        publisher.write_final_report,
    ]
