"""Engines, sessions and migrations. SQLite by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here; a SQLite file's folder is created."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """`alembic upgrade head` on `url`: the only way the schema is created or changed."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")


class SchemaNotReady(Exception):
    """The schema is not yet known to be up to date (the database did not answer when the worker or
    the portal started); whoever asked tries again, as during any outage."""


class Store:
    """One database: a session per unit of work, committed at the end.

    A store made with `ready=False` opens no session until `mark_ready()`: the worker's and the
    portal's, while the schema they need may not be there yet."""

    def __init__(self, url: str, ready: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._ready = threading.Event()
        if ready:
            self._ready.set()

    def mark_ready(self) -> None:
        self._ready.set()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        if not self._ready.is_set():
            raise SchemaNotReady("chưa nâng cấp được cơ sở dữ liệu (máy chủ CSDL chưa trả lời)")
        with self._sessions.begin() as session:
            yield session
