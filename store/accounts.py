"""Accounts managed in the browser: a new person sets their own password through a one-time link (valid
48 hours) the administrator hands over; roles change, accounts are disabled and enabled again; people
change their own password. The rules are store.users' (argon2, at least MIN_PASSWORD_CHARS characters,
every other session ends on a password change, a disabled account's sessions at once), and every change
is a row of the accounts' audit trail (store.users.record).

An account added this way has no password until its link is used: its hash is a marker argon2 cannot
read, so signing in is refused as any wrong password is.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from access.roles import ROLE_WORDS, Role
from campaign.limits import MAX_TOKEN_CHARS
from store.schema import AccountChange, OfficeSession, PasswordLink, User
from store.users import HASHER, AccountError, password_problem, record, set_password

LINK_LENGTH = timedelta(hours=48)
NO_PASSWORD = "!no-password-yet"  # not an argon2 hash: nothing signs in with it
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,59}$")


def name_problem(name: str) -> str | None:
    if not NAME.match(name):
        return "tên đăng nhập gồm 2–60 chữ thường không dấu, số, dấu chấm, gạch dưới hoặc gạch ngang (ví dụ lan.nguyen)"
    return None


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"không có vai trò “{role}”") from None


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError(f"không có tài khoản {name}")
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def invite(session: Session, name: str, role: str, by: str, now: datetime | None = None) -> str:
    """A new account without a password, and the token of its one-time link."""
    name = name.strip()
    if problem := name_problem(name):
        raise AccountError(problem)
    role = _role(role).value
    if session.scalar(select(User).where(User.name == name)):
        raise AccountError(f"đã có tài khoản {name}")
    now = now or datetime.now(UTC)
    session.add(User(name=name, role=role, password_hash=NO_PASSWORD, disabled=False, created_at=now))
    session.flush()
    record(session, by, "add", name, role=role)
    return issue_link(session, name, by, now)


def issue_link(session: Session, name: str, by: str, now: datetime | None = None) -> str:
    """A new one-time link for the person (their earlier unused links stop working)."""
    now = now or datetime.now(UTC)
    user = _user(session, name)
    if user.disabled:
        raise AccountError(f"tài khoản {name} đang bị vô hiệu hóa; bật lại trước khi cấp liên kết")
    session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    session.add(PasswordLink(token_hash=_digest(token), user_id=user.id, created_by=by[:120], created_at=now,
                             expires_at=now + LINK_LENGTH))  # fmt: skip
    record(session, by, "link", name, expires_at=(now + LINK_LENGTH).isoformat())
    return token


def link_holder(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The person a one-time link is for, while it is unused, unexpired and the account in use."""
    now = now or datetime.now(UTC)
    row = session.get(PasswordLink, _digest(token)) if len(token) <= MAX_TOKEN_CHARS else None
    if row is None or row.used_at is not None or _aware(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    return None if user is None or user.disabled else user


def redeem(session: Session, token: str, password: str, now: datetime | None = None) -> str:
    """Sets the password through the link (used up at once); the person's name."""
    now = now or datetime.now(UTC)
    user = link_holder(session, token, now)
    if user is None:
        raise AccountError(
            "liên kết đặt mật khẩu đã dùng, đã hết hạn hoặc không đúng; đề nghị xin quản trị liên kết mới"
        )
    if problem := password_problem(password):
        raise AccountError(problem)
    row = session.get(PasswordLink, _digest(token))
    assert row is not None
    row.used_at = now
    set_password(session, user.name, password, by=f"{user.name} (qua liên kết một lần)")
    return user.name


def change_own_password(session: Session, name: str, current: str, new: str, keep_session: str | None) -> None:
    """A person's own new password, after the current one; their other sessions end."""
    user = _user(session, name)
    try:
        HASHER.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("mật khẩu hiện tại không đúng") from None
    set_password(session, name, new, keep_session=keep_session, by=f"{name} (tự đổi)")


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value,
                                                                        User.disabled.is_(False))) or 0  # fmt: skip


def change_role(session: Session, name: str, role: str, by: str) -> str | None:
    """The role before (None when it was already this one). The last administrator in use keeps the role."""
    user = _user(session, name)
    new = _role(role).value
    if user.role == new:
        return None
    if user.role == Role.ADMIN.value and not user.disabled and _active_admins(session) <= 1:
        raise AccountError(f"{name} là quản trị duy nhất đang hoạt động; thêm quản trị khác trước khi đổi vai trò")
    before, user.role = user.role, new
    record(session, by, "role", name, before=before, after=new)
    return before


def set_enabled(session: Session, name: str, enabled: bool, by: str) -> bool:
    """Disable (every session ends at once) or enable again; False when it already was."""
    user = _user(session, name)
    if user.disabled != enabled:
        return False
    if not enabled and user.role == Role.ADMIN.value and _active_admins(session) <= 1:
        raise AccountError(f"{name} là quản trị duy nhất đang hoạt động; không vô hiệu hóa được")
    user.disabled = not enabled
    if not enabled:
        session.execute(delete(OfficeSession).where(OfficeSession.user_id == user.id))
        session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None)))
    record(session, by, "enable" if enabled else "disable", name)
    return True


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    role_words: str
    disabled: bool
    has_password: bool
    link_until: datetime | None  # an unused one-time link's expiry
    created_at: datetime


def accounts(session: Session, now: datetime | None = None) -> list[Account]:
    now = now or datetime.now(UTC)
    links: dict[int, datetime] = {}
    for row in session.scalars(select(PasswordLink).where(PasswordLink.used_at.is_(None))):
        if _aware(row.expires_at) > now:
            links[row.user_id] = _aware(row.expires_at)
    return [
        Account(u.name, u.role, ROLE_WORDS.get(Role(u.role), u.role) if u.role in Role.__members__.values() else u.role,
                u.disabled, u.password_hash != NO_PASSWORD, links.get(u.id), _aware(u.created_at))
        for u in session.scalars(select(User).order_by(User.name))
    ]  # fmt: skip


@dataclass(frozen=True)
class AccountEvent:
    at: datetime
    actor: str
    action: str
    name: str
    detail: dict[str, object]


def account_history(session: Session, limit: int = 200) -> list[AccountEvent]:
    rows = session.scalars(select(AccountChange).order_by(AccountChange.id.desc()).limit(limit))
    return [AccountEvent(_aware(r.at), r.actor, r.action, r.user_name, dict(r.detail or {})) for r in rows]
