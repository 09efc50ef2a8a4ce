"""Who is asking from where, and how often they may fail: the client address (decided once, from the
socket peer and the trusted proxies in PORTAL_TRUSTED_PROXY), per-address limits on failed link checks,
and the sign-in limits (a back-off per name and address, a ceiling per address).

The limits are moving windows of the `limits` library, in this process's memory: one portal process
counts its own requests (a restart forgets them, which only gives a guesser a fresh window).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from limits import RateLimitItem, parse, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from campaign.limits import MAX_ACCOUNT_NAME_CHARS

PEER = "doan.peer"  # scope key: the socket peer's address, before any proxy header is read
VIA_PROXY = "doan.via_proxy"  # scope key: True when the socket peer is a trusted proxy


class ClientAddress:
    """ASGI middleware deciding the client address in one place.

    A request whose socket peer is one of the trusted proxies has its client address (and scheme) taken
    from X-Forwarded-For / X-Forwarded-Proto by uvicorn's ProxyHeadersMiddleware (read right to left,
    skipping trusted hops); any other request keeps its socket peer, whatever headers it carries. The
    peer and whether it is a trusted proxy are kept in the scope for the single sign-on check.
    `proxies` is read on every request (a list of addresses or networks; empty: no proxy).
    """

    def __init__(self, app: ASGIApp, proxies: Callable[[], list[str]]) -> None:
        self.app = app
        self.proxies = proxies
        self._readers: dict[tuple[str, ...], Any] = {}  # ProxyHeadersMiddleware (uvicorn's own ASGI types)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        peer = scope["client"][0] if scope.get("client") else None
        scope[PEER] = peer
        proxies = tuple(self.proxies())
        if not proxies or peer is None:
            scope[VIA_PROXY] = False
            return await self.app(scope, receive, send)
        reader: Any = self._readers.get(proxies)
        if reader is None:
            reader = self._readers[proxies] = ProxyHeadersMiddleware(self.app, trusted_hosts=list(proxies))  # type: ignore[arg-type]
        scope[VIA_PROXY] = peer in reader.trusted_hosts
        await reader(scope, receive, send)


def client_address(connection: HTTPConnection) -> str:
    """The client's address as ClientAddress decided it (the only one any limit or log uses)."""
    return connection.client.host if connection.client else "?"


def through_trusted_proxy(connection: HTTPConnection) -> bool:
    """Whether the request's socket peer is a trusted proxy (so its identity header may be believed)."""
    return bool(connection.scope.get(VIA_PROXY))


class FailureLimit:
    """Failed link checks per address: `failures` within `window_seconds` and the address waits."""

    def __init__(self, failures: int = 20, window_seconds: int = 600) -> None:
        self.limit = parse(f"{failures}/{window_seconds} seconds")
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def blocked(self, address: str) -> bool:
        return not self._limiter.test(self.limit, "link", address)

    def failed(self, address: str) -> None:
        self._limiter.hit(self.limit, "link", address)


class SignInLimit:
    """Failed sign-ins: a stepped back-off per (name, address) and a ceiling per address.

    Five failures for one name from one address within a minute make that name wait there for the
    minute to pass; ten within 15 minutes, for the quarter hour; twenty within an hour, for the hour.
    Nobody else is locked out: the same name from another address signs in as usual. Thirty failures
    from one address within 10 minutes, whatever the names, stop that address for the rest of the window.
    """

    BACK_OFF: list[RateLimitItem] = parse_many("5/minute;10/15 minutes;20/hour")
    PER_ADDRESS: RateLimitItem = parse("30/10 minutes")
    MAX_NAMES = 10_000  # names remembered with the addresses they failed from (for `unlock`)

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._tried: dict[str, set[str]] = {}  # name → addresses it failed from within the last hour

    def waits_anywhere(self, name: str) -> bool:
        """Whether the name is waiting out a back-off from some address (the accounts page shows it locked)."""
        return any(self.name_waits(name, address) for address in self._tried.get(self._key(name), ()))

    def unlock(self, name: str) -> None:
        """An administrator ends the name's back-off from every address."""
        for address in self._tried.pop(self._key(name), set()):
            for step in self.BACK_OFF:
                self._limiter.clear(step, "sign-in", self._key(name), address)

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().casefold()[:MAX_ACCOUNT_NAME_CHARS]

    def address_blocked(self, address: str) -> bool:
        return not self._limiter.test(self.PER_ADDRESS, "sign-in", address)

    def name_waits(self, name: str, address: str) -> bool:
        return any(not self._limiter.test(step, "sign-in", self._key(name), address) for step in self.BACK_OFF)

    def failed(self, name: str, address: str) -> None:
        self._limiter.hit(self.PER_ADDRESS, "sign-in", address)
        if len(self._tried) >= self.MAX_NAMES:
            self._tried.clear()  # only `unlock` reads it; the windows themselves are kept by the limiter
        self._tried.setdefault(self._key(name), set()).add(address)
        for step in self.BACK_OFF:
            self._limiter.hit(step, "sign-in", self._key(name), address)

    def succeeded(self, name: str, address: str) -> None:
        for step in self.BACK_OFF:
            self._limiter.clear(step, "sign-in", self._key(name), address)
