"""A long conversation is loaded as a recent window that behaves like the whole conversation.

Why it matters to a citizen: without the window every turn of a long chat got slower (Rasa
rebuilds and walks the whole session each turn). With it, the bot must still remember what the
citizen told it long ago (slots, an open form), and nothing may be lost or stored twice when the
turn is saved. Runs on SQLite and on the real local PostgreSQL.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SlotSet,
    UserUttered,
)

from layani import tracker_store
from layani.paths import DOMAIN_DIR
from layani.tracker_store import PrivateSQLTrackerStore


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN_DIR))


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path, monkeypatch, domain) -> PrivateSQLTrackerStore:
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    if request.param == "sqlite":
        return PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    url = request.getfixturevalue("pg_database_url")
    monkeypatch.setenv("DATABASE_URL", url)
    return PrivateSQLTrackerStore(domain=domain, host=url)


def turn(text: str, reply: str) -> list:
    return [
        UserUttered(text, intent={"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        BotUttered(reply),
        ActionExecuted("action_listen"),
    ]


def stored_count(store: PrivateSQLTrackerStore, sender: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
        ).scalar()


def long_conversation(store: PrivateSQLTrackerStore, sender: str, turns: int) -> None:
    """A session with a slot set early, an open form, then many ordinary turns, saved per turn."""
    run = asyncio.run
    tracker = run(store.get_or_create_tracker(sender))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(ActionExecuted("action_listen"))
    for event in turn("halo", "Halo"):
        tracker.update(event)
    tracker.update(SlotSet("complaint_description", "Jalan berlubang di depan SDN 3"))
    tracker.update(ActiveLoop("complaint_form"))
    tracker.update(SlotSet("requested_slot", "complaint_location"))
    run(store.save(tracker))
    for i in range(turns):
        tracker = run(store.retrieve(sender))
        for event in turn(f"pesan {i}", f"balasan {i}"):
            tracker.update(event)
        run(store.save(tracker))


def test_short_conversation_is_loaded_whole(store):
    long_conversation(store, "short", 5)
    tracker = asyncio.run(store.retrieve("short"))
    assert len(tracker.events) == stored_count(store, "short")


def test_long_conversation_keeps_its_state_and_loads_a_bounded_window(store):
    long_conversation(store, "long", 120)
    assert stored_count(store, "long") > tracker_store.WINDOW_TRIGGER * 2
    window = asyncio.run(store.retrieve("long"))
    full = asyncio.run(store.retrieve_full_tracker("long"))

    assert len(window.events) <= tracker_store.WINDOW_EVENTS + 10
    # What the citizen said 120 turns ago is still known, and the form is still open.
    assert window.get_slot("complaint_description") == "Jalan berlubang di depan SDN 3"
    assert window.get_slot("requested_slot") == "complaint_location"
    assert window.active_loop_name == "complaint_form"
    assert window.current_slot_values() == full.current_slot_values()
    assert window.latest_message.text == full.latest_message.text == "pesan 119"
    # The window starts at a user message, right after the restored state.
    tail = [e for e in window.events if isinstance(e, UserUttered)]
    assert tail[0].text.startswith("pesan ")


def test_saving_a_window_adds_exactly_the_new_events_even_when_saved_twice(store):
    long_conversation(store, "save", 60)
    before = stored_count(store, "save")
    tracker = asyncio.run(store.retrieve("save"))
    assert len(tracker.events) < before  # a window
    for event in turn("pesan baru", "balasan baru"):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert stored_count(store, "save") == before + 4
    tracker.update(SlotSet("complaint_location", "Jl. Melati"))
    asyncio.run(store.save(tracker))  # Rasa may save the same tracker again in one turn
    assert stored_count(store, "save") == before + 5
    full = asyncio.run(store.retrieve_full_tracker("save"))
    assert full.get_slot("complaint_location") == "Jl. Melati"
    assert [e.text for e in full.events if isinstance(e, UserUttered)][-1] == "pesan baru"
    # No synthetic prefix was stored: one session start only.
    starts = [e for e in full.events if getattr(e, "action_name", "") == "action_session_start"]
    assert len(starts) == 1


def test_slots_reset_by_a_restart_stay_reset(store):
    long_conversation(store, "restart", 10)
    tracker = asyncio.run(store.retrieve("restart"))
    tracker.update(Restarted())
    asyncio.run(store.save(tracker))
    for i in range(60):
        tracker = asyncio.run(store.retrieve("restart"))
        for event in turn(f"lagi {i}", "ok"):
            tracker.update(event)
        asyncio.run(store.save(tracker))
    window = asyncio.run(store.retrieve("restart"))
    assert len(window.events) < stored_count(store, "restart")  # a window
    assert window.get_slot("complaint_description") is None
    assert window.active_loop_name is None


def test_each_save_adds_exactly_the_turns_new_events_without_counting(store, monkeypatch):
    """A short conversation saved turn by turn, twice in one turn too: nothing lost or doubled."""
    tracker = asyncio.run(store.get_or_create_tracker("marks"))  # new: counted as Rasa counts
    for event in turn("halo", "Halo"):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert stored_count(store, "marks") == len(tracker.events)

    # From here on a count would fail: a loaded or saved tracker knows what is stored.
    monkeypatch.setattr(tracker_store, "SESSION_COUNT", None)
    for i in range(3):
        tracker = asyncio.run(store.retrieve("marks"))
        for event in turn(f"pesan {i}", f"balasan {i}"):
            tracker.update(event)
        asyncio.run(store.save(tracker))
        tracker.update(SlotSet("complaint_location", f"Jl. {i}"))
        asyncio.run(store.save(tracker))  # saved again in the same turn
    full = asyncio.run(store.retrieve_full_tracker("marks"))
    assert stored_count(store, "marks") == len(tracker.events) == len(full.events)
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [
        "halo",
        "pesan 0",
        "pesan 1",
        "pesan 2",
    ]
    assert full.get_slot("complaint_location") == "Jl. 2"


def test_the_session_start_is_found_through_the_index(store):
    long_conversation(store, "indexed", 2)
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            names = [r[1] for r in conn.execute(sa.text("PRAGMA index_list('events')"))]
        else:
            names = list(
                conn.execute(
                    sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'events'")
                ).scalars()
            )
    assert "events_sender_type_time" in names
