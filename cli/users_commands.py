"""`users add|list|disable|set-password`: accounts for the office dashboard (argon2 hashes in the store)."""

from __future__ import annotations

import getpass
import sys

import typer

from access.roles import ROLE_WORDS, Role
from cli.output import fail

users_app = typer.Typer(help="Tài khoản Văn phòng, Ban Thường vụ, Quản trị.", no_args_is_help=True)


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại: ") != first:
        fail("hai lần nhập mật khẩu không khớp")
    return first


def _store():
    from service.schema import upgrade_schema
    from settings import get_settings
    from store.database import Store

    url = get_settings().database
    upgrade_schema(url)
    return Store(url)


@users_app.command("add")
def add(
    name: str,
    role: Role = typer.Option(..., "--role", help="office, committee hoặc admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Đọc mật khẩu từ stdin (cho script)"),
) -> None:
    """Thêm tài khoản (mật khẩu nhập không hiện, hoặc từ stdin)."""
    from store.users import AccountError, add_user

    password = _password(password_stdin)
    try:
        with _store().session() as session:
            add_user(session, name, role.value, password)
    except AccountError as exc:
        fail(str(exc))
    typer.echo(f"Đã thêm {name} ({ROLE_WORDS[role]}).")


@users_app.command("list")
def list_users() -> None:
    """Liệt kê tài khoản."""
    from store.users import users

    with _store().session() as session:
        for user in users(session):
            state = "vô hiệu" if user.disabled else "hoạt động"
            typer.echo(f"{user.name}\t{user.role}\t{state}")


@users_app.command("disable")
def disable_user(name: str) -> None:
    """Vô hiệu hóa tài khoản (có hiệu lực ngay, kể cả phiên đang mở)."""
    from store.users import AccountError, disable

    try:
        with _store().session() as session:
            disable(session, name)
    except AccountError as exc:
        fail(str(exc))
    typer.echo(f"Đã vô hiệu hóa {name}.")


@users_app.command("set-password")
def set_password_command(
    name: str,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Đọc mật khẩu từ stdin (cho script)"),
) -> None:
    """Đặt lại mật khẩu (mọi phiên đăng nhập đang mở của người đó kết thúc)."""
    from store.users import AccountError, set_password

    password = _password(password_stdin)
    try:
        with _store().session() as session:
            set_password(session, name, password)
    except AccountError as exc:
        fail(str(exc))
    typer.echo(f"Đã đặt mật khẩu mới cho {name}.")
