""" "hapus data saya": a citizen deletes their own data from the chat, and staff see it.

First the action and its storage part with a real SQLite database (what is deleted, what the
archive keeps, the audit entry, a stray "ya" that must erase nothing, a database failure that
must not pretend). Then the whole flow over REST against the real stack (`-m integration`):
after "hapus data saya" + "ya" the conversation's rows are gone from the tracker database, the
unfinished application is gone, the handoff row is gone and the audit log has the entry;
"tidak" keeps everything. None of this existed before this wave.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import privacy
from storage import personal_data
from storage.applications import submit_application
from storage.db import dispose_engines, session_scope, upgrade_database
from storage.handoff import Handoff, enqueue

PHONE_SENDER = "+6281234567890"
NIK = "3273010101900001"
CONFIRM_CONTEXT = [
    {"event": "action", "name": "utter_privacy_confirm"},
    {"event": "bot", "text": "Lanjutkan menghapus?"},
    {"event": "action", "name": "action_listen"},
]


@pytest.fixture()
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'layani.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    upgrade_database(url)
    yield url
    dispose_engines()


def tracker(text: str, sender: str, events: list[dict[str, Any]], channel: str) -> Tracker:
    parse = {"intent": {"name": "affirm", "confidence": 0.95}, "entities": [], "text": text}
    user = {"event": "user", "text": text, "parse_data": parse, "input_channel": channel}
    latest = {**parse, "metadata": {}}
    return Tracker(sender, {}, latest, [*events, user], False, None, {}, "action_listen")


async def run(trk: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await privacy.ActionEraseMyData().run(dispatcher, trk, {})
    return dispatcher.messages, events


def application(owner: str, sender: str, draft: str) -> str:
    view = submit_application(
        service="domisili",
        agency="kelurahan",
        owner_key=owner,
        sender_id=sender,
        channel="sms",
        draft_id=draft,
        data={"service": "domisili", "applicant_name": "Budi Santoso"},
        personal={"applicant_nik": NIK, "applicant_phone": PHONE_SENDER},
    )
    return view.id


def finish_long_ago(ticket_id: str, days: int) -> None:
    from storage.models import Ticket

    with session_scope() as session:
        session.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(status="selesai", updated_at=dt.datetime.utcnow() - dt.timedelta(days=days))
        )


def audit_rows() -> list[Any]:
    from storage.console import list_audit

    with session_scope() as session:
        return [
            (r.action, r.username, r.target_type, r.target_id, json.loads(r.detail or "{}"))
            for r in list_audit(session, action="citizen_data_erased")
        ]


async def test_yes_deletes_what_the_law_does_not_keep_and_is_audited(database):
    owner = f"phone:{PHONE_SENDER}"
    with session_scope() as session:
        enqueue(session, PHONE_SENDER, "sms", "kelurahan", "request_human")
        enqueue(session, "+6285712345678", "sms", "kelurahan", "request_human")
    open_ticket = application(owner, PHONE_SENDER, "d-open")
    old_ticket = application(owner, PHONE_SENDER, "d-old")
    finish_long_ago(old_ticket, days=100)  # past the 90 days after closing

    messages, events = await run(tracker("YA", PHONE_SENDER, CONFIRM_CONTEXT, "twilio"))

    assert [m["response"] for m in messages] == ["utter_privacy_erased"]
    assert [e["event"] for e in events] == ["restart", "followup"]
    with session_scope() as session:
        remaining = session.execute(sa.select(Handoff.sender_id)).scalars().all()
    assert remaining == ["+6285712345678"]  # only this citizen's queue row
    assert personal_data.read(old_ticket) == {}  # retention over: deleted now
    assert personal_data.read(open_ticket)["applicant_nik"] == NIK  # the archive keeps it
    (action, username, target_type, target_id, detail) = audit_rows()[0]
    assert (action, username, target_type) == ("citizen_data_erased", "system", "conversation")
    assert "81234567890" not in target_id  # an SMS conversation id is a phone number
    assert target_id.endswith("890")
    assert detail["handoffs_deleted"] == 1
    assert detail["personal_data_rows_deleted"] == 2
    assert detail["tickets_kept"] == 2
    assert NIK not in json.dumps(detail) and "81234567890" not in json.dumps(detail)


async def test_a_yes_that_does_not_answer_the_question_erases_nothing(database):
    with session_scope() as session:
        enqueue(session, "web-1", "socketio", "kelurahan", "request_human")
    other_question = [
        {"event": "action", "name": "utter_application_summary_domisili"},
        {"event": "action", "name": "action_listen"},
    ]
    for events_before in ([], other_question):
        messages, events = await run(tracker("ya", "web-1", events_before, "socketio"))
        assert events == []
        assert [m["response"] for m in messages] == ["utter_privacy_confirm"]  # asks again
    with session_scope() as session:
        assert session.execute(sa.select(sa.func.count(Handoff.id))).scalar_one() == 1
    assert audit_rows() == []


async def test_database_down_says_so_and_keeps_the_conversation(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'no.db'}")
    messages, events = await run(tracker("ya", "web-2", CONFIRM_CONTEXT, "socketio"))
    assert [m["response"] for m in messages] == ["utter_privacy_failed"]
    assert events == []  # no Restarted: the tracker store keeps the conversation
    dispose_engines()


async def test_leaving_a_form_keeps_answers_and_drops_the_request_from_the_asked_slot():
    trk = Tracker(
        "web-3",
        {"requested_slot": "applicant_nik", "applicant_nik": "hapus data saya"},
        {"intent": {"name": "delete_my_data"}, "text": "hapus data saya"},
        [],
        False,
        None,
        {"name": "application_form"},
        "action_listen",
    )
    domain = {"slots": {"applicant_nik": {}, "requested_slot": {}}}
    events = await privacy.ActionPrivacyLeaveForm().run(CollectingDispatcher(), trk, domain)
    assert {"event": "slot", "name": "applicant_nik", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events
    ]
    assert any(e["event"] == "active_loop" and e["name"] is None for e in events)


def test_the_store_recognises_the_action_that_erases():
    from layani import tracker_store

    assert tracker_store.ERASE_ACTION == privacy.ActionEraseMyData().name()


# --- the whole flow against the real stack ------------------------------------------------


def tracker_rows(stack, conversation: str) -> int:
    engine = sa.create_engine(f"sqlite:///{stack.env['RASA_TRACKER_DB']}")
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": conversation}
            ).scalar_one()
    finally:
        engine.dispose()


def query(stack, sql: str, **params: Any) -> list[Any]:
    engine = sa.create_engine(stack.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def say(stack, sender: str, text: str, *expected: str) -> str:
    joined = "\n".join(stack.texts(sender, text))
    for part in expected:
        assert part in joined, f"{part!r} not in the reply to {text!r}:\n{joined}"
    return joined


def draft_and_handoff(stack, sender: str) -> None:
    """An unfinished application (two answers) paused for an officer, then back to the bot."""
    say(stack, sender, "saya mau mengajukan surat keterangan domisili", "nama lengkap Anda")
    say(stack, sender, "budi santoso", "tanggal lahir Anda")
    say(stack, sender, "1 Januari 1990", "Berapa NIK Anda")
    say(stack, sender, "saya mau bicara dengan petugas")
    say(stack, sender, "kembali ke asisten")
    conversation = stack.conversation_id(sender)
    assert query(stack, "SELECT id FROM handoffs WHERE sender_id = :s", s=conversation)


@pytest.mark.integration
def test_hapus_data_saya_then_ya_deletes_the_conversation_draft_and_queue_row(rasa_stack):
    sender = f"hapus-{uuid.uuid4().hex[:8]}"
    draft_and_handoff(rasa_stack, sender)
    conversation = rasa_stack.conversation_id(sender)
    assert tracker_rows(rasa_stack, conversation) > 0

    # Asked in the middle of the resumed form: the request is not taken as the NIK.
    say(rasa_stack, sender, "ajukan permohonan", "Kita lanjutkan", "Berapa NIK Anda")
    say(rasa_stack, sender, "tolong data saya dihapus semua", "Yang akan dihapus", "tetap disimpan")
    say(rasa_stack, sender, "ya", "Data Anda sudah dihapus")

    deadline = time.monotonic() + 15  # Rasa saves the turn right after answering
    while tracker_rows(rasa_stack, conversation) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tracker_rows(rasa_stack, conversation) == 0
    assert not query(rasa_stack, "SELECT id FROM handoffs WHERE sender_id = :s", s=conversation)
    audit = query(
        rasa_stack,
        "SELECT username, detail FROM console_audit_log "
        "WHERE action = 'citizen_data_erased' AND target_id = :t",
        t=conversation,
    )
    assert len(audit) == 1 and audit[0].username == "system"
    assert json.loads(audit[0].detail)["handoffs_deleted"] == 1

    # The conversation starts clean: no draft to resume, the service is asked again.
    reply = say(rasa_stack, sender, "ajukan permohonan", "Permohonan apa yang ingin Anda ajukan")
    assert "Kita lanjutkan" not in reply and "Budi" not in reply


@pytest.mark.integration
def test_hapus_data_saya_then_tidak_keeps_everything(rasa_stack):
    sender = f"simpan-{uuid.uuid4().hex[:8]}"
    draft_and_handoff(rasa_stack, sender)
    conversation = rasa_stack.conversation_id(sender)

    say(rasa_stack, sender, "ajukan permohonan", "Kita lanjutkan", "Berapa NIK Anda")
    say(rasa_stack, sender, "hapus data saya", "Lanjutkan menghapus?")
    say(rasa_stack, sender, "tidak", "data Anda tidak dihapus")
    rows = tracker_rows(rasa_stack, conversation)
    assert rows > 0
    assert query(rasa_stack, "SELECT id FROM handoffs WHERE sender_id = :s", s=conversation)
    assert not query(
        rasa_stack,
        "SELECT id FROM console_audit_log WHERE action = 'citizen_data_erased' AND target_id = :t",
        t=conversation,
    )
    # The draft is intact and the request did not become an answer: the NIK is asked again.
    say(rasa_stack, sender, "ajukan permohonan", "Kita lanjutkan permohonan Anda", "Berapa NIK")


@pytest.mark.integration
def test_hapus_data_saya_in_the_middle_of_a_complaint_is_not_taken_as_the_report(rasa_stack):
    sender = f"lapor-{uuid.uuid4().hex[:8]}"
    say(rasa_stack, sender, "mau lapor", "Ceritakan masalahnya")
    say(rasa_stack, sender, "hapus data saya", "Lanjutkan menghapus?")
    say(rasa_stack, sender, "tidak", "data Anda tidak dihapus")
    assert not query(
        rasa_stack,
        "SELECT id FROM tickets WHERE sender_id = :s",
        s=rasa_stack.conversation_id(sender),
    )
