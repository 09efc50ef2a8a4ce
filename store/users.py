"""Accounts: argon2 password hashes, disabling, and a lock-out after repeated failed sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.schema import User

HASHER = PasswordHasher()
MAX_FAILED_LOGINS = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD_CHARS = 10


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


def add_user(session: Session, name: str, role: str, password: str) -> None:
    if session.scalar(select(User).where(User.name == name)):
        raise AccountError(f"đã có tài khoản {name}")
    if problem := password_problem(password):
        raise AccountError(problem)
    session.add(User(name=name, role=role, password_hash=HASHER.hash(password), disabled=False, failed_logins=0,
                     created_at=datetime.now(UTC)))  # fmt: skip


def set_password(session: Session, name: str, password: str) -> None:
    user = _existing(session, name)
    if problem := password_problem(password):
        raise AccountError(problem)
    user.password_hash = HASHER.hash(password)
    user.failed_logins, user.locked_until = 0, None


def disable(session: Session, name: str) -> None:
    _existing(session, name).disabled = True


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def active(session: Session, name: str) -> Person | None:
    """The person behind a session, when the account still exists and is not disabled."""
    user = session.scalar(select(User).where(User.name == name))
    return Person(user.name, user.role) if user and not user.disabled else None


def sign_in(session: Session, name: str, password: str, now: datetime | None = None) -> Person:
    """The person, or AccountError; the same answer whether the name or the password was wrong."""
    now = now or datetime.now(UTC)
    user = session.scalar(select(User).where(User.name == name))
    wrong = AccountError("tên đăng nhập hoặc mật khẩu không đúng")
    if user is None:
        HASHER.hash(password)  # the same time as a real check: no telling which names exist
        raise wrong
    if user.locked_until and _aware(user.locked_until) > now:
        raise AccountError("tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau 15 phút")
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCK_FOR, 0
        raise wrong from None
    if user.disabled:
        raise AccountError("tài khoản đã bị vô hiệu hóa")
    user.failed_logins, user.locked_until = 0, None
    return Person(user.name, user.role)


def _existing(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise AccountError(f"không có tài khoản {name}")
    return user


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
