"""The conversation store (layani.tracker_store) on SQLite and on the real local PostgreSQL.

What an attacker with a copy of the tracker database (a dump, a backup, a read-only SQL
injection elsewhere) would look for: the NIK, KK number and phone numbers a citizen typed.
Each test reads the raw `events` table, as that attacker would, and also checks that the
conversation still works for the citizen: forms keep their answers across turns and restarts.
Before this wave the store was Rasa's `SQL` type, which wrote all of them in clear.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    FollowupAction,
    Restarted,
    SlotSet,
    UserUttered,
)

from layani.paths import DOMAIN_DIR
from layani.tracker_store import PrivateSQLTrackerStore

NIK = "3273010101900001"
KK = "5171011203150007"
PHONE = "081234567890"
SECRETS = (NIK, "3273 0101 0190 0001", KK, "1234567890", "81234567890")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_DIR))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_kwargs(request, tmp_path: Path, monkeypatch) -> dict:
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    if request.param == "sqlite":
        return {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    url = request.getfixturevalue("pg_database_url")
    monkeypatch.setenv("DATABASE_URL", url)
    return {"host": url}


def make_store(domain: Domain, kwargs: dict) -> PrivateSQLTrackerStore:
    return PrivateSQLTrackerStore(domain=domain, **kwargs)


def raw_rows(store: PrivateSQLTrackerStore, sender: str) -> list[str]:
    with store.engine.connect() as conn:
        return [
            row.data
            for row in conn.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
        ]


def user(text: str, entities: list | None = None) -> UserUttered:
    return UserUttered(
        text,
        intent={"name": "inform", "confidence": 0.9},
        entities=entities or [],
        parse_data={"text": text, "intent": {"name": "inform"}, "entities": entities or []},
        input_channel="rest",
        metadata={"note": f"forwarded {text}"},
    )


def one_form_turns(store: PrivateSQLTrackerStore, sender: str) -> None:
    """Two turns of an application form, saved the way Rasa saves them (once per turn)."""

    async def run() -> None:
        tracker = await store.get_or_create_tracker(sender)
        tracker.update(user(f"NIK saya {NIK}", [{"entity": "nik", "value": NIK}]))
        tracker.update(SlotSet("applicant_nik", NIK))
        tracker.update(SlotSet("handoff_reason", f"NIK {NIK} ditolak"))
        tracker.update(BotUttered(f"NIK: {NIK}", data={"buttons": [{"title": NIK}]}))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
        tracker = await store.retrieve(sender)
        tracker.update(user(f"KK {KK}, HP {PHONE}"))
        tracker.update(SlotSet("kk_number", KK))
        tracker.update(SlotSet("applicant_phone", "+6281234567890"))
        tracker.update(SlotSet("applicant_name", "Budi Santoso"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    asyncio.run(run())


def test_no_identity_number_in_clear_and_the_form_keeps_its_answers(domain, store_kwargs):
    store = make_store(domain, store_kwargs)
    one_form_turns(store, "rest:budi")

    stored = "\n".join(raw_rows(store, "rest:budi"))
    for secret in SECRETS:
        assert secret not in stored
    assert "Budi Santoso" in stored  # only personal data is hidden, not the conversation
    assert "************0001" in stored  # the citizen's words stay readable for staff

    # A new store object on the same database: what a restarted Rasa server sees.
    tracker = asyncio.run(make_store(domain, store_kwargs).retrieve("rest:budi"))
    assert tracker.get_slot("applicant_nik") == NIK
    assert tracker.get_slot("kk_number") == KK
    assert tracker.get_slot("applicant_phone") == "+6281234567890"
    assert tracker.get_slot("handoff_reason") == f"NIK {NIK} ditolak"
    assert tracker.get_slot("applicant_name") == "Budi Santoso"


def test_each_turn_writes_only_its_own_events(domain, store_kwargs):
    store = make_store(domain, store_kwargs)
    one_form_turns(store, "rest:ani")
    before = raw_rows(store, "rest:ani")

    async def third_turn() -> None:
        tracker = await store.retrieve("rest:ani")
        tracker.update(user("melamar pekerjaan"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    asyncio.run(third_turn())
    after = raw_rows(store, "rest:ani")
    assert after[: len(before)] == before  # earlier rows untouched, not re-serialised
    assert len(after) == len(before) + 2


def test_another_key_cannot_read_the_answers(domain, store_kwargs, monkeypatch):
    store = make_store(domain, store_kwargs)
    one_form_turns(store, "rest:citra")
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    tracker = asyncio.run(make_store(domain, store_kwargs).retrieve("rest:citra"))
    assert tracker.get_slot("applicant_nik") is None  # lost, not leaked, and no crash
    assert tracker.get_slot("applicant_name") == "Budi Santoso"


def test_erasure_turn_deletes_the_whole_conversation(domain, store_kwargs):
    store = make_store(domain, store_kwargs)
    one_form_turns(store, "rest:dewi")
    one_form_turns(store, "rest:other")

    async def erase() -> None:
        tracker = await store.retrieve("rest:dewi")
        tracker.update(user("ya"))
        tracker.update(ActionExecuted("action_erase_my_data"))
        tracker.update(BotUttered("Data Anda sudah dihapus."))
        tracker.update(Restarted())
        tracker.update(FollowupAction("action_listen"))
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)

    asyncio.run(erase())
    assert raw_rows(store, "rest:dewi") == []
    assert asyncio.run(store.retrieve("rest:dewi")) is None
    assert raw_rows(store, "rest:other")  # only that conversation


def test_a_plain_restart_is_not_an_erasure(domain, store_kwargs):
    store = make_store(domain, store_kwargs)
    one_form_turns(store, "rest:eko")

    async def restart() -> None:
        tracker = await store.retrieve("rest:eko")
        tracker.update(user("/restart"))
        tracker.update(ActionExecuted("action_restart"))
        tracker.update(Restarted())
        await store.save(tracker)

    asyncio.run(restart())
    assert len(raw_rows(store, "rest:eko")) > 3


def test_purge_deletes_only_idle_conversations(domain, store_kwargs):
    store = make_store(domain, store_kwargs)
    one_form_turns(store, "rest:old")
    one_form_turns(store, "rest:new")
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE events SET timestamp = :t WHERE sender_id = 'rest:old'"),
            {"t": time.time() - 91 * 86400},
        )
    assert store.purge_inactive(90, dry_run=True) == (1, len(raw_rows(store, "rest:old")))
    assert raw_rows(store, "rest:old")
    conversations, events = store.purge_inactive(90)
    assert conversations == 1 and events > 0
    assert raw_rows(store, "rest:old") == []
    assert raw_rows(store, "rest:new")


def test_server_refuses_a_tracker_store_it_cannot_import():
    """Rasa would fall back to an in-memory store (no protection, nothing kept) with a warning."""
    from types import SimpleNamespace

    from layani.server import require_tracker_store_class

    require_tracker_store_class(SimpleNamespace(type="layani.tracker_store.PrivateSQLTrackerStore"))
    require_tracker_store_class(SimpleNamespace(type="SQL"))
    with pytest.raises(SystemExit, match="cannot be loaded"):
        require_tracker_store_class(SimpleNamespace(type="layani.tracker_store.Missing"))
