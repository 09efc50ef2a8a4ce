"""Units' personal links as the office hands them out: the current link, and sending it again by e-mail."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from sqlalchemy.orm import Session

from access.links import expiry, link_url, mint, secret_problem
from campaign.clock import end_of_day
from campaign.notices import link_resent
from campaign.units import Unit
from service.updates import Refused
from settings import Settings
from store.database import Store
from store.links import link_version
from store.schema import Campaign


def current_link(session: Session, settings: Settings, campaign_id: str, unit_code: str) -> str:
    """The unit's link as the office hands it out now: the current version, valid `portal_link_days`
    after the campaign's window ends (or after today, when that is later or the campaign unrecorded)."""
    recorded = session.get(Campaign, campaign_id)
    now = datetime.now(UTC)
    end = max(end_of_day(recorded.window_end), now) if recorded else now
    version = link_version(session, campaign_id, unit_code)
    token = mint(settings.portal_secret or "", campaign_id, unit_code, version, expiry(end, settings.portal_link_days))
    return link_url(settings.portal_url, token)


async def resend_link(
    store: Store, settings: Settings, unit: Unit | None, code: str, campaign_id: str, sender: str,
    log: structlog.stdlib.BoundLogger,
) -> str:  # fmt: skip
    """E-mail `unit` (the directory's entry for `code`, None when it has none) its current link of the
    campaign; the sentence to show, or Refused saying why not (no PORTAL_SECRET 503, no e-mail address 422,
    no such campaign 404, the mail server away 503 or refusing 422). `sender` goes into the audit trail."""
    if secret_problem(settings.portal_secret):
        raise Refused(503, "unavailable", "Cổng trả lời chưa được cấu hình (PORTAL_SECRET); chưa gửi được.")
    if unit is None or not unit.email:
        name = unit.name if unit else code
        raise Refused(422, "rejected", f"Danh bạ không có địa chỉ e-mail của {name}.")
    now = datetime.now(UTC)
    with store.session() as session:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise Refused(404, "not_found", f"Không có chiến dịch {campaign_id}.")
        version = link_version(session, campaign_id, code)
        until = max(end_of_day(campaign.window_end), now)
        title = campaign.title
    email_only = unit.model_copy(update={"channel": "email"})
    notice = link_resent(campaign_id, title, email_only, version, now, until, sender)
    from activities.notifications import Notifier  # the mail stack loads only when a link is resent

    bound = log.bind(campaign_id=campaign_id, unit=code, key=notice.key, by=sender)
    try:
        delivery = await asyncio.to_thread(Notifier(store, settings).deliver, notice, bound)
    except Exception as exc:  # a refused connection or a server that answers later
        bound.warning("link not resent", error=str(exc))  # the server's address and reason: in the log only
        said = (f"Chưa gửi được e-mail tới {unit.email}: máy chủ thư chưa nhận thư (không kết nối được "
                "hoặc tạm từ chối). Đề nghị thử lại sau; nếu vẫn không được, báo bộ phận kỹ thuật.")  # fmt: skip
        raise Refused(503, "unavailable", said) from None
    if not delivery.sent:
        reason = "; ".join(f.error for f in delivery.failed) or "không rõ lý do"
        raise Refused(422, "rejected", f"Không gửi được e-mail tới {unit.email}: {reason}.")
    expires = expiry(until, settings.portal_link_days)
    return f"Đã gửi lại liên kết của {unit.name} tới {unit.email} (dùng được đến {expires:%d/%m/%Y})."
