"""The web app over a fresh store without Temporal (nothing such a test does reaches a workflow), with the
office's accounts; a link signed with another secret; a request body streamed in pieces."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx

from access.links import expiry, mint
from harness.temporal import migrated_store
from store.users import add_user
from tests.office_env import PASSWORD
from tests.portal_env import PORTAL_URL, portal_settings
from web.app import create_app

MiB = 1024 * 1024


async def no_temporal():
    raise AssertionError("this door should not reach Temporal")


class Doors:
    """The app over a fresh store, with the office's accounts vp (office), btv (committee) and cu (office)."""

    def __init__(self, folder: Path, **settings: object) -> None:
        self.store = migrated_store(f"sqlite:///{folder / f'doors-{uuid.uuid4().hex[:6]}.db'}")
        self.settings = portal_settings(folder, **settings)
        self.app = create_app(self.settings, self.store, no_temporal)
        with self.store.session() as session:
            for name, role in (("vp", "office"), ("btv", "committee"), ("cu", "office")):
                add_user(session, name, role, PASSWORD)

    def http(self, address: str = "203.0.113.7", base: str = PORTAL_URL) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url=base)


def bad_link(n: int) -> str:
    return mint("another-secret-Vn4Kx8Qz2Lm6Tr1Wy5", "c", f"u{n}", 1, expiry(datetime.now(UTC), 30))


class Body:
    """A streamed (chunked) request body of `total` bytes in 1 MiB pieces, counting what the app pulled."""

    def __init__(self, total: int, head: bytes = b"", tail: bytes = b"") -> None:
        self.total, self.head, self.tail, self.pulled = total, head, tail, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.head
        for _ in range(self.total // MiB):
            self.pulled += 1
            yield b"x" * MiB
        yield self.tail
