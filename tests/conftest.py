"""Shared fixtures: a trained model (reused by content hash), a running stack, real databases.

Integration tests talk to real processes over HTTP on 127.0.0.1 (sanic-testing's httpx pin
conflicts with python-telegram-bot, and a real server is what users get anyway).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.databases import drop_postgres_database, fresh_postgres_database  # noqa: E402
from support.stack import Stack, free_port, start_stack  # noqa: E402


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model for the current sources; trained once per content hash, then reused.

    LAYANI_TEST_MODEL=<path> uses a given model instead (local iteration only; CI leaves it unset).
    """
    override = os.environ.get("LAYANI_TEST_MODEL")
    if override:  # iterate on code against an existing model without retraining
        return Path(override)
    from tooling.train import train

    return train(if_stale=True)


@pytest.fixture(scope="session")
def rasa_stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Action server + Layani Rasa server on free ports, embedded profile, own SQLite files."""
    workdir = tmp_path_factory.mktemp("stack")
    stack = start_stack(model_path, workdir, profile="embedded")
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL (127.0.0.1:5432), dropped after the session."""
    name, url = fresh_postgres_database()
    try:
        yield url
    finally:
        drop_postgres_database(name)


@pytest.fixture()
def redis_url() -> Iterator[str]:
    """Redis db 15 on the local server, flushed before and after the test."""
    import redis

    url = os.environ.get("LAYANI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


__all__ = ["free_port"]
