"""Delivery channels: log, email (SMTP) and webhook (HTTP POST signed with HMAC-SHA256).

A channel raises TransientDeliveryError for what may work on a retry (connection
refused, 4xx SMTP replies, HTTP 5xx) and PermanentDeliveryError for what will not
(a refused address, HTTP 4xx, missing settings).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import httpx
import structlog

from campaign.escape import one_line, redacted_url
from campaign.notices import Notice
from settings import Settings

SIGNATURE_HEADER = "X-Signature-SHA256"


class TransientDeliveryError(Exception):
    pass


class PermanentDeliveryError(Exception):
    pass


def address_for(channel: str, notice: Notice, settings: Settings) -> str | None:
    """Where `notice` goes on `channel`: the unit's webhook or the default one, else its e-mail."""
    unit = notice.to
    if channel == "webhook":
        return (unit.webhook_url if unit else None) or settings.webhook_url
    return unit.email if unit else None


def deliver_log(notice: Notice, address: str | None, log: structlog.stdlib.BoundLogger) -> None:
    log.info("notice", kind=notice.kind.value, to=address, subject=notice.subject, body=notice.body)


def email_message(notice: Notice, address: str, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = one_line(notice.subject)
    message["From"] = one_line(settings.smtp_from)
    message["To"] = formataddr((one_line(notice.to.name), one_line(address))) if notice.to else one_line(address)
    message["Message-ID"] = make_msgid(idstring=hashlib.sha256(notice.key.encode()).hexdigest()[:16])
    message["X-Campaign-Key"] = one_line(notice.key)
    message.set_content(notice.body, charset="utf-8")
    return message


def deliver_email(notice: Notice, address: str | None, settings: Settings) -> None:
    if not address:
        raise PermanentDeliveryError("đơn vị không có địa chỉ e-mail trong danh bạ")
    message = email_message(notice, address, settings)
    context = ssl.create_default_context(cafile=settings.smtp_ca_file)
    try:
        if settings.smtp_security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
        with smtp:
            if settings.smtp_security == "starttls":
                smtp.starttls(context=context)
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(code >= 500 for code in codes):
            raise PermanentDeliveryError(f"máy chủ thư từ chối địa chỉ {address}: {codes}") from None
        raise TransientDeliveryError(f"máy chủ thư tạm từ chối {address}: {codes}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise PermanentDeliveryError(f"đăng nhập SMTP thất bại ({exc.smtp_code})") from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        if exc.smtp_code >= 500:
            raise PermanentDeliveryError(f"máy chủ thư từ chối thư ({exc.smtp_code}): {exc.smtp_error!r}") from None
        raise TransientDeliveryError(f"máy chủ thư tạm từ chối ({exc.smtp_code})") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientDeliveryError(
            f"không gửi được thư qua {settings.smtp_host}:{settings.smtp_port}: {exc}"
        ) from None


def webhook_body(notice: Notice) -> bytes:
    payload = {
        "key": notice.key,
        "kind": notice.kind.value,
        "campaign_id": notice.campaign_id,
        "activity_no": notice.activity_no,
        "recipient": notice.recipient,
        "units": notice.units,
        "subject": notice.subject,
        "body": notice.body,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def deliver_webhook(notice: Notice, address: str | None, settings: Settings) -> None:
    if not address:
        raise PermanentDeliveryError("chưa cấu hình WEBHOOK_URL hay webhook_url của đơn vị")
    body = webhook_body(notice)
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": notice.key}
    if settings.webhook_secret:
        headers[SIGNATURE_HEADER] = signature(body, settings.webhook_secret)
    shown = redacted_url(address)  # credentials in the URL stay in settings, never in errors or logs
    try:
        response = httpx.post(address, content=body, headers=headers, timeout=15)
    except httpx.HTTPError as exc:
        raise TransientDeliveryError(f"webhook {shown} không phản hồi: {type(exc).__name__}") from None
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientDeliveryError(f"webhook {shown} trả lỗi {response.status_code}")
    if response.status_code >= 400:
        raise PermanentDeliveryError(f"webhook {shown} từ chối ({response.status_code}): {response.text[:200]}")
