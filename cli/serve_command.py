"""`serve` (the unit portal), `units link` and `units revoke-links`."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from temporalio.client import Client

from cli.output import campaign_id_checked, fail
from cli.plan_commands import units_app
from cli.temporal_client import connect
from settings import Settings, get_settings

if TYPE_CHECKING:
    import uvicorn


def lazy_client(settings: Settings):
    """One Temporal connection for the app, made on first use (the app starts even if Temporal is not up yet)."""
    lock = asyncio.Lock()
    made: list[Client] = []

    async def client() -> Client:
        async with lock:
            if not made:
                made.append(await connect(settings))
            return made[0]

    return client


def serve() -> None:
    """Chạy cổng trả lời của đơn vị (PORTAL_BIND; liên kết theo PORTAL_URL)."""
    import structlog
    import uvicorn

    from access.links import secret_problem
    from cli.records_commands import schema_upgraded
    from store.database import Store
    from web.app import create_app

    settings = get_settings()
    if problem := secret_problem(settings.portal_secret):
        fail(problem)
    host, _, port = settings.portal_bind.rpartition(":")
    if not port.isdigit():
        fail(f"PORTAL_BIND “{settings.portal_bind}” cần dạng địa-chỉ:cổng, ví dụ 0.0.0.0:8000")
    # Serving starts while the database may be away: pages say the records are unavailable (503)
    # until the schema is up to date, as during any outage.
    store = Store(settings.database, ready=False)
    log = structlog.get_logger("portal")
    threading.Thread(target=asyncio.run, args=(schema_upgraded(store, log),), daemon=True).start()
    app = create_app(settings, store, lazy_client(settings))
    uvicorn.Server(server_config(app, host or "0.0.0.0", int(port), settings)).run()


def server_config(app: Any, host: str, port: int, settings: Settings) -> uvicorn.Config:
    """uvicorn's settings for the portal. uvicorn reads no proxy header itself: the app decides the client
    address from the socket peer and PORTAL_TRUSTED_PROXY (web.guard.ClientAddress), so uvicorn's default
    of believing X-Forwarded-For from 127.0.0.1 cannot let a local caller claim any address."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False,
                          proxy_headers=False, server_header=False)  # fmt: skip


UnitsFile = typer.Option(None, "--units", help="Tệp danh bạ đơn vị (YAML); mặc định UNITS_FILE")


def campaign_unit(campaign: str, query: str, units: Path | None) -> str:
    """The code of the unit a person means by `query` (code, name or alias, as other commands take
    them) among the campaign's units; exits 2 naming the closest units when there is none, and 1
    when the campaign is not recorded."""
    from sqlalchemy import select

    from campaign.units import UnitNotFound
    from cli.plan_commands import directory_or_fail
    from store.database import Store
    from store.schema import Assignment, Campaign

    settings = get_settings()
    with Store(settings.database).session() as session:
        if session.get(Campaign, campaign) is None:
            fail(f"cơ sở dữ liệu chưa có chiến dịch {campaign}", code=1)
        rows = session.execute(
            select(Assignment.unit_code, Assignment.unit_name).where(Assignment.campaign_id == campaign)
        ).all()
    assigned = {code: name for code, name in rows}
    if query.strip() in assigned:  # a code of the campaign's own directory, whatever UNITS_FILE holds
        return query.strip()
    directory = directory_or_fail(units or settings.units_file)
    try:
        unit = directory.find(query)
    except UnitNotFound as exc:
        fail(str(exc))
    if assigned and unit.code not in assigned:
        fail(f"“{unit.name}” ({unit.code}) không có hoạt động nào trong chiến dịch {campaign}")
    return unit.code


@units_app.command("link")
def unit_link(
    campaign: str = typer.Option(..., "--campaign", help="Mã chiến dịch", callback=campaign_id_checked),
    unit: str = typer.Option(..., "--unit", help="Mã hoặc tên đơn vị, ví dụ “Doan So Y te” hoặc so-y-te"),
    units: Path | None = UnitsFile,
) -> None:
    """In liên kết cá nhân của một đơn vị (như trong thư; để gửi lại bằng tay)."""
    from access.links import secret_problem
    from store.database import Store
    from store.links import current_link

    settings = get_settings()
    if problem := secret_problem(settings.portal_secret):
        fail(problem)
    code = campaign_unit(campaign, unit, units)
    with Store(settings.database).session() as session:
        link = current_link(session, settings, campaign, code)
    typer.echo(link)


@units_app.command("revoke-links")
def revoke_links_command(
    campaign: str = typer.Option(..., "--campaign", help="Mã chiến dịch", callback=campaign_id_checked),
    unit: str = typer.Option(..., "--unit", help="Mã hoặc tên đơn vị"),
    units: Path | None = UnitsFile,
) -> None:
    """Thu hồi mọi liên kết cá nhân của đơn vị trong chiến dịch (thư sau sẽ mang liên kết mới)."""
    from store.database import Store
    from store.links import NoSuchLink, revoke_links

    code = campaign_unit(campaign, unit, units)
    try:
        with Store(get_settings().database).session() as session:
            version = revoke_links(session, campaign, code)
    except NoSuchLink as exc:
        fail(f"không thu hồi được: {exc}", code=1)
    typer.echo(f"Đã thu hồi liên kết cũ của {code} trong chiến dịch {campaign} (phiên bản mới: {version}).")
