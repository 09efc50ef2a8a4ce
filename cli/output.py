"""How the CLI speaks to people: one clear line on failure, never a traceback."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
