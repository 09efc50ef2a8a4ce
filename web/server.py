"""Serving the web app (the unit portal and the office pages) with uvicorn, as `starter.py serve` does."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import structlog
import uvicorn

from service.logs import configure_logging
from service.schema import upgrade_schema_until_done
from service.temporal import lazy_client
from service.updates import Refused
from settings import Settings
from store.database import Store


def serve_portal(settings: Settings) -> None:
    """Serve on PORTAL_BIND until stopped; Refused (config) when PORTAL_BIND is not address:port.

    Logs go out as the worker's do (LOG_FORMAT, LOG_LEVEL), uvicorn's own lines too. Serving starts
    while the database may be away: pages say the records are unavailable (503) until the schema is up
    to date, as during any outage."""
    from web.app import create_app

    host, _, port = settings.portal_bind.rpartition(":")
    if not port.isdigit():
        raise Refused(500, "config", f"PORTAL_BIND “{settings.portal_bind}” cần dạng địa-chỉ:cổng, ví dụ 0.0.0.0:8000")
    configure_logging(settings.log_format, settings.log_level)
    store = Store(settings.database, ready=False)
    log = structlog.get_logger("portal")
    threading.Thread(target=asyncio.run, args=(upgrade_schema_until_done(store, log),), daemon=True).start()
    app = create_app(settings, store, lazy_client(settings))
    uvicorn.Server(server_config(app, host or "0.0.0.0", int(port), settings)).run()


def server_config(app: Any, host: str, port: int, settings: Settings) -> uvicorn.Config:
    """uvicorn's settings for the portal. uvicorn reads no proxy header itself: the app decides the client
    address from the socket peer and PORTAL_TRUSTED_PROXY (web.guard.ClientAddress), so uvicorn's default
    of believing X-Forwarded-For from 127.0.0.1 cannot let a local caller claim any address. Its own log
    lines go through the root logger that `configure_logging` set up (log_config None)."""
    return uvicorn.Config(app, host=host, port=port, log_level=settings.log_level.lower(), access_log=False,
                          log_config=None, proxy_headers=False, server_header=False)  # fmt: skip
