"""Real PostgreSQL databases for tests: one fresh database per use, dropped afterwards."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_engine() -> sa.engine.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def fresh_postgres_database(prefix: str = "layani_test") -> tuple[str, str]:
    name = f"{prefix}_{secrets.token_hex(4)}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
