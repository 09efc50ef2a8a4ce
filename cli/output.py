"""How the CLI speaks to people: one clear line on failure, never a traceback."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The part of an error message a person can read: its first line, cut short."""
    return str(exc).splitlines()[0][:limit] if str(exc) else type(exc).__name__


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
