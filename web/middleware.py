"""The app's outer layers, outermost first: security headers on every answer, the Host check
(Starlette's TrustedHostMiddleware), the client address (web.guard.ClientAddress), the credential
checked before a body is read, and the body cap enforced while the body streams.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import MutableHeaders
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts only from files the app serves (web/static: no inline script or handler runs, so markup
# injected into a page cannot run script); inline <style> stays allowed (the pages' own CSS). Nothing
# loads from another origin, no plugin runs, no <base> moves links, forms post only here, no site frames us.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The API's documentation pages (/docs, /redoc) start Swagger UI and ReDoc with an inline script of
# their own; they show no person's data.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a unit's link is a credential
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",  # unit and office pages, exports, API answers: nothing kept by a browser or proxy
}


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every answer (a header a route set itself is kept, e.g. a stricter CSP),
    and builds any absolute redirect from PORTAL_URL rather than from the request's Host."""

    def __init__(self, app: ASGIApp, portal_url: str) -> None:
        self.app = app
        parts = urlsplit(portal_url)
        self.origin = (parts.scheme, parts.netloc)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if scope["path"] in DOCS_PATHS:
                    headers.setdefault("Content-Security-Policy", DOCS_POLICY)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if 300 <= message["status"] < 400 and (location := headers.get("location")):
                    headers["location"] = self._own(location)
            await send(message)

        await self.app(scope, receive, with_headers)

    def _own(self, location: str) -> str:
        parts = urlsplit(location)
        if not parts.netloc:
            return location
        return urlunsplit((*self.origin, parts.path, parts.query, parts.fragment))


Refusal = Callable[[Request], Awaitable[Response | None]]

# What one request's credential check found (a unit's link: its campaign), kept while that request
# runs so that the route does not read the store again for the same check; None outside a request.
CHECKED: ContextVar[dict[str, object] | None] = ContextVar("checked", default=None)


class CredentialFirst:
    """Asks `check` about every request that may carry a body before any of it is read: a refusal
    (401/403/404/429) is answered at once, whatever the body is and however large."""

    def __init__(self, app: ASGIApp, check: Refusal) -> None:
        self.app = app
        self.check = check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            checked = CHECKED.set({})
            try:
                refusal = await self.check(Request(scope))
                if refusal is not None:
                    return await refusal(scope, receive, send)
                await self.app(scope, receive, send)
            finally:
                CHECKED.reset(checked)
            return
        await self.app(scope, receive, send)


class BodyCap:
    """Caps every request body while it streams, chunked ones included (Starlette's
    RequestBodyLimitMiddleware counts the bytes as they arrive), with the cap chosen by path.

    A body declared larger than its cap is answered by `too_large` before anything is read; one that
    grows past it raises Starlette's 413 HTTPException inside the route, which the app's handler words.
    """

    def __init__(
        self, app: ASGIApp, caps: list[tuple[str, int]], default: int, too_large: Callable[[Scope, int], Response]
    ) -> None:
        self.app = app
        self.caps = caps
        self.default = default
        self.too_large = too_large
        self._limited = {cap: RequestBodyLimitMiddleware(app, cap) for cap in {default, *(c for _, c in caps)}}

    def cap(self, path: str) -> int:
        return next((cap for prefix, cap in self.caps if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cap = self.cap(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > cap:
            return await self.too_large(scope, cap)(scope, receive, send)
        await self._limited[cap](scope, receive, send)
