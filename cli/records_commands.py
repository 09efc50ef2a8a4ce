"""`export` (the campaign report from the database, at any time) and `db upgrade` (migrations)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import structlog
import typer
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from cli.output import campaign_id_checked, fail, first_line
from cli.temporal_client import CommandError
from exports import report_writer
from settings import get_settings
from store.database import Store, upgrade
from store.queries import CampaignNotRecorded, campaign_report

db_app = typer.Typer(help="Cơ sở dữ liệu (DATABASE_URL; mặc định SQLite trong data/).", no_args_is_help=True)


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    md = "md"


def upgrade_schema(url: str, attempts: int = 3) -> None:
    """`alembic upgrade head`, its failure as one line. Processes started together (the worker and
    the portal) race to create the schema: the loser tries again and finds it there."""
    for attempt in range(1, attempts + 1):
        try:
            upgrade(url)
            return
        except Exception as exc:
            if attempt == attempts:
                raise CommandError(f"không nâng cấp được cơ sở dữ liệu: {first_line(exc)}") from None
            time.sleep(attempt)


async def schema_upgraded(store: Store, log: structlog.stdlib.BoundLogger, most: float = 30.0) -> None:
    """Bring the schema to the latest migration, then let the store open sessions. Workers started
    together race to create it (the loser tries again once the winner is done); a database that does
    not answer is tried again until it does, while the worker already runs workflows (their timers
    and messages need no database; what they write waits, as in any outage)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            await asyncio.to_thread(upgrade_schema, store.url)
            store.mark_ready()
            return
        except CommandError as exc:
            log.warning("schema upgrade failed, trying again", attempt=attempt, error=str(exc))
            await asyncio.sleep(min(most, attempt))


def export(
    campaign: str = typer.Option(..., "--campaign", help="Mã chiến dịch", callback=campaign_id_checked),
    fmt: Format = typer.Option(Format.xlsx, "--format", help="xlsx, csv hoặc md"),
    output: Path | None = typer.Option(None, "--output", help="Thư mục ghi tệp; mặc định REPORTS_DIR/<chiến dịch>"),
) -> None:
    """Xuất báo cáo chiến dịch từ cơ sở dữ liệu (bất cứ lúc nào)."""
    write_report = report_writer()  # the report-writing stack loads only for this command

    settings = get_settings()
    try:
        store = Store(settings.database)
        if not inspect(store.engine).has_table("campaigns"):
            fail("cơ sở dữ liệu chưa có bảng nào (chưa chạy worker hay `python starter.py db upgrade`)", code=1)
        with store.session() as session:
            report = campaign_report(session, campaign, datetime.now(UTC))
    except CampaignNotRecorded as exc:
        fail(str(exc), code=1)
    except SQLAlchemyError as exc:
        fail(f"không đọc được cơ sở dữ liệu: {first_line(exc)}", code=1)
    paths = write_report(report, output or settings.reports_dir / campaign, formats=(fmt.value,))
    typer.echo(paths[0])


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Nâng cấp lược đồ lên bản mới nhất (alembic upgrade head)."""
    try:
        upgrade_schema(get_settings().database)
    except CommandError as exc:
        fail(str(exc), code=1)
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
