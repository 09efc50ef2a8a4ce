"""Sending notices through the configured channels, each key taking effect once.

The notification row is claimed before sending and marked after. A retry finds
the row: sent or failed rows are skipped; a row left "sending" means the process
died between sending and marking, so this attempt may send a second copy, and
says so in the log.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from temporalio import activity

from access.links import expiry, link_url, mint, secret_problem
from activities.channels import (
    Outlets,
    PermanentDeliveryError,
    TransientDeliveryError,
    address_for,
    deliver_email,
    deliver_log,
    deliver_webhook,
)
from activities.contracts import ChannelFailure, Delivery
from activities.logs import activity_logger
from campaign.escape import first_line, redacted_url
from campaign.notices import PERSONAL_LINK, Notice, late_line
from campaign.units import Unit
from settings import Settings
from store.database import Store
from store.directory import current_contacts
from store.links import link_version
from store.outbox import FAILED, RETRYING, SENDING, SENT, claim, finish

# A notice that leaves this long after its time says when it was due (a channel was down).
LATE_AFTER = timedelta(minutes=15)


def unexpected(error: Exception) -> str:
    return f"lỗi không mong đợi khi gửi ({type(error).__name__}): {first_line(error)}"


def notice_logger(notice: Notice) -> structlog.stdlib.BoundLogger:
    return activity_logger(
        "notifications",
        campaign_id=notice.campaign_id,
        activity_no=notice.activity_no,
        unit=notice.recipient,
        key=notice.key,
    )


class Notifier:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def current_contacts(self, notices: list[Notice]) -> dict[str, Unit]:
        """The recipients' rows in the store's directory now (one query for a batch); empty when the
        store keeps no directory (a deployment run from UNITS_FILE and the CLI only)."""
        with self.store.session() as session:
            return current_contacts(session, [n.to.code for n in notices if n.to is not None])

    @staticmethod
    def addressed_now(notice: Notice, contacts: dict[str, Unit]) -> Notice:
        """The notice to the unit's current e-mail, webhook and channel: the campaign's snapshot of the
        directory is from its start, and the office may have changed an address since."""
        now = contacts.get(notice.to.code) if notice.to is not None else None
        if notice.to is None or now is None:
            return notice
        update = {"email": now.email, "webhook_url": now.webhook_url, "channel": now.channel}
        return notice.model_copy(update={"to": notice.to.model_copy(update=update)})

    def channels_for(self, notice: Notice) -> list[str]:
        """A unit's own channel in the directory wins over the default ones."""
        if notice.to is not None and notice.to.channel:
            return [notice.to.channel]
        return list(self.settings.channels)

    def late_marked(self, notice: Notice, channel_down: bool) -> Notice:
        """A notice sent well after its time says when it was due (by the server's clock: this attempt's
        scheduled time, against the workflow's time when the notice was due), and blames the channel only
        when an earlier attempt on it failed (`channel_down`): a plan started after its dates, or a worker
        that was away, is no outage of the channel."""
        now = activity.info().current_attempt_scheduled_time if activity.in_activity() else datetime.now(UTC)
        if notice.due_at is None or now - notice.due_at < LATE_AFTER or not notice.due_shown:
            return notice
        return notice.model_copy(update={"body": f"{late_line(notice.due_shown, channel_down)}\n\n{notice.body}"})

    def link_text(self, notice: Notice) -> str:
        secret = self.settings.portal_secret
        if secret_problem(secret) or notice.link_until is None:
            return "(cổng trả lời chưa được cấu hình; đề nghị liên hệ Văn phòng Đoàn Khối)"
        with self.store.session() as session:
            version = link_version(session, notice.campaign_id, notice.recipient)
        until = expiry(notice.link_until, self.settings.portal_link_days)
        token = mint(secret or "", notice.campaign_id, notice.recipient, version, until)
        return link_url(self.settings.portal_url, token)

    @activity.defn
    def send_notice(self, notice: Notice) -> Delivery:
        return self.deliver(self.addressed_now(notice, self.current_contacts([notice])), notice_logger(notice))

    @activity.defn
    def send_notices(self, notices: list[Notice]) -> list[Delivery]:
        """A batch over shared connections (one SMTP session for all its e-mails). A notice whose channel
        is down does not hold the others back: they go, and the attempt then fails so that Temporal
        retries it; the retry finds the sent ones marked and sends only what is left."""
        deliveries: list[Delivery] = []
        waiting: list[str] = []
        contacts = self.current_contacts(notices)
        with Outlets(self.settings) as outlets:
            for notice in notices:
                try:
                    deliveries.append(
                        self.deliver(self.addressed_now(notice, contacts), notice_logger(notice), outlets)
                    )
                except TransientDeliveryError as exc:
                    waiting.append(str(exc))
                    deliveries.append(Delivery())
                activity.heartbeat(len(deliveries))
        if waiting:
            raise TransientDeliveryError(f"{len(waiting)}/{len(notices)} thông báo chưa gửi được: {waiting[0]}")
        return deliveries

    def deliver(self, notice: Notice, bound: structlog.stdlib.BoundLogger, outlets: Outlets | None = None) -> Delivery:
        """Send on every channel for the notice, each at most once per key (also used outside workflows).
        A channel that is down does not stop the others; its error is raised after them."""
        delivery = Delivery()
        channels = self.channels_for(notice)
        # the unit's link is read before any channel is claimed: a database that does not answer then
        # makes the attempt fail and be retried, not the notice be marked undeliverable
        # (the unit receives its signed link in place of PERSONAL_LINK; the stored row and the log keep
        # the placeholder: the link is a credential)
        needs_link = bool({"email", "webhook"} & set(channels)) and PERSONAL_LINK in notice.body
        link = self.link_text(notice) if needs_link else None
        waiting: TransientDeliveryError | None = None
        for channel in channels:
            address = address_for(channel, notice, self.settings)
            shown = redacted_url(address)  # what is stored, logged and reported: never a URL's credentials
            with self.store.session() as session:
                claimed = claim(session, notice, channel, shown)
            if not claimed.go:
                bound.info("notice already handled", channel=channel, status=claimed.previous)
                if claimed.previous == FAILED:  # an earlier attempt of a batch failed it for good
                    error = claimed.error or "không gửi được"
                    delivery.failed.append(ChannelFailure(channel=channel, address=shown, error=error))
                else:
                    delivery.skipped.append(channel)
                continue
            if claimed.previous == SENDING:
                bound.warning("notice may be sent twice: an earlier attempt stopped after sending", channel=channel)
            marked = self.late_marked(notice, channel_down=claimed.previous == RETRYING)
            personal = marked.model_copy(update={"body": marked.body.replace(PERSONAL_LINK, link)}) if link else marked
            try:
                if channel == "email":
                    deliver_email(personal, address, self.settings, outlets)
                elif channel == "webhook":
                    deliver_webhook(personal, address, self.settings, outlets)
                deliver_log(marked, shown, bound.bind(channel=channel))
            except TransientDeliveryError as exc:
                with self.store.session() as session:
                    finish(session, notice, channel, RETRYING, str(exc))
                bound.warning("notice delivery will be retried", channel=channel, error=str(exc))
                waiting = waiting or exc
                continue
            except Exception as exc:  # permanent, or unexpected: retrying the same notice cannot help
                error = str(exc) if isinstance(exc, PermanentDeliveryError) else unexpected(exc)
                with self.store.session() as session:
                    finish(session, notice, channel, FAILED, error)
                bound.error("notice could not be delivered", channel=channel, error=error)
                delivery.failed.append(ChannelFailure(channel=channel, address=shown, error=error))
                continue
            with self.store.session() as session:
                finish(session, notice, channel, SENT)
            delivery.sent.append(channel)
        if waiting is not None:
            raise waiting
        return delivery
