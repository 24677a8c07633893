"""Alembic environment shared by every branch (`tickets`, `applications`, `console`).

Generic on purpose: it only needs a URL (from the Alembic config set by `storage.db`, else
`DATABASE_URL`) and runs whatever revisions the branches contain. `target_metadata` collects
every model module present so `alembic revision --autogenerate` sees all tables.
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlalchemy import engine_from_config, pool

from storage.models import Base

# Model modules of other concerns register their tables on the shared Base when imported.
for _module in (
    "storage.applications",
    "storage.console",
    "storage.handoff",
    "storage.ratings",
):
    try:
        importlib.import_module(_module)
    except ImportError:
        pass

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from storage.db import database_url

    return database_url()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    section = config.get_section(config.config_ini_section) or {}
    section["sqlalchemy.url"] = _url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode recreates tables instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
