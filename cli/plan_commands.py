"""`plan import`, `plan lint` and `units check`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from campaign.formats import PlanReadError
from campaign.headers import columns_read
from campaign.importer import import_plan
from campaign.plan import Plan, findings_contract
from campaign.units import DirectoryError, UnitDirectory, load_directory
from cli.output import fail, literal, print_json
from settings import DEFAULT_UNITS

plan_app = typer.Typer(help="Nhập và kiểm tra kế hoạch.", no_args_is_help=True)
units_app = typer.Typer(help="Danh bạ đơn vị.", no_args_is_help=True)

UnitsOption = typer.Option(None, "--units", help="Tệp danh bạ đơn vị (YAML); mặc định plans/units.yaml")
UnitsInUseOption = typer.Option(
    None, "--units", help="Tệp danh bạ đơn vị (YAML); mặc định danh bạ Văn phòng đang dùng (khởi tạo từ UNITS_FILE)"
)


def directory_or_fail(path: Path | None) -> UnitDirectory:
    try:
        return load_directory(path or DEFAULT_UNITS)
    except DirectoryError as exc:
        fail(str(exc))


def directory_in_use_or_fail(path: Path | None) -> UnitDirectory:
    """The file given with --units, else the directory the office's pages use (the store's, seeded from
    and following UNITS_FILE: service.directory), so the shell and the pages match plans alike."""
    if path is not None:
        return directory_or_fail(path)
    from service.directory import DirectoryInUse
    from service.schema import upgrade_schema
    from service.updates import Refused
    from settings import get_settings
    from store.database import Store

    settings = get_settings()
    upgrade_schema(settings.database)
    try:
        return DirectoryInUse(Store(settings.database), settings.units_file).active()
    except Refused as exc:
        fail(exc.message)


def plan_or_fail(path: Path, units: Path | None, in_use: bool = False) -> tuple[Plan, UnitDirectory]:
    directory = directory_in_use_or_fail(units) if in_use else directory_or_fail(units)
    try:
        return import_plan(path, directory), directory
    except PlanReadError as exc:
        fail(f"{path}: {exc}")


def print_findings(plan: Plan, console: Console) -> None:
    if not plan.findings:
        console.print("[green]Không có cảnh báo.[/green]")
        return
    console.print(f"[bold]Cảnh báo ({len(plan.findings)}):[/bold]")
    for finding in plan.findings:
        where = f"dòng {finding.line}" if finding.line else "toàn văn"
        console.print(f"  [yellow]{where}[/yellow] " + literal(f"[{finding.kind}] {finding.message}"), highlight=False)


def print_plan(plan: Plan, console: Console) -> None:
    """The plan as read; its text printed literally (no Rich markup, control characters made visible)."""
    code = literal(plan.code)
    console.print(f"[bold]Kế hoạch {code}[/bold] ngày {plan.issued_on:%d/%m/%Y}" if plan.issued_on else code)
    console.print(literal(plan.title), highlight=False)
    console.print(f"Thời gian: {plan.window.start:%d/%m/%Y} – {plan.window.end:%d/%m/%Y}")
    table = Table(show_lines=True)
    for column in ("TT", "Hoạt động", "Thời gian", "Địa điểm", "Đơn vị phụ trách"):
        table.add_column(column)
    for a in plan.activities:
        parties = "\n".join(
            f"{literal(p.name)}{' (phối hợp)' if p.role == 'support' else ''}{'' if p.unit_code else ' ⚠'}"
            for p in a.responsible
        )
        when = a.schedule_text
        table.add_row(a.number, literal(a.title), when, literal(a.place), parties)
    console.print(table)
    if plan.columns:
        console.print("Cột của bảng lịch: " + literal(columns_read(plan.columns)), highlight=False)
    if plan.recipients:
        console.print("Nơi nhận: " + "; ".join(literal(r) for r in plan.recipients), highlight=False)


@plan_app.command("import")
def import_command(
    path: Path,
    units: Path | None = UnitsOption,
    as_json: bool = typer.Option(False, "--json", help="In JSON"),
) -> None:
    """Đọc kế hoạch (.txt/.docx) và in lịch hoạt động."""
    plan, _ = plan_or_fail(path, units)
    if as_json:
        print_json(plan.contract())
        return
    console = Console()
    print_plan(plan, console)
    print_findings(plan, console)


@plan_app.command("lint")
def lint_command(
    path: Path,
    units: Path | None = UnitsOption,
    as_json: bool = typer.Option(False, "--json", help="In JSON"),
) -> None:
    """Chỉ in các cảnh báo của kế hoạch."""
    plan, _ = plan_or_fail(path, units)
    if as_json:
        print_json(findings_contract(plan.findings))
        return
    print_findings(plan, Console())


@units_app.command("check")
def units_check(file: Path) -> None:
    """Kiểm tra tệp danh bạ: mã trùng, bí danh trùng."""
    directory = directory_or_fail(file)
    problems = directory.problems()
    if problems:
        for problem in problems:
            typer.echo(f"Lỗi: {file}: {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Danh bạ hợp lệ: {len(directory.units)} đơn vị.")
