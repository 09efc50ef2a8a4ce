"""Alembic environment: the URL comes from the config set by store.database.alembic_config."""

from __future__ import annotations

from alembic import context

from store.database import make_engine
from store.schema import Base

config = context.config
if not config.get_main_option("sqlalchemy.url"):  # `alembic upgrade head` from the project folder
    from settings import get_settings

    config.set_main_option("sqlalchemy.url", get_settings().database.replace("%", "%%"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
