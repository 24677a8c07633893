"""The production profile runs against the real local PostgreSQL and Redis.

Two Sanic workers share conversations through the Redis lock store, and the tracker of a
conversation is stored in PostgreSQL (checked by reading the `events` table directly).
"""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from support.stack import start_stack

pytestmark = [pytest.mark.integration, pytest.mark.production]


@pytest.fixture(scope="module")
def production_stack(model_path, pg_database_url, tmp_path_factory):
    db = urlparse(pg_database_url).path.lstrip("/")
    stack = start_stack(
        model_path,
        tmp_path_factory.mktemp("production"),
        profile="production",
        extra_env={
            "DATABASE_URL": pg_database_url,
            # Production refuses to store conversations without the personal-data key.
            "LAYANI_PII_KEY": Fernet.generate_key().decode(),
            "POSTGRES_DB": db,
            "POSTGRES_LOGIN_DB": "postgres",
            "REDIS_URL": "redis://127.0.0.1:6379/14",
            "REDIS_LOCK_DB": "14",
            "SANIC_WORKERS": "2",
            # REST is off in production unless enabled, and then needs its own token.
            "LAYANI_REST_ENABLED": "1",
            "LAYANI_REST_TOKEN": "production-rest-token-for-tests",
        },
    )
    yield stack
    stack.stop()


def test_conversation_tracker_lands_in_postgresql(production_stack, pg_database_url):
    sender = f"prod-{uuid.uuid4().hex[:8]}"
    replies = production_stack.texts(sender, "halo")
    assert replies and any("Layani" in r or "Halo" in r for r in replies)

    engine = sa.create_engine(pg_database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT type_name, intent_name FROM events WHERE sender_id = :s"),
            {"s": production_stack.conversation_id(sender)},
        ).fetchall()
    engine.dispose()
    kinds = {r.type_name for r in rows}
    assert "user" in kinds and "bot" in kinds
    assert any(r.intent_name == "greet" for r in rows)


def test_two_workers_serve_one_conversation_in_order(production_stack):
    """Turns of one conversation go through the Redis lock store, whichever worker answers."""
    sender = f"prod-{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        assert production_stack.texts(sender, "halo")
    events = production_stack.tracker(sender)["events"]
    user_turns = [e for e in events if e["event"] == "user"]
    assert len(user_turns) == 3
    assert production_stack.log_text().count("Starting worker") >= 2
