"""`layani conversations purge`: conversations do not stay forever (retention, UU 27/2022).

Run through the real CLI against the store each profile's endpoints file names: the embedded
SQLite file (RASA_TRACKER_DB) and the production PostgreSQL database (POSTGRES_*). Before this
wave there was no such command and Rasa kept every conversation indefinitely.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from layani.paths import DOMAIN_DIR
from tooling import cli
from tooling.commands.conversations import tracker_store


@pytest.fixture(params=["embedded", "production"])
def profile(request, tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    monkeypatch.delenv("LAYANI_CONVERSATION_RETENTION_DAYS", raising=False)
    if request.param == "embedded":
        monkeypatch.setenv("RASA_TRACKER_DB", str(tmp_path / "tracker.db"))
    else:
        url = request.getfixturevalue("pg_database_url")
        parsed = sa.engine.make_url(url)
        for key, value in {
            "DATABASE_URL": url,
            "POSTGRES_HOST": parsed.host,
            "POSTGRES_PORT": str(parsed.port),
            "POSTGRES_DB": parsed.database,
            "POSTGRES_USER": parsed.username,
            "POSTGRES_PASSWORD": "",
            "POSTGRES_LOGIN_DB": parsed.database,
        }.items():
            monkeypatch.setenv(key, value)
    return request.param


def add_conversation(store, sender: str, age_days: float) -> None:
    async def run() -> None:
        tracker = await store.get_or_create_tracker(sender)
        tracker.update(UserUttered("halo", intent={"name": "greet"}))
        tracker.update(ActionExecuted("utter_greet"))
        await store.save(tracker)

    asyncio.run(run())
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE events SET timestamp = :t WHERE sender_id = :s"),
            {"t": time.time() - age_days * 86400, "s": sender},
        )


def senders(store) -> set[str]:
    """This module's conversations (the PostgreSQL database is shared by the test session)."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT DISTINCT sender_id FROM events"))
        return {r[0] for r in rows if r[0].startswith("rest:purge-")}


def test_purge_deletes_conversations_idle_past_the_default_retention(profile, capsys):
    store = tracker_store(profile)
    store.domain = Domain.load(str(DOMAIN_DIR))
    add_conversation(store, "rest:purge-lama", age_days=91)
    add_conversation(store, "rest:purge-baru", age_days=89)

    assert cli.main(["conversations", "purge", "--profile", profile, "--dry-run"]) == 0
    assert "1 conversations" in capsys.readouterr().out
    assert senders(store) == {"rest:purge-lama", "rest:purge-baru"}

    assert cli.main(["conversations", "purge", "--profile", profile]) == 0
    assert "Deleted 1 conversations" in capsys.readouterr().out
    assert senders(store) == {"rest:purge-baru"}

    assert cli.main(["conversations", "purge", "--profile", profile, "--older-than", "100"]) == 0
    assert senders(store) == {"rest:purge-baru"}
    assert cli.main(["conversations", "purge", "--profile", profile, "--older-than", "60"]) == 0
    assert senders(store) == set()


def test_retention_comes_from_the_setting(profile, monkeypatch, capsys):
    store = tracker_store(profile)
    store.domain = Domain.load(str(DOMAIN_DIR))
    add_conversation(store, "rest:purge-sebulan", age_days=31)
    monkeypatch.setenv("LAYANI_CONVERSATION_RETENTION_DAYS", "30")
    assert cli.main(["conversations", "purge", "--profile", profile]) == 0
    assert senders(store) == set()


def test_a_retention_below_one_day_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["conversations", "purge", "--older-than", "0"])
    assert exit_info.value.code == 2
