"""Email against a real local SMTP server (aiosmtpd) and webhooks against a local HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import subprocess
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
import structlog.testing
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from temporalio.testing import ActivityEnvironment

from activities.channels import SIGNATURE_HEADER, TransientDeliveryError
from activities.notifications import Notifier
from harness.inbox import Inbox
from harness.net import free_port
from settings import Settings
from tests.helpers import BODY, SUBJECT, Hook, notice, rows


def test_email_arrives_intact_once_per_key(smtp, store) -> None:
    inbox, port = smtp
    settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port)
    notifier = Notifier(store, settings)
    env = ActivityEnvironment()
    first = env.run(notifier.send_notice, notice())
    again = env.run(notifier.send_notice, notice())  # the activity retried after the send
    assert (first.sent, again.skipped) == (["email"], ["email"])
    assert len(inbox.messages) == 1
    mail = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert mail["Subject"] == SUBJECT
    assert mail["To"].addresses[0].display_name == "Đoàn Sở Văn hóa và Thể thao"
    assert mail["From"].addresses[0].display_name == "Văn phòng Đoàn Khối"
    assert mail.get_content().strip() == BODY
    assert [(r.status, r.attempts, r.address) for r in rows(store)] == [("sent", 1, "so-vhtt@example.org")]


def test_email_refused_for_good_is_recorded_not_retried(smtp, store) -> None:
    inbox, port = smtp
    inbox.refuse["sai@example.org"] = "550 5.1.1 No such user"
    notifier = Notifier(store, Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port))
    delivery = ActivityEnvironment().run(notifier.send_notice, notice(email="sai@example.org"))
    assert [f.channel for f in delivery.failed] == ["email"] and "550" in delivery.failed[0].error
    assert inbox.messages == []
    assert [(r.status, r.attempts) for r in rows(store)] == [("failed", 1)]
    assert "từ chối" in (rows(store)[0].last_error or "")


def test_email_refused_for_now_is_retried(smtp, store) -> None:
    inbox, port = smtp
    inbox.refuse["so-vhtt@example.org"] = "451 4.3.0 Try again later"
    notifier = Notifier(store, Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port))
    with pytest.raises(TransientDeliveryError):
        ActivityEnvironment().run(notifier.send_notice, notice())
    assert [(r.status, r.attempts) for r in rows(store)] == [("retrying", 1)]
    del inbox.refuse["so-vhtt@example.org"]
    assert ActivityEnvironment().run(notifier.send_notice, notice()).sent == ["email"]
    assert len(inbox.messages) == 1 and [(r.status, r.attempts) for r in rows(store)] == [("sent", 2)]


def test_unreachable_smtp_server_is_transient(store) -> None:
    notifier = Notifier(store, Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=free_port()))
    with pytest.raises(TransientDeliveryError):
        ActivityEnvironment().run(notifier.send_notice, notice())


@pytest.fixture
def hook():
    hook = Hook()
    yield hook
    hook.server.shutdown()


def test_webhook_is_signed_and_retried_on_5xx(hook, store) -> None:
    settings = Settings(notify_channels="webhook", webhook_url=hook.url, webhook_secret="bí-mật")
    notifier = Notifier(store, settings)
    hook.statuses = [503]
    with pytest.raises(TransientDeliveryError):
        ActivityEnvironment().run(notifier.send_notice, notice())
    assert ActivityEnvironment().run(notifier.send_notice, notice()).sent == ["webhook"]
    assert ActivityEnvironment().run(notifier.send_notice, notice()).skipped == ["webhook"]
    assert len(hook.received) == 2
    headers, body = hook.received[-1]
    expected = "sha256=" + hmac.new("bí-mật".encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
    payload = json.loads(body)
    assert (payload["subject"], payload["kind"], payload["activity_no"]) == (SUBJECT, "report_reminder", 12)


def test_webhook_4xx_is_recorded_not_retried(hook, store) -> None:
    hook.statuses = [404]
    notifier = Notifier(store, Settings(notify_channels="webhook", webhook_url=hook.url))
    delivery = ActivityEnvironment().run(notifier.send_notice, notice())
    assert "404" in delivery.failed[0].error
    again = ActivityEnvironment().run(notifier.send_notice, notice())  # not sent again, still said to have failed
    assert (again.skipped, [f.error for f in again.failed]) == ([], [delivery.failed[0].error])
    assert len(hook.received) == 1 and [r.status for r in rows(store)] == ["failed"]


def test_a_units_own_channel_wins(hook, store) -> None:
    settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=free_port())
    own = notice()
    assert own.to is not None
    own = own.model_copy(update={"to": own.to.model_copy(update={"channel": "webhook", "webhook_url": hook.url})})
    assert ActivityEnvironment().run(Notifier(store, settings).send_notice, own).sent == ["webhook"]


def test_activity_log_lines_carry_every_identifier(store) -> None:
    notifier = Notifier(store, Settings(notify_channels="log"))
    with structlog.testing.capture_logs() as lines:
        ActivityEnvironment().run(notifier.send_notice, notice())
    sent = next(line for line in lines if line["event"] == "notice")
    assert sent["campaign_id"] == "54-kh" and sent["activity_no"] == 12 and sent["unit"] == "so-vhtt"
    assert {"workflow_id", "run_id", "attempt", "key", "subject", "body"} <= set(sent)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)  # fmt: skip
    return cert, key


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"vanphong", b"m4t-khau")
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535 itself


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_with_login(certificate, store, security) -> None:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    if security == "starttls":
        tls = {"tls_context": context, "require_starttls": True, "auth_require_tls": True}
    else:  # aiosmtpd does not count implicit TLS as TLS for auth_require_tls
        tls = {"ssl_context": context, "auth_require_tls": False}
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True,
                            **tls)  # fmt: skip
    controller.start()
    try:
        settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port, smtp_security=security,
                            smtp_username="vanphong", smtp_password="m4t-khau", smtp_ca_file=cert)  # fmt: skip
        assert ActivityEnvironment().run(Notifier(store, settings).send_notice, notice()).sent == ["email"]
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert message_from_bytes(inbox.messages[0], policy=policy.default)["Subject"] == SUBJECT


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_login_is_recorded_not_retried(store) -> None:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True,
                            auth_require_tls=False)  # fmt: skip
    controller.start()
    try:
        settings = Settings(notify_channels="email", smtp_host="127.0.0.1", smtp_port=port,
                            smtp_username="vanphong", smtp_password="sai")  # fmt: skip
        delivery = ActivityEnvironment().run(Notifier(store, settings).send_notice, notice())
    finally:
        controller.stop()
    assert "đăng nhập SMTP thất bại (535)" in delivery.failed[0].error and inbox.messages == []
    assert [r.status for r in rows(store)] == ["failed"]


def test_every_copy_of_a_notice_has_one_message_id(smtp, store) -> None:
    """A crash between sending and marking may send a copy; the same Message-ID lets a mailbox drop it."""
    from activities.channels import email_message

    settings = Settings(smtp_from="Văn phòng <vp@doankhoi.example>")
    ids = {email_message(notice(), "a@example.org", settings)["Message-ID"] for _ in range(2)}
    other = email_message(notice().model_copy(update={"key": "other"}), "a@example.org", settings)["Message-ID"]
    assert len(ids) == 1 and other not in ids and next(iter(ids)).endswith("@doankhoi.example>")


def test_a_notice_row_keeps_when_it_was_due(store) -> None:
    due = datetime(2024, 3, 5, 1, tzinfo=UTC)
    ActivityEnvironment().run(Notifier(store, Settings()).send_notice, notice().model_copy(update={"due_at": due}))
    [row] = rows(store)
    assert row.due_at is not None and row.due_at.replace(tzinfo=UTC) == due and row.status == "sent"
