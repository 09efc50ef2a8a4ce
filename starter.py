"""Command line for the office: import plans, start campaigns, send unit messages.

python starter.py plan import plans/54-KH-DTN-2023-05.txt
"""

from __future__ import annotations

import typer

from cli.plan_commands import plan_app, units_app

app = typer.Typer(
    help="Điều phối kế hoạch hoạt động của Đoàn trên Temporal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(plan_app, name="plan")
app.add_typer(units_app, name="units")

if __name__ == "__main__":
    app()
