"""Writing the campaign's facts to the system of record; every write is keyed and idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.contracts import SET_ASIDE, CampaignEnd, SetAside
from activities.logs import activity_logger
from campaign.escape import first_line
from campaign.facts import ActivityEvent, CampaignRecord
from store.database import Store
from store.failures import is_lasting
from store.writes import record_campaign, record_campaign_end, record_event, set_aside


class Recorder:
    def __init__(self, store: Store) -> None:
        self.store = store

    @activity.defn
    def record_campaign(self, record: CampaignRecord) -> None:
        with self.store.session() as session:
            record_campaign(session, record)
        log = activity_logger("records", campaign_id=record.campaign_id)
        log.info("campaign recorded", activities=len(record.activities))

    @activity.defn
    def record_event(self, event: ActivityEvent) -> bool:
        """Write `event`; one the database refuses for good is set aside and the workflow told (RecordSetAside)."""
        fresh = self._write(event)
        if isinstance(fresh, SetAside):
            raise ApplicationError(fresh.reason, type=SET_ASIDE, non_retryable=True)
        return fresh

    @activity.defn
    def record_events(self, events: list[ActivityEvent]) -> list[SetAside]:
        """Write a batch in order (each keyed, so a retried batch adds nothing twice); what the
        database refuses for good is set aside and returned, the rest is written."""
        kept: list[SetAside] = []
        for event in events:
            if isinstance(written := self._write(event), SetAside):
                kept.append(written)
            activity.heartbeat()
        return kept

    def _write(self, event: ActivityEvent) -> bool | SetAside:
        log = activity_logger(
            "records", campaign_id=event.campaign_id, activity_no=event.activity_no, unit=event.unit_code
        )
        try:
            with self.store.session() as session:
                fresh = record_event(session, event)
        except Exception as exc:
            if not is_lasting(exc):
                raise  # an outage: retried until the database answers
            reason = first_line(exc, 300)
            with self.store.session() as session:
                set_aside(session, event, reason, datetime.now(UTC))
            log.error("event set aside: the database refused it", kind=event.kind.value, key=event.key, error=reason)
            return SetAside(key=event.key, kind=event.kind.value, reason=reason)
        log.info("event recorded" if fresh else "event already recorded", kind=event.kind.value, key=event.key)
        return fresh

    @activity.defn
    def record_campaign_end(self, end: CampaignEnd) -> None:
        with self.store.session() as session:
            record_campaign_end(session, end.campaign_id, end.status, end.at)
        activity_logger("records", campaign_id=end.campaign_id).info("campaign ended", status=end.status)
