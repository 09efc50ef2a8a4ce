"""What every office page needs: settings, the store, the Temporal client, the templates, the role check
and the unit directory the office chooses units from; and who is signed in (Gate).

A person signs in with a name and password (argon2; failures limited per name and address, and per
address, by web.guard.SignInLimit); the session is a server-side row (store.users) whose random token the
browser keeps in a signed, HttpOnly, SameSite cookie (Secure when PORTAL_URL is https), so signing out,
a password change and disabling end it at once. Behind a single sign-on proxy, the identity header is
believed only on requests whose socket peer is a trusted proxy (web.guard.ClientAddress).
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from temporalio.client import Client

from access.roles import ROLE_WORDS, Permission, may
from campaign.units import Unit, UnitDirectory, UnitKind
from service.directory import DirectoryInUse
from service.updates import Refused
from settings import Settings
from store.database import Store
from store.directory import StoredDirectory
from store.users import SESSION_LENGTH, AccountError, Person, end_session, open_session, session_person, sign_in
from web.guard import SignInLimit, client_address, through_trusted_proxy

SESSION_COOKIE = "doan_session"
LOG = structlog.get_logger("office")


@dataclass(frozen=True)
class Signed:
    person: Person
    csrf: str


class Allowed(Protocol):
    def __call__(self, request: Request, permission: Permission, csrf: str | None = None) -> Signed: ...


class Gate:
    """Who is signed in, whether they may do something, and signing in and out."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.cookies = URLSafeTimedSerializer(settings.portal_secret or "", salt="office-session")
        self.limits = SignInLimit()
        self.secure = settings.portal_url.startswith("https://")

    def from_proxy(self, request: HTTPConnection) -> Signed | None:
        """Single sign-on: the identity a trusted reverse proxy vouches for, mapped to a role by settings."""
        if not through_trusted_proxy(request):
            return None
        name = request.headers.get(self.settings.portal_proxy_user_header, "").strip()
        role = self.settings.proxy_roles.get(name)
        if not name or role is None:
            return None
        # The proxy authenticates every request; the CSRF token is still per person, stable and secret.
        secret = (self.settings.portal_secret or "").encode()
        csrf = hmac.new(secret, f"sso-csrf/{name}".encode(), "sha256").hexdigest()
        return Signed(Person(name, role), csrf[:32])

    def token(self, request: HTTPConnection) -> str | None:
        """The session token this browser's cookie carries (None without a valid cookie)."""
        return self._token(request)

    def _token(self, request: HTTPConnection) -> str | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self.cookies.loads(raw, max_age=int(SESSION_LENGTH.total_seconds()))
        except BadSignature:
            return None
        token = data.get("sid") if isinstance(data, dict) else None
        return token if isinstance(token, str) else None

    def signed(self, request: HTTPConnection) -> Signed | None:
        if (sso := self.from_proxy(request)) is not None:
            return sso
        token = self._token(request)
        if token is None:
            return None
        with self.store.session() as session:
            found = session_person(session, token)
        return Signed(found.person, found.csrf) if found else None

    def allowed(self, request: Request, permission: Permission, csrf: str | None = None) -> Signed:
        """The signed-in person when their role may do `permission` (and the form's CSRF token holds)."""
        who = self.signed(request)
        if who is None:
            raise Refused(401, "unauthorized", "Cần đăng nhập (Văn phòng, Ban Thường vụ hoặc Quản trị).")
        if not may(who.person.role, permission):
            role = ROLE_WORDS.get(who.person.role, who.person.role)  # type: ignore[call-overload]
            raise Refused(403, "forbidden", f"Vai trò {role} không được làm việc này.")
        if csrf is not None and not secrets.compare_digest(csrf, who.csrf):
            raise Refused(403, "csrf", "Biểu mẫu đã cũ hoặc không hợp lệ. Đề nghị tải lại trang và gửi lại.")
        return who

    def sign_in(self, request: Request, name: str, password: str) -> tuple[Person | None, int]:
        """The person and the session cookie's value, or None and the status to answer with (401, or 429
        when the address has failed too often); every failure reads SIGN_IN_REFUSED."""
        address = client_address(request)
        if self.limits.address_blocked(address):
            return None, 429
        if self.limits.name_waits(name, address):
            self.limits.failed(name, address)
            return None, 401
        with self.store.session() as session:
            try:
                person = sign_in(session, name, password)
            except AccountError:
                person = None
        if person is None:
            self.limits.failed(name, address)
            return None, 401
        self.limits.succeeded(name, address)
        return person, 200

    def open(self, response: Response, person: Person) -> None:
        """A new server-side session for `person`, its token in the response's cookie."""
        with self.store.session() as session:
            opened = open_session(session, person)
        cookie = self.cookies.dumps({"sid": opened.token})
        response.set_cookie(SESSION_COOKIE, cookie, max_age=int(SESSION_LENGTH.total_seconds()), httponly=True,
                            samesite="lax", secure=self.secure)  # fmt: skip

    def close(self, request: Request, response: Response) -> None:
        """Signing out: this browser's session ends on the server, and its cookie goes."""
        if (token := self._token(request)) is not None:
            with self.store.session() as session:
                end_session(session, token)
        response.delete_cookie(SESSION_COOKIE)


@dataclass
class Door:
    settings: Settings
    store: Store
    client: Callable[[], Awaitable[Client]]
    templates: Jinja2Templates
    allowed: Allowed
    _in_use: DirectoryInUse | None = field(default=None, repr=False)

    @property
    def directory_in_use(self) -> DirectoryInUse:
        if self._in_use is None:
            self._in_use = DirectoryInUse(self.store, self.settings.units_file)
        return self._in_use

    def directory(self) -> UnitDirectory:
        """The unit directory in use (its disabled units left out): what new campaigns match plans against
        and choose units from."""
        return self.directory_in_use.active()

    def stored_directory(self) -> StoredDirectory:
        """The whole directory from the store (service.directory: seeded from and following UNITS_FILE)."""
        return self.directory_in_use.stored()

    def units(self) -> dict[str, Unit]:
        """Every unit by code, disabled ones too (old campaigns still name them)."""
        return self.directory_in_use.everyone()

    def unit_choices(self) -> list[Unit]:
        """The units (and clusters) the office may assign, from the directory in use."""
        return [u for u in self.directory().units if u.kind in (UnitKind.UNIT, UnitKind.CLUSTER)]

    async def poll_until_recorded(self, campaign_id: str, seconds: float = 10) -> bool:
        """Read the store every 0.1 s, for up to `seconds`, until the campaign's record is there (the worker
        writes it a moment after the start; the grid a redirect lands on reads it); False if it never came."""
        from store.schema import Campaign

        for _ in range(int(seconds / 0.1)):
            with self.store.session() as session:
                if session.get(Campaign, campaign_id) is not None:
                    return True
            await asyncio.sleep(0.1)
        return False

    def page(self, request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def done(self, request: Request, who: Signed, campaign_id: str, message: str, status: int = 200,
             **more: Any) -> Response:  # fmt: skip
        """The workflow's (or the store's) own answer to an office action; `more` for what the page offers next."""
        context = {"who": who, "campaign_id": campaign_id, "message": message, **more}
        return self.page(request, "done.html", context, status)


def via(who: Signed) -> str:
    """The audit trail's actor for an office action: the person's user name and role."""
    return f"{who.person.name} ({who.person.role})"
