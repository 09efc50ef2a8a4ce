"""A local SMTP server (aiosmtpd) that keeps what it receives; it can be closed (connections refused)
and opened again on the same port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from harness.net import free_port


class Inbox:
    """An SMTP handler: refuses some addresses for good (550), others for now (451), keeps the rest."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted"

    def message_ids(self) -> list[str]:
        return [str(message_from_bytes(m, policy=policy.default)["Message-ID"]) for m in self.messages]


class MailServer:
    def __init__(self, inbox: Inbox | None = None, port: int | None = None) -> None:
        self.inbox, self.port = inbox or Inbox(), port or free_port()
        self.controller: Controller | None = None

    def open(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextmanager
def mail_server(inbox: Inbox | None = None) -> Iterator[MailServer]:
    server = MailServer(inbox)
    server.open()
    try:
        yield server
    finally:
        server.close()
