"""`units link` and `units revoke-links`: a unit's personal link, printed or revoked."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import campaign_id_checked, fail
from cli.plan_commands import units_app
from settings import get_settings

UnitsFile = typer.Option(None, "--units", help="Tệp danh bạ đơn vị (YAML); mặc định danh bạ Văn phòng đang dùng")


def campaign_unit(campaign: str, query: str, units: Path | None) -> str:
    """The code of the unit a person means by `query` (code, name or alias, as other commands take
    them) among the campaign's units; exits 2 naming the closest units when there is none, and 1
    when the campaign is not recorded."""
    from sqlalchemy import select

    from campaign.units import UnitNotFound
    from cli.plan_commands import directory_in_use_or_fail
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
    directory = directory_in_use_or_fail(units)
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
    from service.links import current_link
    from store.database import Store

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
