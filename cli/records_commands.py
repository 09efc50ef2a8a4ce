"""`export` (the campaign report from the database, at any time) and `db upgrade` (migrations)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import typer
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from campaign.escape import first_line
from cli.output import campaign_id_checked, fail
from exports import report_writer
from service.schema import upgrade_schema
from service.updates import Refused
from settings import get_settings
from store.database import Store
from store.queries import CampaignNotRecorded, campaign_report

db_app = typer.Typer(help="Cơ sở dữ liệu (DATABASE_URL; mặc định SQLite trong data/).", no_args_is_help=True)


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"
    md = "md"


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
    except Refused as exc:
        fail(exc.message, code=1)
    typer.echo("Cơ sở dữ liệu đã ở phiên bản mới nhất.")
