"""Side effects an activity workflow hands out in batches and does not wait for.

Facts for the store go in one `record_events` activity per flush; notices in
`send_notices` activities of up to NOTICE_BATCH each. Neither holds the workflow's
loop: a mail server that is down delays only the notices waiting for it, while
reminders, escalations and the UI keep their time. What comes back (a notice that
could not be delivered, a fact the database refused for good) becomes a notice to
the office.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.contracts import RECORD_EVENTS, SEND_NOTICES, ChannelFailure, Delivery, SetAside
    from campaign.facts import ActivityEvent
    from campaign.notices import Notice
    from campaign.tracker import ActionKind
    from workflows.retry import NOTIFY_RETRY, RECORD_RETRY

NOTICE_BATCH = 50  # notices per activity: one SMTP session, well under the payload limit
EVENT_BATCH = 200  # facts per activity
# Both batch activities heartbeat after each item: a worker killed in the middle of one is noticed
# within this, not at the start-to-close time-out, and the batch goes to another worker.
HEARTBEAT = timedelta(seconds=60)


class Dispatch:
    def __init__(self) -> None:
        self.events: list[ActivityEvent] = []  # waiting for the next flush
        self.notices: list[Notice] = []  # waiting to be sent
        self.recording: list[tuple[workflow.ActivityHandle[list[SetAside]], list[ActivityEvent]]] = []
        self.sending: list[tuple[workflow.ActivityHandle[list[Delivery]], list[Notice]]] = []

    def flush_records(self) -> None:
        for start in range(0, len(self.events), EVENT_BATCH):
            batch = self.events[start : start + EVENT_BATCH]
            handle = workflow.start_activity(
                RECORD_EVENTS,
                batch,
                result_type=list[SetAside],
                start_to_close_timeout=timedelta(minutes=2),
                heartbeat_timeout=HEARTBEAT,
                retry_policy=RECORD_RETRY,
                summary=f"ghi {len(batch)} sự kiện",
            )
            self.recording.append((handle, batch))
        self.events = []

    def send_notices(self) -> None:
        for start in range(0, len(self.notices), NOTICE_BATCH):
            batch = self.notices[start : start + NOTICE_BATCH]
            handle = workflow.start_activity(
                SEND_NOTICES,
                batch,
                result_type=list[Delivery],
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=HEARTBEAT,
                retry_policy=NOTIFY_RETRY,
                summary=(batch[0].subject if len(batch) == 1 else f"{len(batch)} thông báo: {batch[0].subject}")[:200],
            )
            self.sending.append((handle, batch))
        self.notices = []

    def finished_any(self) -> bool:
        return any(h.done() for h, _ in self.recording) or any(h.done() for h, _ in self.sending)

    @property
    def records_written(self) -> bool:
        """Every fact batch handed out has finished (those waiting for the next flush aside)."""
        return all(h.done() for h, _ in self.recording)

    @property
    def idle(self) -> bool:
        return not (self.events or self.notices or self.recording or self.sending)

    def collect(self) -> tuple[list[tuple[Notice, list[str]]], list[SetAside]]:
        """What finished: notices that failed on some channel (with the reasons), facts set aside."""
        undelivered: list[tuple[Notice, list[str]]] = []
        set_aside: list[SetAside] = []
        still_sending = []
        for handle, batch in self.sending:
            if not handle.done():
                still_sending.append((handle, batch))
            elif (error := handle.exception()) is not None:  # not retried further: nothing more to learn
                workflow.logger.error("notice batch gave up", extra={"error": str(error), "key": batch[0].key})
            else:
                for notice, delivery in zip(batch, handle.result(), strict=False):
                    if delivery.failed and notice.kind is not ActionKind.DELIVERY_FAILED:
                        undelivered.append((notice, [channel_failure(f) for f in delivery.failed]))
        self.sending = still_sending
        still_recording = []
        for recorded, events in self.recording:
            if not recorded.done():
                still_recording.append((recorded, events))
            elif (error := recorded.exception()) is not None:
                workflow.logger.error("record batch gave up", extra={"error": str(error)})
            else:
                set_aside += recorded.result()
        self.recording = still_recording
        return undelivered, set_aside

    async def all_done(self) -> None:
        """Hand out everything waiting, then wait until that is done (`collect` then says how it went);
        what is added meanwhile waits in the buffers."""
        self.flush_records()
        self.send_notices()
        recording, sending = [h for h, _ in self.recording], [h for h, _ in self.sending]
        await workflow.wait_condition(lambda: all(h.done() for h in recording) and all(h.done() for h in sending))

    async def notices_sent(self) -> None:
        """Wait for the notice batches already handed out (not for the facts, nor for notices waiting)."""
        sending = [h for h, _ in self.sending]
        await workflow.wait_condition(lambda: all(h.done() for h in sending))

    def handed_over(self) -> tuple[list[ActivityEvent], list[Notice]]:
        """What the next run hands out again when this one continues as new without waiting for the
        store: the fact batches still running, then what waits. The store keeps each fact once by its
        key, so a batch that finishes meanwhile writes nothing twice. Notices are not handed over while
        a batch of them runs (`notices_sent` first): a mail being sent must not be sent again."""
        if self.sending:
            raise RuntimeError("notice batches still running: wait with notices_sent() first")
        return [event for _, batch in self.recording for event in batch] + self.events, self.notices


def channel_failure(failure: ChannelFailure) -> str:
    return f"{failure.channel} ({failure.address or 'không có địa chỉ'}): {failure.error}"
