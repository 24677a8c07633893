"""The embedded conversation store keeps one SQLite connection across turns.

Why it matters: opening and closing the connection on every turn made SQLite checkpoint and
delete its write-ahead log each time (a tenth of the Rasa server's busy time under load). The
turns must still be saved and read back exactly, in WAL mode, and another process (the staff
console) must see them.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from layani.paths import DOMAIN_DIR
from layani.tracker_store import PrivateSQLTrackerStore


def test_turns_reuse_one_connection_and_stay_readable(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    domain = Domain.load(str(DOMAIN_DIR))
    db = tmp_path / "t.db"
    store = PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
    opened: list[object] = []
    store.engine.pool._creator, creator = (
        lambda: opened.append(1) or creator(),
        store.engine.pool._creator,
    )

    async def converse() -> None:
        for number in range(5):
            tracker = await store.get_or_create_tracker("citizen")
            tracker.update(UserUttered(f"pesan {number}", intent={"name": "greet"}))
            tracker.update(ActionExecuted("utter_greet"))
            tracker.update(BotUttered(f"balasan {number}"))
            tracker.update(ActionExecuted("action_listen"))
            await store.save(tracker)

    asyncio.run(converse())

    assert len(opened) <= 1  # at most one new connection for five turns
    loaded = asyncio.run(store.retrieve("citizen"))
    assert [e.text for e in loaded.events if isinstance(e, UserUttered)] == [
        f"pesan {n}" for n in range(5)
    ]
    # Another process (the console) reads the same turns; the database is in WAL mode.
    with sqlite3.connect(db) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert (
            other.execute("SELECT count(*) FROM events WHERE type_name = 'user'").fetchone()[0] == 5
        )
