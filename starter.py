"""Command line for the office and units: plans, campaigns, messages, status.

python starter.py plan import plans/54-KH-DTN-2023-05.txt
python starter.py start plans/54-KH-DTN-2023-05.txt --rebase-now --speed 1440
python starter.py status --campaign 54-kh-dtn-2023-05
"""

from __future__ import annotations

import os

import typer
from pydantic import ValidationError

from cli import campaign_commands as campaign
from cli.certs_command import certs
from cli.dev_server import dev_server
from cli.link_commands import unit_link  # noqa: F401  (registers `units link` and `units revoke-links`)
from cli.output import fail
from cli.plan_commands import plan_app, units_app
from cli.records_commands import db_app, export
from cli.setup_command import setup
from cli.users_commands import users_app
from service.logs import configure_logging
from service.temporal import exit_now
from service.updates import Refused
from settings import get_settings, settings_problem

app = typer.Typer(
    help="Điều phối kế hoạch hoạt động của Đoàn trên Temporal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def options(verbose: bool = typer.Option(False, "--verbose", help="In thêm chi tiết lỗi kỹ thuật")) -> None:
    """Điều phối kế hoạch hoạt động của Đoàn trên Temporal."""
    # Log lines go to stderr (warnings up, unless --verbose): stdout is the command's answer, read by scripts.
    configure_logging(os.environ.get("LOG_FORMAT", "console"), "INFO" if verbose else "WARNING")
    if verbose:
        os.environ["CAMPAIGN_VERBOSE"] = "1"


app.add_typer(plan_app, name="plan")
app.add_typer(units_app, name="units")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
for command in (
    campaign.start,
    campaign.ready,
    campaign.report,
    campaign.extend,
    campaign.excuse,
    campaign.reschedule,
    campaign.assign,
    campaign.cancel,
    campaign.status,
):
    app.command()(command)
app.command("dev-server")(dev_server)
app.command()(export)
app.command()(setup)
app.command()(certs)


@app.command()
def serve() -> None:
    """Chạy cổng trả lời của đơn vị (PORTAL_BIND; liên kết theo PORTAL_URL)."""
    from access.links import secret_problem
    from web.server import serve_portal  # the web stack loads only for this command

    settings = get_settings()
    if problem := secret_problem(settings.portal_secret):
        fail(problem)
    try:
        serve_portal(settings)
    except Refused as exc:
        fail(exc.message)


def main() -> None:
    try:
        app()
    except ValidationError as exc:  # a setting read outside a command's own error handling
        typer.echo(f"Lỗi: {settings_problem(exc)}", err=True)
        exit_now(2)
    except SystemExit as done:
        code = done.code
        exit_now(code if isinstance(code, int) else (0 if code is None else 1))


if __name__ == "__main__":
    main()
