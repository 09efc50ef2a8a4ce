"""How the CLI speaks to people: one clear line on failure, never a traceback."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer

from campaign.escape import first_line, visible

__all__ = ["campaign_id_checked", "fail", "first_line", "literal", "print_json"]


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code)


def literal(text: str) -> str:
    """Text from a plan or a person for a Rich console: markup escaped, control characters visible."""
    from rich.markup import escape

    return escape(visible(text))


def campaign_id_checked(value: str | None) -> str | None:
    """Typer callback: a campaign ID that is safe in paths, e-mail headers and workflow IDs."""
    from campaign.limits import campaign_id_problem

    if value is not None and (problem := campaign_id_problem(value)):
        raise typer.BadParameter(problem)
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
