"""Database engine and sessions for Layani's own tables (tickets, applications, console).

Nothing connects at import time: the engine is created on first use for the URL in
`DATABASE_URL` (SQLite under `var/` by default, PostgreSQL in production) and cached per URL, so
a test or a CLI call that changes `DATABASE_URL` gets its own engine. The schema is owned by
Alembic (`storage/migrations`, one branch per concern); `upgrade_database()` runs
`alembic upgrade heads`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from layani import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker] = {}


def database_url(url: str | None = None) -> str:
    """The URL to use: the explicit one, else `DATABASE_URL` read now (not at import)."""
    return url or settings.load().database_url


def _normalise(url: str) -> str:
    # Heroku-style "postgres://" is not accepted by SQLAlchemy 1.4.
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://") :]
    return url


def get_engine(url: str | None = None) -> Engine:
    """The cached engine for `url` (default: `DATABASE_URL`), created on first use."""
    url = _normalise(database_url(url))
    engine = _engines.get(url)
    if engine is not None:
        return engine
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create_engine(url)
            _engines[url] = engine
            _sessionmakers[url] = sessionmaker(bind=engine, expire_on_commit=False, future=True)
    return engine


def _create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, future=True, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # pool_pre_ping: the action server lives for days and PostgreSQL may restart under it.
    return sa.create_engine(url, future=True, pool_pre_ping=True)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on any exception."""
    get_engine(url)
    maker = _sessionmakers[_normalise(database_url(url))]
    session: Session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None):  # type: ignore[no-untyped-def]
    """An Alembic `Config` for `storage/migrations` and `url`, without needing alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # "%" would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", _normalise(database_url(url)).replace("%", "%%"))
    return config


def upgrade_database(url: str | None = None) -> None:
    """Bring the database to the newest schema of every branch (`alembic upgrade heads`)."""
    from alembic import command

    get_engine(url)  # creates the SQLite parent directory when needed
    command.upgrade(alembic_config(url), "heads")


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before a process forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()
