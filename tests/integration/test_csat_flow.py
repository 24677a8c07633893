"""Satisfaction ratings end to end: the question after a finished complaint, and the answer on
each kind of channel — an SMS digit through the real (signed) Twilio webhook, a Telegram button
(callback_query), and a web chat button over socket.io.

The stack is the real one (gateway, Rasa server, action server) with Telegram and Twilio pointed
at the local stand-ins. Status changes run in this process through `services.ticket_status`, as
the console and `layani complaint status` do, so the notification takes the real outbound API.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.fakes_providers import FakeTelegram, FakeTwilio
from support.stack import start_stack
from support.webchat_app import Visitor

# The channel-webhook helpers: recorded payloads, signatures and the providers' settings.
from test_channel_webhooks import (
    PUBLIC,
    SMS_NUMBER,
    TG_SECRET,
    TG_TOKEN,
    TW_SID,
    TW_TOKEN,
    WA_NUMBER,
    post_telegram,
    post_twilio,
    telegram_update,
    twilio_form,
    user_events,
)

from layani.gsm7 import is_gsm7, segment_count

pytestmark = pytest.mark.integration

THANKS = "Terima kasih, nilai"


@pytest.fixture(scope="module")
def providers():
    telegram, twilio = FakeTelegram(TG_TOKEN).start(), FakeTwilio(TW_SID, TW_TOKEN).start()
    yield telegram, twilio
    telegram.stop()
    twilio.stop()


@pytest.fixture(scope="module")
def stack(request, providers, tmp_path_factory):
    telegram, twilio = providers
    override = os.environ.get("LAYANI_TEST_MODEL")
    model_path = Path(override) if override else request.getfixturevalue("model_path")
    workdir = tmp_path_factory.mktemp("csat")
    env = {
        "TELEGRAM_BOT_TOKEN": TG_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TG_SECRET,
        "TELEGRAM_API_BASE_URL": telegram.url,
        "TWILIO_ACCOUNT_SID": TW_SID,
        "TWILIO_AUTH_TOKEN": TW_TOKEN,
        "TWILIO_SMS_NUMBER": SMS_NUMBER,
        "TWILIO_WHATSAPP_NUMBER": WA_NUMBER,
        "TWILIO_API_BASE_URL": twilio.url,
        "PUBLIC_BASE_URL": PUBLIC,
        "LAYANI_DEAD_LETTER_FILE": str(workdir / "dead_letters.jsonl"),
        "LAYANI_SEND_BACKOFF": "0.05",
    }
    s = start_stack(model_path, workdir, extra_env=env, ready_timeout=900)
    yield s
    s.stop()


@pytest.fixture(autouse=True)
def stack_env(stack, monkeypatch):
    """This process talks to the stack's database and outbound API, like the console does."""
    for name in ("DATABASE_URL", "RASA_URL", "LAYANI_OUTBOUND_TOKEN", "LAYANI_PII_KEY"):
        monkeypatch.setenv(name, stack.env[name])
    yield
    from storage import db

    db.dispose_engines()


