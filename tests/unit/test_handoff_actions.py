"""action_handoff_start / action_handoff_end as functions: tracker in, events and responses out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff_actions
from storage import handoff as queue
from storage.db import dispose_engines, session_scope, upgrade_database

MONDAY_10_WIB = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.timezone.utc)
SATURDAY_10_WIB = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.timezone.utc)


@pytest.fixture()
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    upgrade_database(url)
    yield url
    dispose_engines()


@pytest.fixture()
def office_open(monkeypatch):
    monkeypatch.setattr(handoff_actions, "utc_now", lambda: MONDAY_10_WIB)


def make_tracker(
    text: str,
    intent: str,
    sender: str = "web-1",
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    channel: str = "socketio",
    active_loop: str | None = None,
    faq: str | None = None,
) -> Tracker:
    parse: dict[str, Any] = {"intent": {"name": intent, "confidence": 0.9}, "entities": []}
    if faq:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{faq}"}}}
    latest = {"text": text, "metadata": {"channel": channel}, **parse}
    user_event = {"event": "user", "text": text, "parse_data": parse, "input_channel": channel}
    return Tracker(
        sender,
        slots or {},
        latest,
        (events or []) + [user_event],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


async def run(action, trk: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, trk, {})
    return dispatcher.messages, events


async def test_request_human_queues_and_tells_wait_and_place(database, office_open):
    messages, events = await run(
        handoff_actions.ActionHandoffStart(),
        make_tracker("mau ngomong sama orang", "request_human"),
    )
    assert [m["response"] for m in messages] == ["utter_handoff_started"]
    assert messages[0]["position"] == 1 and messages[0]["wait_minutes"] == 5
    assert SlotSet("handoff_active", True) in events
    with session_scope(database) as session:
        row = queue.open_for_sender(session, "web-1")
        assert (row.reason, row.channel, row.agency_id, row.urgent) == (
            "request_human",
            "socketio",
            "umum",
            False,
        )
        assert {"event": "slot", "name": "handoff_id", "value": row.id, "timestamp": None} in events


async def test_second_citizen_is_told_place_two_and_a_longer_wait(database, office_open):
    await run(
        handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human", sender="a")
    )
    messages, _ = await run(
        handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human", sender="b")
    )
    assert (messages[0]["position"], messages[0]["wait_minutes"]) == (2, 10)


async def test_asking_twice_keeps_the_first_place(database, office_open):
    await run(
        handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human", sender="a")
    )
    await run(
        handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human", sender="b")
    )
    messages, _ = await run(
        handoff_actions.ActionHandoffStart(),
        make_tracker("petugas lagi", "request_human", sender="a"),
    )
    assert messages[0]["position"] == 1
    with session_scope(database) as session:
        assert len(queue.list_open(session)) == 2


async def test_outside_office_hours_says_next_working_day(database, monkeypatch):
    monkeypatch.setattr(handoff_actions, "utc_now", lambda: SATURDAY_10_WIB)
    messages, events = await run(
        handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human")
    )
    assert [m["response"] for m in messages] == ["utter_handoff_after_hours"]
    assert messages[0]["next_open"] == "Senin, 30 November 2026 pukul 08.00 WIB"
    assert SlotSet("handoff_active", True) in events


async def test_sensitive_topic_gives_emergency_numbers_first_and_jumps_the_queue(
    database, office_open
):
    await run(
        handoff_actions.ActionHandoffStart(),
        make_tracker("petugas", "request_human", sender="first"),
    )
    trk = make_tracker("tolong saya diancam mau dibunuh", "out_of_scope", sender="danger")
    messages, _ = await run(handoff_actions.ActionHandoffStart(), trk)
    assert [m["response"] for m in messages] == ["utter_handoff_emergency", "utter_handoff_started"]
    assert messages[1]["position"] == 1
    with session_scope(database) as session:
        row = queue.open_for_sender(session, "danger")
        assert (row.reason, row.urgent) == ("sensitive", True)
        assert queue.queue_position(session, queue.open_for_sender(session, "first")) == 2


async def test_fallback_and_form_reasons_and_routing(database, office_open):
    fallback_events = [{"event": "action", "name": "action_layani_fallback"}]
    fallback = make_tracker(
        "zzz",
        "nlu_fallback",
        sender="f",
        events=fallback_events,
        slots={"handoff_reason": "nlu_fallback"},
    )
    await run(handoff_actions.ActionHandoffStart(), fallback)
    form = make_tracker(
        "salah lagi",
        "inform",
        sender="g",
        active_loop="application_form",
        slots={"handoff_reason": "form"},
    )
    _, form_events = await run(handoff_actions.ActionHandoffStart(), form)
    assert ActiveLoop(None) in form_events  # the form must not talk over the officer
    paused = make_tracker(
        "petugas saja",
        "request_human",
        sender="p",
        slots={"handoff_reason": "Permohonan Akta Kelahiran: kesulitan mengisi NIK (3x ditolak)"},
    )
    _, paused_events = await run(handoff_actions.ActionHandoffStart(), paused)
    assert SlotSet("handoff_reason", None) in paused_events  # not carried into the next handoff
    complaint = make_tracker(
        "petugas", "request_human", sender="h", slots={"complaint_category": "jalan_rusak"}
    )
    await run(handoff_actions.ActionHandoffStart(), complaint)
    skck_question = {
        "event": "user",
        "text": "syarat skck apa",
        "parse_data": {
            "intent": {"name": "faq", "confidence": 0.9},
            "response_selector": {"faq": {"response": {"intent_response_key": "faq/skck"}}},
        },
    }
    await run(
        handoff_actions.ActionHandoffStart(),
        make_tracker("petugas", "request_human", sender="i", events=[skck_question]),
    )
    # The selector ranks topics for every message: the officer request's own guess is no topic.
    await run(
        handoff_actions.ActionHandoffStart(),
        make_tracker("petugas", "request_human", sender="j", faq="skck"),
    )
    with session_scope(database) as session:
        rows = {r.sender_id: r for r in queue.list_open(session)}
    assert rows["f"].reason == "fallback"
    assert rows["g"].reason == "form" and rows["g"].note is None
    assert rows["p"].reason == "request_human"
    assert rows["p"].note == "Permohonan Akta Kelahiran: kesulitan mengisi NIK (3x ditolak)"
    assert rows["h"].agency_id == "dinas_pupr"
    assert rows["i"].agency_id == "polri"  # the conversation was about SKCK
    assert rows["j"].agency_id == "umum"


async def test_back_to_bot_leaves_the_queue(database, office_open):
    await run(handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human"))
    trk = make_tracker("kembali ke asisten", "back_to_bot", slots={"handoff_active": True})
    messages, events = await run(handoff_actions.ActionHandoffEnd(), trk)
    assert [m["response"] for m in messages] == ["utter_handoff_ended"]
    assert SlotSet("handoff_active", False) in events
    with session_scope(database) as session:
        assert queue.open_for_sender(session, "web-1") is None


async def test_back_to_bot_when_not_handed_off_just_says_so(database):
    messages, events = await run(
        handoff_actions.ActionHandoffEnd(), make_tracker("kembali ke asisten", "back_to_bot")
    )
    assert [m["response"] for m in messages] == ["utter_handoff_not_active"]
    assert events == []


async def test_database_down_is_told_not_crashed(tmp_path, monkeypatch, office_open):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'no-tables.db'}")  # never migrated
    messages, events = await run(
        handoff_actions.ActionHandoffStart(), make_tracker("petugas", "request_human")
    )
    dispose_engines()
    assert [m["response"] for m in messages] == ["utter_handoff_unavailable"]
    assert SlotSet("handoff_active", True) not in events


async def test_yes_to_the_fallback_offer_is_queued_as_a_fallback(database, office_open):
    """ "iya" after "Mau saya sambungkan dengan petugas?" tells the officer the bot failed."""
    offer = [
        {"event": "action", "name": "utter_fallback_menu_or_human"},
        {"event": "action", "name": "action_listen"},
    ]
    await run(
        handoff_actions.ActionHandoffStart(),
        make_tracker("iya boleh", "affirm", sender="k", events=offer),
    )
    await run(handoff_actions.ActionHandoffStart(), make_tracker("iya boleh", "affirm", sender="l"))
    with session_scope(database) as session:
        rows = {r.sender_id: r for r in queue.list_open(session)}
    assert rows["k"].reason == "fallback"
    assert rows["l"].reason == "other"
