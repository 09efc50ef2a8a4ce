"""Accounts: argon2 password hashes, disabling, and the server-side sessions of people signed in.

A session is a row keyed by the SHA-256 of a random token the browser keeps in its cookie; it ends when
the person signs out (that row), changes their password (their other rows) or is disabled (all rows),
or when it expires. Failed sign-ins are limited in the web layer (web.guard.SignInLimit), per name and
address, so nobody can lock another person's account.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from campaign.limits import MAX_ACCOUNT_NAME_CHARS
from store.schema import AccountChange, OfficeSession, User

HASHER = PasswordHasher()
MIN_PASSWORD_CHARS = 10
SESSION_LENGTH = timedelta(hours=12)
CLI_ACTOR = "dòng lệnh (starter.py users)"  # who changed an account when no signed-in person did
# The one answer to every failed sign-in, whatever failed: no telling which names exist, which are
# disabled, or which are waiting out a back-off.
SIGN_IN_REFUSED = (
    "Không đăng nhập được: tên đăng nhập hoặc mật khẩu không đúng, hoặc đã thử sai nhiều lần "
    "(khi đó đề nghị chờ ít phút rồi thử lại). Nếu vẫn không được, đề nghị liên hệ quản trị."
)


class AccountError(ValueError):
    """str() is the Vietnamese reason."""


@dataclass(frozen=True)
class Person:
    name: str
    role: str


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_CHARS:
        return f"mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự"
    return None


def record(session: Session, actor: str, action: str, name: str, **detail: object) -> None:
    """One line of the accounts' audit trail: who changed which account, when, and what."""
    name = name[:MAX_ACCOUNT_NAME_CHARS]
    session.add(AccountChange(at=datetime.now(UTC), actor=actor[:120], action=action, user_name=name, detail=detail))


def add_user(session: Session, name: str, role: str, password: str, by: str = CLI_ACTOR) -> None:
    if session.scalar(select(User).where(User.name == name)):
        raise AccountError(f"đã có tài khoản {name}")
    if problem := password_problem(password):
        raise AccountError(problem)
    session.add(User(name=name, role=role, password_hash=HASHER.hash(password), disabled=False,
                     created_at=datetime.now(UTC)))  # fmt: skip
    record(session, by, "add", name, role=role)


def set_password(
    session: Session, name: str, password: str, keep_session: str | None = None, by: str = CLI_ACTOR
) -> None:
    """A new password; every session of the person ends except `keep_session` (the token of the one
    that changed it, when it was changed from a browser)."""
    user = _existing(session, name)
    if problem := password_problem(password):
        raise AccountError(problem)
    user.password_hash = HASHER.hash(password)
    kept = [_digest(keep_session)] if keep_session else []
    session.execute(
        delete(OfficeSession).where(OfficeSession.user_id == user.id, OfficeSession.token_hash.not_in(kept))
    )
    record(session, by, "password", name)


def disable(session: Session, name: str, by: str = CLI_ACTOR) -> None:
    user = _existing(session, name)
    user.disabled = True
    session.execute(delete(OfficeSession).where(OfficeSession.user_id == user.id))
    record(session, by, "disable", name)


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def sign_in(session: Session, name: str, password: str) -> Person:
    """The person, or AccountError(SIGN_IN_REFUSED): the same answer (and about the same time) for an
    unknown name, a wrong password and a disabled account."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        HASHER.hash(password)  # the same time as a real check: no telling which names exist
        raise AccountError(SIGN_IN_REFUSED)
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AccountError(SIGN_IN_REFUSED) from None
    if user.disabled:
        raise AccountError(SIGN_IN_REFUSED)
    return Person(user.name, user.role)


@dataclass(frozen=True)
class OpenSession:
    person: Person
    token: str  # the cookie's value (only its hash is stored)
    csrf: str


def open_session(session: Session, person: Person, now: datetime | None = None) -> OpenSession:
    """A new session for a person who just signed in (expired rows are swept on the way)."""
    now = now or datetime.now(UTC)
    user = _existing(session, person.name)
    session.execute(delete(OfficeSession).where(OfficeSession.expires_at < now))
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    session.add(OfficeSession(token_hash=_digest(token), user_id=user.id, csrf=csrf, created_at=now,
                              expires_at=now + SESSION_LENGTH))  # fmt: skip
    return OpenSession(Person(user.name, user.role), token, csrf)


def session_person(session: Session, token: str, now: datetime | None = None) -> OpenSession | None:
    """The open session behind a cookie's token: None when it ended, expired or its account is disabled."""
    now = now or datetime.now(UTC)
    found = session.execute(
        select(OfficeSession, User).join(User, User.id == OfficeSession.user_id)
        .where(OfficeSession.token_hash == _digest(token))
    ).first()  # fmt: skip
    if found is None:
        return None
    row, user = found
    if user.disabled or _aware(row.expires_at) <= now:
        return None
    return OpenSession(Person(user.name, user.role), token, row.csrf)


def end_session(session: Session, token: str) -> None:
    session.execute(delete(OfficeSession).where(OfficeSession.token_hash == _digest(token)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _existing(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError(f"không có tài khoản {name}")
    return user


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
