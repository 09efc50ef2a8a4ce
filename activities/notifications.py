"""Sending notices through the configured channels, each key taking effect once.

The notification row is claimed before sending and marked after. A retry finds
the row: sent or failed rows are skipped; a row left "sending" means the process
died between sending and marking, so this attempt may send a second copy, and
says so in the log.
"""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import activity

from activities.channels import (
    PermanentDeliveryError,
    TransientDeliveryError,
    address_for,
    deliver_email,
    deliver_log,
    deliver_webhook,
)
from activities.logs import activity_logger
from campaign.escape import first_line
from campaign.notices import Notice
from settings import Settings
from store.database import Store
from store.outbox import FAILED, RETRYING, SENDING, SENT, claim, finish


def unexpected(error: Exception) -> str:
    return f"lỗi không mong đợi khi gửi ({type(error).__name__}): {first_line(error)}"


class ChannelFailure(BaseModel):
    channel: str
    address: str | None
    error: str


class Delivery(BaseModel):
    sent: list[str] = []
    skipped: list[str] = []
    failed: list[ChannelFailure] = []


class Notifier:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def channels_for(self, notice: Notice) -> list[str]:
        """A unit's own channel in the directory wins over the default ones."""
        if notice.to is not None and notice.to.channel:
            return [notice.to.channel]
        return list(self.settings.channels)

    @activity.defn
    def send_notice(self, notice: Notice) -> Delivery:
        bound = activity_logger(
            "notifications",
            campaign_id=notice.campaign_id,
            activity_no=notice.activity_no,
            unit=notice.recipient,
            key=notice.key,
        )
        delivery = Delivery()
        for channel in self.channels_for(notice):
            address = address_for(channel, notice, self.settings)
            with self.store.session() as session:
                claimed = claim(session, notice, channel, address)
            if not claimed.go:
                bound.info("notice already handled", channel=channel, status=claimed.previous)
                delivery.skipped.append(channel)
                continue
            if claimed.previous == SENDING:
                bound.warning("notice may be sent twice: an earlier attempt stopped after sending", channel=channel)
            try:
                if channel == "email":
                    deliver_email(notice, address, self.settings)
                elif channel == "webhook":
                    deliver_webhook(notice, address, self.settings)
                deliver_log(notice, address, bound.bind(channel=channel))
            except TransientDeliveryError as exc:
                with self.store.session() as session:
                    finish(session, notice, channel, RETRYING, str(exc))
                bound.warning("notice delivery will be retried", channel=channel, error=str(exc))
                raise
            except Exception as exc:  # permanent, or unexpected: retrying the same notice cannot help
                error = str(exc) if isinstance(exc, PermanentDeliveryError) else unexpected(exc)
                with self.store.session() as session:
                    finish(session, notice, channel, FAILED, error)
                bound.error("notice could not be delivered", channel=channel, error=error)
                delivery.failed.append(ChannelFailure(channel=channel, address=address, error=error))
                continue
            with self.store.session() as session:
                finish(session, notice, channel, SENT)
            delivery.sent.append(channel)
        return delivery
