"""Delivery channels: log, email (SMTP) and webhook (HTTP POST signed with HMAC-SHA256).

A channel raises TransientDeliveryError for what may work on a retry (connection
refused, 4xx SMTP replies, HTTP 5xx) and PermanentDeliveryError for what will not
(a refused address, HTTP 4xx, missing settings).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

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


def message_id(key: str, sender: str) -> str:
    """The same for every copy of one notice, so a mailbox can drop the copy a crash between sending
    and marking may produce."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "doan-khoi.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{one_line(domain)}>"


def email_message(notice: Notice, address: str, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = one_line(notice.subject)
    message["From"] = one_line(settings.smtp_from)
    message["To"] = formataddr((one_line(notice.to.name), one_line(address))) if notice.to else one_line(address)
    message["Message-ID"] = message_id(notice.key, settings.smtp_from)
    message["X-Campaign-Key"] = one_line(notice.key)
    message.set_content(notice.body, charset="utf-8")
    return message


class Outlets:
    """Connections shared by a batch of notices: one SMTP session, one HTTP client, opened when first
    needed; an SMTP session that failed is dropped and the next message opens a new one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._http: httpx.Client | None = None

    def __enter__(self) -> Outlets:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None
        if self._http is not None:
            self._http.close()
            self._http = None

    def smtp(self) -> smtplib.SMTP:
        if self._smtp is None:
            settings = self.settings
            context = ssl.create_default_context(cafile=settings.smtp_ca_file)
            if settings.smtp_security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
            try:
                if settings.smtp_security == "starttls":
                    smtp.starttls(context=context)
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def send_mail(self, message: EmailMessage) -> None:
        try:
            self.smtp().send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise  # the session is still good: only this address was refused
        except BaseException:
            if self._smtp is not None:
                self._smtp.close()
                self._smtp = None
            raise

    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=15)
        return self._http


def deliver_email(notice: Notice, address: str | None, settings: Settings, outlets: Outlets | None = None) -> None:
    if not address:
        raise PermanentDeliveryError("đơn vị không có địa chỉ e-mail trong danh bạ")
    message = email_message(notice, address, settings)
    own = outlets is None
    outlets = outlets or Outlets(settings)
    try:
        outlets.send_mail(message)
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
    finally:
        if own:
            outlets.close()


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


def deliver_webhook(notice: Notice, address: str | None, settings: Settings, outlets: Outlets | None = None) -> None:
    if not address:
        raise PermanentDeliveryError("chưa cấu hình WEBHOOK_URL hay webhook_url của đơn vị")
    body = webhook_body(notice)
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": notice.key}
    if settings.webhook_secret:
        headers[SIGNATURE_HEADER] = signature(body, settings.webhook_secret)
    shown = redacted_url(address)  # credentials in the URL stay in settings, never in errors or logs
    try:
        if outlets is None:
            response = httpx.post(address, content=body, headers=headers, timeout=15)
        else:
            response = outlets.http().post(address, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise TransientDeliveryError(f"webhook {shown} không phản hồi: {type(exc).__name__}") from None
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientDeliveryError(f"webhook {shown} trả lỗi {response.status_code}")
    if response.status_code >= 400:
        raise PermanentDeliveryError(f"webhook {shown} từ chối ({response.status_code}): {response.text[:200]}")