def _wait(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


def _finished_complaint(owner_key: str, sender_id: str, channel: str, final: str = "selesai"):
    from services import ticket_status
    from storage import tickets

    ticket = tickets.create_ticket(
        kind="complaint",
        owner_key=owner_key,
        sender_id=sender_id,
        channel=channel,
        category_or_service="jalan_rusak",
        description="Jalan depan SDN 3 berlubang besar",
        location="depan SDN 3 Cibeunying",
    )
    path = ("diverifikasi", "diproses", "selesai") if final == "selesai" else ("ditolak",)
    for status in path:
        ticket_status.change_status(ticket.id, status, actor="uji")
    return ticket


def _rating(ticket_id: str):
    from storage import ratings

    return ratings.get_rating("ticket", ticket_id)


def _sms(stack, phone: str, body: str):
    response = post_twilio(stack, twilio_form("sms_text", phone, Body=body))
    assert response.status_code == 200


# --- SMS ----------------------------------------------------------------------------------


def test_sms_digit_rates_the_finished_complaint_and_komentar_adds_a_sealed_comment(
    stack, providers
):
    _, twilio = providers
    phone = "+6281299990001"
    _sms(stack, phone, "halo")
    _wait(lambda: twilio.bodies(to=phone))
    ticket = _finished_complaint(f"phone:{phone}", phone, "sms")

    question = _wait(lambda: [b for b in twilio.bodies(to=phone) if "balas 1" in b])[-1]
    assert ticket.id in question and is_gsm7(question) and segment_count(question) == 1

    _sms(stack, phone, "4")
    thanks = _wait(lambda: [b for b in twilio.bodies(to=phone) if THANKS in b])
    assert "nilai 4" in thanks[-1]
    rating = _rating(ticket.id)
    assert (rating.score, rating.channel, rating.agency) == (4, "sms", "dinas_pupr")

    _sms(stack, phone, "KOMENTAR petugas cepat, jalan sudah mulus")
    _wait(lambda: [b for b in twilio.bodies(to=phone) if "komentar Anda sudah" in b])
    assert _rating(ticket.id).comment == "petugas cepat, jalan sudah mulus"
    from storage import db

    with db.get_engine().connect() as conn:
        stored = conn.execute(sa.text("SELECT comment FROM ratings")).scalars().all()
    assert stored and not any("mulus" in (c or "") for c in stored)

    # A later answer replaces the earlier one: still one rating for the ticket.
    _sms(stack, phone, "5")
    _wait(lambda: len([b for b in twilio.bodies(to=phone) if THANKS in b]) >= 2)
    assert _rating(ticket.id).score == 5
    with db.get_engine().connect() as conn:
        count = conn.execute(
            sa.text("SELECT COUNT(*) FROM ratings WHERE subject_ref = :r"), {"r": ticket.id}
        ).scalar()
    assert count == 1


def test_sms_digit_without_a_question_or_after_seven_days_is_a_normal_message(stack, providers):
    _, twilio = providers
    stranger = "+6281299990002"
    _sms(stack, stranger, "3")
    replies = _wait(lambda: twilio.bodies(to=stranger))
    assert not any(THANKS in b for b in replies)

    phone = "+6281299990003"
    _sms(stack, phone, "halo")
    _wait(lambda: twilio.bodies(to=phone))
    ticket = _finished_complaint(f"phone:{phone}", phone, "sms", final="ditolak")
    _wait(lambda: [b for b in twilio.bodies(to=phone) if "balas 1" in b])
    from storage import db

    with db.get_engine().begin() as conn:  # the question was asked 8 days ago
        conn.execute(
            sa.text(
                "UPDATE rating_requests SET asked_at = :a, expires_at = :e WHERE subject_ref = :r"
            ),
            {"a": "2020-01-01 00:00:00", "e": "2020-01-08 00:00:00", "r": ticket.id},
        )
    before = len(twilio.bodies(to=phone))
    _sms(stack, phone, "2")
    _wait(lambda: len(twilio.bodies(to=phone)) > before)
    time.sleep(1.0)
    assert not any(THANKS in b for b in twilio.bodies(to=phone)[before:])
    assert _rating(ticket.id) is None


def test_sms_digit_inside_a_form_belongs_to_the_form(stack, providers):
    _, twilio = providers
    phone = "+6281299990004"
    _sms(stack, phone, "halo")
    _wait(lambda: twilio.bodies(to=phone))
    ticket = _finished_complaint(f"phone:{phone}", phone, "sms")
    _wait(lambda: [b for b in twilio.bodies(to=phone) if "balas 1" in b])
    turns = len(user_events(stack, phone))
    _sms(stack, phone, "saya mau lapor jalan rusak")
    _wait(lambda: len(user_events(stack, phone)) > turns)
    _wait(lambda: stack.tracker(phone).get("active_loop", {}).get("name") == "complaint_form")
    _sms(stack, phone, "1")
    _wait(lambda: len(user_events(stack, phone)) > turns + 1)
    time.sleep(2.0)
    events = stack.tracker(phone)["events"]
    actions = [e.get("name") for e in events if e["event"] == "action"]
    assert "action_csat_rate" not in actions
    assert _rating(ticket.id) is None


# --- Telegram -----------------------------------------------------------------------------


def test_telegram_button_rates_the_rejected_complaint(stack, providers):
    telegram, _ = providers
    user = 730000001
    assert post_telegram(stack, telegram_update("text", user)).status_code == 200
    telegram.wait_for(lambda c: telegram.sent_texts(user))
    ticket = _finished_complaint(f"telegram:{user}", str(user), "telegram", final="ditolak")

    def keyboard():
        for call in reversed(telegram.calls):
            markup = call.data.get("reply_markup") or {}
            if call.method == "sendMessage" and ticket.id in call.data.get("text", ""):
                if markup.get("inline_keyboard"):
                    return markup["inline_keyboard"]
        return None

    rows = _wait(keyboard)
    assert [row[0]["text"][0] for row in rows] == ["1", "2", "3", "4", "5"]
    update = telegram_update("callback_query", user)
    update["callback_query"]["data"] = rows[1][0]["callback_data"]  # "2 - Buruk"
    assert post_telegram(stack, update).json()["status"] == "accepted"
    _wait(lambda: [t for t in telegram.sent_texts(user) if THANKS in t])
    rating = _rating(ticket.id)
    assert (rating.score, rating.channel) == (2, "telegram")


def test_telegram_button_for_someone_elses_ticket_rates_nothing(stack, providers):
    telegram, _ = providers
    owner, other = 730000002, 730000003
    for user in (owner, other):
        assert post_telegram(stack, telegram_update("text", user)).status_code == 200
        telegram.wait_for(lambda c, u=user: telegram.sent_texts(u))
    ticket = _finished_complaint(f"telegram:{owner}", str(owner), "telegram")
    forged = "/csat_rate" + json.dumps({"csat_score": "1", "csat_subject": f"ticket:{ticket.id}"})
    update = telegram_update("callback_query", other)
    update["callback_query"]["data"] = forged
    before = len(telegram.sent_texts(other))
    assert post_telegram(stack, update).json()["status"] == "accepted"
    _wait(lambda: len(telegram.sent_texts(other)) > before)
    assert not any(THANKS in t for t in telegram.sent_texts(other))
    assert _rating(ticket.id) is None


# --- Web chat -----------------------------------------------------------------------------


async def test_web_chat_button_rates_the_finished_complaint(stack):
    import asyncio

    visitor = Visitor(stack.url)
    messages: list[dict] = []

    def on_bot(message):
        visitor.replies.append(message.get("text", ""))
        messages.append(message)

    visitor.client.on("bot_uttered", on_bot)
    await visitor.start()
    try:
        await visitor.say("halo")
        await visitor.wait_replies(1, timeout=60)
        session = visitor.session_id
        ticket = await asyncio.to_thread(
            _finished_complaint, f"socketio:{session}", session, "socketio"
        )
        deadline = time.monotonic() + 60
        question = None
        while question is None and time.monotonic() < deadline:
            question = next(
                (m for m in messages if ticket.id in m.get("text", "") and _buttons(m)), None
            )
            await asyncio.sleep(0.2)
        assert question is not None, messages
        five = next(b for b in _buttons(question) if b["title"].startswith("5"))
        count = len(visitor.replies)
        await visitor.say(five["payload"])
        await visitor.wait_replies(count + 1, timeout=60)
        assert any(THANKS in r for r in visitor.replies[count:]), visitor.replies
        rating = await asyncio.to_thread(_rating, ticket.id)
        assert (rating.score, rating.channel) == (5, "socketio")
    finally:
        await visitor.close()


def _buttons(message: dict) -> list[dict]:
    return message.get("quick_replies") or message.get("buttons") or []


# --- REST, closed with the CLI (the independent check) ------------------------------


def test_rest_complaint_closed_with_the_cli_is_rated_by_a_reply(stack):
    import subprocess
    import sys

    from support.stack import ROOT

    from storage import tickets

    sender = "csat-rest-1"
    stack.rest(sender, "halo")
    conversation = stack.conversation_id(sender)
    ticket = tickets.create_ticket(
        kind="complaint",
        owner_key=conversation,
        sender_id=conversation,
        channel="rest",
        category_or_service="sampah",
        description="Sampah menumpuk di TPS Pasar Kosambi",
        location="Pasar Kosambi",
    )
    for status in ("diverifikasi", "diproses", "selesai"):
        subprocess.run(
            [sys.executable, "-m", "tooling.cli", "complaint", "status", ticket.id, status],
            env=stack.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
    # REST cannot push: the question is recorded in the conversation, with its buttons.
    bot = [e for e in stack.tracker(sender)["events"] if e["event"] == "bot"]
    assert ticket.id in bot[-1]["text"] and len(bot[-1]["data"]["buttons"]) == 5
    replies = stack.texts(sender, "4")
    assert any(THANKS in r for r in replies), replies
    rating = _rating(ticket.id)
    assert (rating.score, rating.channel, rating.agency) == (4, "rest", ticket.agency)
