"""Telegram and Twilio webhooks on the real Sanic app, with recorded provider payloads.

The stack runs with TELEGRAM_*/TWILIO_* set and the providers' API base URLs pointing at local
stand-ins (tests/support/fakes_providers.py) that record every outbound call.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
from support.fakes_providers import FakeTelegram, FakeTwilio
from support.stack import start_stack
from twilio.request_validator import RequestValidator

pytestmark = pytest.mark.integration

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
TG_TOKEN = "7012345678:AAHfakeTokenForLocalTests_0123456789"
TG_SECRET = "layani-test-secret_01"
TW_SID = "AC0123456789abcdef0123456789abcdef"
TW_TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://layani.example.go.id"
SMS_NUMBER, WA_NUMBER = "+14155550100", "+14155238886"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def providers():
    telegram, twilio = FakeTelegram(TG_TOKEN).start(), FakeTwilio(TW_SID, TW_TOKEN).start()
    yield telegram, twilio
    telegram.stop()
    twilio.stop()


@pytest.fixture(scope="module")
def stack(request, providers, tmp_path_factory):
    telegram, twilio = providers
    # LAYANI_TEST_MODEL: reuse a given model while iterating on connector code.
    override = os.environ.get("LAYANI_TEST_MODEL")
    model_path = Path(override) if override else request.getfixturevalue("model_path")
    workdir = tmp_path_factory.mktemp("channels")
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
        "TWILIO_WHATSAPP_TEMPLATE_SID": "HX0123456789abcdef0123456789abcdef",
    }
    # A loaded CI machine can take minutes to load a large model; wait longer than the default.
    s = start_stack(model_path, workdir, extra_env=env, ready_timeout=900)
    s.dead_letters = workdir / "dead_letters.jsonl"
    yield s
    s.stop()


# --- helpers -----------------------------------------------------------------------------


def telegram_update(name: str, user_id: int) -> dict:
    """A recorded update, re-addressed to a fresh user and update id so tests don't collide."""
    update = json.loads((PAYLOADS / "telegram" / f"{name}.json").read_text())
    update["update_id"] = 900_000_000 + next(_ids) * 10 + user_id % 7
    for key in ("message", "edited_message", "callback_query"):
        part = update.get(key)
        if not part:
            continue
        part["from"]["id"] = user_id
        chat = part.get("chat") or (part.get("message") or {}).get("chat")
        if chat and chat.get("type") == "private":
            chat["id"] = user_id
        if part.get("contact", {}).get("user_id") == 5120347788:
            part["contact"]["user_id"] = user_id
    return update


def post_telegram(stack, update: dict, secret=TG_SECRET) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return httpx.post(
        f"{stack.webhook_url}/webhooks/telegram/webhook",
        content=json.dumps(update),
        headers=headers,
        timeout=30,
    )


def twilio_form(name: str, phone: str, **changes) -> str:
    params = parse_qs((PAYLOADS / "twilio" / f"{name}.form").read_text(), keep_blank_values=True)
    fields = {k: v[0] for k, v in params.items()}
    sid = f"SM{next(_ids):032x}"
    fields.update(MessageSid=sid, SmsMessageSid=sid, SmsSid=sid)
    fields["From"] = ("whatsapp:" if fields["From"].startswith("whatsapp:") else "") + phone
    if "WaId" in fields:
        fields["WaId"] = phone.lstrip("+")
    fields.update(changes)
    return urlencode(fields)


def post_twilio(
    stack, raw: str, signature="auto", url=PUBLIC + "/webhooks/twilio/webhook", headers=None
) -> httpx.Response:
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if signature == "auto":
        params = parse_qs(raw, keep_blank_values=True)
        signature = RequestValidator(TW_TOKEN).compute_signature(
            url, {k: v[0] for k, v in params.items()}
        )
    if signature is not None:
        h["X-Twilio-Signature"] = signature
    return httpx.post(
        f"{stack.webhook_url}/webhooks/twilio/webhook", content=raw, headers=h, timeout=30
    )


def tracker_events(stack, sender: str) -> list:
    return stack.tracker(sender)["events"]


def user_events(stack, sender: str) -> list:
    return [e for e in tracker_events(stack, sender) if e["event"] == "user"]


def settle(fake, predicate, quiet: float = 1.5):
    """Wait for `predicate`, then a quiet period so late duplicates would show up too."""
    fake.wait_for(predicate, timeout=60)
    time.sleep(quiet)
    return list(fake.calls)


# --- Telegram ----------------------------------------------------------------------------


def test_telegram_forged_or_missing_secret_is_403_and_nothing_processed(stack, providers):
    telegram, _ = providers
    user = 710000001
    for secret in (None, "", "wrong-secret", TG_SECRET + "x"):
        response = post_telegram(stack, telegram_update("text", user), secret=secret)
        assert response.status_code == 403
    time.sleep(1.5)
    assert telegram.sent_texts(user) == []
    assert user_events(stack, str(user)) == []


def test_telegram_text_reply_and_fast_ack(stack, providers):
    telegram, _ = providers
    user = 710000002
    started = time.monotonic()
    response = post_telegram(stack, telegram_update("text", user))
    acked = time.monotonic()
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    telegram.wait_for(lambda c: telegram.sent_texts(user))
    # Generous bound for a shared CI machine; `make bench` measures the real figure (p99 < 50 ms).
    assert acked - started < 1.0
    assert "Halo" in telegram.sent_texts(user)[0]
    stack.stored_tracker(str(user))
    assert user_events(stack, str(user))[0]["metadata"]["channel"] == "telegram"


def test_telegram_update_delivered_five_times_gets_one_reply(stack, providers):
    telegram, _ = providers
    user = 710000003
    update = telegram_update("text", user)
    with ThreadPoolExecutor(5) as pool:
        statuses = list(
            pool.map(
                lambda _: post_telegram(stack, copy.deepcopy(update)).json()["status"], range(5)
            )
        )
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 4
    settle(telegram, lambda c: telegram.sent_texts(user))
    bot_events = [e for e in tracker_events(stack, str(user)) if e["event"] == "bot"]
    assert len(user_events(stack, str(user))) == 1
    assert len(telegram.sent_texts(user)) == len(bot_events) >= 1


def test_telegram_photo_location_contact_reach_rasa_as_metadata(stack, providers):
    telegram, _ = providers
    user = 710000004
    for name in ("photo", "location", "contact_own"):
        assert post_telegram(stack, telegram_update(name, user)).status_code == 200
    deadline = time.time() + 60
    while len(user_events(stack, str(user))) < 3 and time.time() < deadline:
        time.sleep(0.3)
    photo, location, contact = (e["metadata"] for e in user_events(stack, str(user)))
    recorded = json.loads((PAYLOADS / "telegram" / "photo.json").read_text())["message"]["photo"]
    assert photo["photo"]["file_id"] == recorded[-1]["file_id"]  # the largest size
    assert photo["photo"]["width"] == 1280
    assert location["location"] == {"latitude": -6.914744, "longitude": 107.60981}
    # Stored masked, like every phone number in the conversation store (docs/privacy.md).
    assert contact["contact"]["phone_number"] == "+62********890"
    assert [e["text"] for e in user_events(stack, str(user))] == ["/share_media"] * 3
    # Each one got a sensible answer, not silence.
    settle(telegram, lambda c: len(telegram.sent_texts(user)) >= 3)


def test_telegram_someone_elses_contact_is_refused_and_not_stored(stack, providers):
    telegram, _ = providers
    user = 710000005
    assert (
        post_telegram(stack, telegram_update("contact_other", user)).json()["status"]
        == "unsupported"
    )
    settle(telegram, lambda c: telegram.sent_texts(user))
    assert "nomor telepon Anda sendiri" in telegram.sent_texts(user)[0]
    assert user_events(stack, str(user)) == []


def test_telegram_callback_query_is_answered_and_processed(stack, providers):
    telegram, _ = providers
    user = 710000006
    update = telegram_update("callback_query", user)
    assert post_telegram(stack, update).json()["status"] == "accepted"
    settle(telegram, lambda c: telegram.sent_texts(user))
    answered = [
        c
        for c in telegram.calls
        if c.method == "answerCallbackQuery"
        and c.data["callback_query_id"] == update["callback_query"]["id"]
    ]
    assert len(answered) == 1
    last = user_events(stack, str(user))[-1]
    assert last["parse_data"]["intent"]["name"] == "help"


def test_telegram_edited_group_and_sticker_are_handled_deliberately(stack, providers):
    telegram, _ = providers
    user = 710000007
    assert (
        post_telegram(stack, telegram_update("edited_message", user)).json()["status"] == "edited"
    )
    assert post_telegram(stack, telegram_update("sticker", user)).json()["status"] == "unsupported"
    group = telegram_update("group_text", user)
    assert post_telegram(stack, group).json()["status"] == "group"
    group_again = telegram_update("group_text", user)
    assert post_telegram(stack, group_again).json()["status"] == "group"
    chat = group["message"]["chat"]["id"]
    settle(telegram, lambda c: telegram.sent_texts(user) and telegram.sent_texts(chat))
    assert len(telegram.sent_texts(chat)) == 1  # refused once, not on every group message
    assert "percakapan pribadi" in telegram.sent_texts(chat)[0]
    assert user_events(stack, str(user)) == []


def test_telegram_buttons_are_inline_keyboard_and_plain_text(stack, providers):
    telegram, _ = providers
    user = 710000008
    post_telegram(stack, telegram_update("text", user))
    telegram.wait_for(lambda c: telegram.sent_texts(user))
    buttons = [
        {"title": "Ya", "payload": "/affirm"},
        {
            "title": "Pilih <b>ini</b>",
            "payload": '/choose_faq_topic{"faq_topic": "akta_kelahiran", '
            '"agency": "dukcapil_kota_bandung"}',
        },
    ]
    response = httpx.post(
        f"{stack.url}/layani/outbound",
        headers={"Authorization": f"Bearer {stack.outbound_token}"},
        json={"sender_id": str(user), "text": "Teks *tanpa* _markup_ <b>x</b>", "buttons": buttons},
    )
    assert response.status_code == 200 and response.json()["delivered"] is True
    sent = [
        c
        for c in telegram.calls
        if c.method == "sendMessage"
        and "reply_markup" in c.data
        and str(c.data["chat_id"]) == str(user)
    ][-1]
    assert sent.data["text"] == "Teks *tanpa* _markup_ <b>x</b>"
    assert "parse_mode" not in sent.data
    keyboard = sent.data["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Ya", "Pilih <b>ini</b>"]
    long_data = keyboard[1][0]["callback_data"]
    assert len(long_data.encode()) <= 64 and long_data.startswith("k:")
    # Pressing the long button sends its full payload to Rasa.
    press = telegram_update("callback_query", user)
    press["callback_query"]["data"] = long_data
    post_telegram(stack, press)
    deadline = time.time() + 30
    while (
        time.time() < deadline
        and user_events(stack, str(user))[-1]["text"] != buttons[1]["payload"]
    ):
        time.sleep(0.3)
    assert user_events(stack, str(user))[-1]["text"] == buttons[1]["payload"]


def test_telegram_send_failures_are_retried_once_delivered(stack, providers):
    telegram, _ = providers
    user = 710000009
    telegram.fail_next(2, 502)
    post_telegram(stack, telegram_update("text", user))
    settle(telegram, lambda c: telegram.sent_texts(user))
    bot_events = [e for e in tracker_events(stack, str(user)) if e["event"] == "bot"]
    assert len(telegram.sent_texts(user)) == len(bot_events)


# --- Twilio ------------------------------------------------------------------------------


def test_twilio_forged_or_missing_signature_is_403_and_nothing_processed(stack, providers):
    _, twilio = providers
    phone = "+6281200000001"
    raw = twilio_form("sms_text", phone)
    assert post_twilio(stack, raw, signature=None).status_code == 403
    assert post_twilio(stack, raw, signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status_code == 403
    # Signed for another URL (a replay against a different endpoint).
    assert (
        post_twilio(stack, raw, url="https://evil.example/webhooks/twilio/webhook").status_code
        == 403
    )
    # Tampered body after signing.
    params = parse_qs(raw, keep_blank_values=True)
    sig = RequestValidator(TW_TOKEN).compute_signature(
        PUBLIC + "/webhooks/twilio/webhook", {k: v[0] for k, v in params.items()}
    )
    assert (
        post_twilio(stack, raw.replace("Body=halo", "Body=menu"), signature=sig).status_code == 403
    )
    time.sleep(1.5)
    assert twilio.bodies(phone) == []
    assert user_events(stack, phone) == []


def test_twilio_signature_behind_proxy_uses_forwarded_proto_and_host(stack, providers):
    _, twilio = providers
    phone = "+6281200000002"
    raw = twilio_form("sms_text", phone)
    url = "https://gateway.kota.go.id/webhooks/twilio/webhook"
    response = post_twilio(
        stack,
        raw,
        url=url,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gateway.kota.go.id"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    settle(twilio, lambda c: twilio.bodies(phone))


def test_twilio_message_sid_delivered_five_times_gets_one_reply(stack, providers):
    _, twilio = providers
    phone = "+6281200000003"
    raw = twilio_form("sms_text", phone)
    with ThreadPoolExecutor(5) as pool:
        codes = list(pool.map(lambda _: post_twilio(stack, raw).status_code, range(5)))
    assert codes == [200] * 5
    settle(twilio, lambda c: twilio.bodies(phone))
    assert len(user_events(stack, phone)) == 1
    assert len(twilio.bodies(phone)) == 1  # one turn's messages are one SMS


def test_whatsapp_media_only_message_gets_a_sensible_answer(stack, providers):
    _, twilio = providers
    phone = "+6281200000004"
    response = post_twilio(stack, twilio_form("whatsapp_media_only", phone))
    assert response.status_code == 200
    settle(twilio, lambda c: twilio.bodies("whatsapp:" + phone))
    event = user_events(stack, phone)[-1]
    assert event["text"] == "/share_media"
    assert event["metadata"]["channel"] == "whatsapp"
    assert event["metadata"]["photo"]["content_type"] == "image/jpeg"
    assert event["metadata"]["photo"]["url"].startswith("https://api.twilio.com/")
    reply = twilio.bodies("whatsapp:" + phone)[0]
    assert "kiriman Anda sudah" in reply  # utter_media_received: acknowledges, says how to report
    sent = [c for c in twilio.calls if c.data.get("To") == "whatsapp:" + phone][0]
    assert sent.data["From"] == "whatsapp:" + WA_NUMBER


def test_whatsapp_location_and_sms_media_only(stack, providers):
    _, twilio = providers
    phone = "+6281200000005"
    assert post_twilio(stack, twilio_form("whatsapp_location", phone)).status_code == 200
    assert post_twilio(stack, twilio_form("sms_mms_media_only", phone)).status_code == 200
    settle(twilio, lambda c: len(twilio.bodies("whatsapp:" + phone)) >= 1 and twilio.bodies(phone))
    stack.stored_tracker(phone, user_turns=2)
    events = user_events(stack, phone)
    assert events[0]["metadata"]["location"]["latitude"] == -6.2087634
    assert events[1]["metadata"]["channel"] == "sms" and "photo" in events[1]["metadata"]
    # The same response, each channel's own variant: SMS gets the short `channel: sms` text.
    assert "balas LAPOR" in twilio.bodies(phone)[0]
    assert "balas LAPOR" not in twilio.bodies("whatsapp:" + phone)[0]


def test_sms_and_whatsapp_from_one_phone_are_one_citizen(stack, providers):
    _, twilio = providers
    phone = "+6281200000006"
    post_twilio(stack, twilio_form("sms_text", phone))
    settle(twilio, lambda c: twilio.bodies(phone), quiet=0.5)
    post_twilio(stack, twilio_form("whatsapp_text", phone))
    settle(twilio, lambda c: twilio.bodies("whatsapp:" + phone), quiet=0.5)
    stack.stored_tracker(phone, user_turns=2)
    channels = [e["metadata"]["channel"] for e in user_events(stack, phone)]
    assert channels == ["sms", "whatsapp"]


def test_sms_menu_is_one_sms_and_a_digit_picks_the_button(stack, providers):
    _, twilio = providers
    phone = "+6281200000007"
    post_twilio(stack, twilio_form("sms_text", phone))
    settle(twilio, lambda c: twilio.bodies(phone), quiet=0.5)
    buttons = [
        {"title": "Tanya layanan", "payload": "/help_topics"},
        {"title": "Buat laporan", "payload": "/start_complaint"},
        {"title": "Bicara dengan petugas", "payload": "/request_human"},
    ]
    before = len(twilio.bodies(phone))
    response = httpx.post(
        f"{stack.url}/layani/outbound",
        headers={"Authorization": f"Bearer {stack.outbound_token}"},
        json={
            "sender_id": phone,
            "text": "Pilih layanan “berikut” – terima kasih 🙏",
            "buttons": buttons,
        },
    )
    assert response.status_code == 200 and response.json()["channel"] == "sms"
    bodies = twilio.bodies(phone)[before:]
    assert len(bodies) == 1  # a menu is one SMS, not one per button
    assert (
        "Balas 1 untuk Tanya layanan" in bodies[0]
        and "Balas 3 untuk Bicara dengan petugas" in bodies[0]
    )
    assert '"berikut" - terima kasih' in bodies[0] and "🙏" not in bodies[0]
    post_twilio(stack, twilio_form("sms_text", phone, Body="3"))
    deadline = time.time() + 30
    while time.time() < deadline and user_events(stack, phone)[-1]["text"] != "/request_human":
        time.sleep(0.3)
    assert user_events(stack, phone)[-1]["text"] == "/request_human"


def test_sms_keyword_menu(stack, providers):
    _, twilio = providers
    phone = "+6281200000008"
    post_twilio(stack, twilio_form("sms_menu_keyword", phone))
    settle(twilio, lambda c: twilio.bodies(phone))
    event = user_events(stack, phone)[-1]
    assert event["parse_data"]["intent"]["name"] == "help"
    for body in twilio.bodies(phone):
        assert all(ord(ch) < 0x2000 for ch in body)


def test_a_citizens_quick_messages_are_answered_in_order(stack, providers):
    _, twilio = providers
    phone = "+6281200000012"
    texts = ["halo", "syarat bikin skck apa aja", "terima kasih"]
    for body in texts:
        assert post_twilio(stack, twilio_form("sms_text", phone, Body=body)).status_code == 200
    settle(twilio, lambda c: len(twilio.bodies(phone)) >= 3)
    stack.stored_tracker(phone, user_turns=3)
    assert [e["text"] for e in user_events(stack, phone)] == texts
    assert len(twilio.bodies(phone)) == 3  # one SMS per turn, each after its own message


def test_turn_handoff_on_the_rasa_port_needs_the_turn_token(stack, providers):
    """Only the gateway may hand a message over; anyone else reaching port 5005 cannot."""
    telegram, _ = providers
    user = 710000012
    envelope = {
        "channel": "telegram",
        "kind": "turn",
        "sender_id": str(user),
        "chat_id": str(user),
        "text": "halo",
        "metadata": {"channel": "telegram"},
    }
    url = f"{stack.url}/webhooks/telegram/turn"
    assert httpx.post(url, json=envelope).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert httpx.post(url, json=envelope, headers=wrong).status_code == 403
    for other in (stack.token, stack.outbound_token):  # the other secrets are not this one
        headers = {"Authorization": f"Bearer {other}"}
        assert httpx.post(url, json=envelope, headers=headers).status_code == 403
    time.sleep(1.0)
    assert telegram.sent_texts(user) == []
    assert user_events(stack, str(user)) == []


# --- Outbound API ------------------------------------------------------------------------


def test_outbound_api_auth_validation_and_recording(stack, providers):
    telegram, _ = providers
    url = f"{stack.url}/layani/outbound"
    auth = {"Authorization": f"Bearer {stack.outbound_token}"}
    body = {"sender_id": "710000010", "text": "Laporan Anda sedang diproses."}
    assert httpx.post(url, json=body).status_code == 401
    assert httpx.post(url, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert (
        httpx.post(
            url, content=b"not json", headers={**auth, "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert httpx.post(url, json={"sender_id": "x"}, headers=auth).status_code == 400
    assert (
        httpx.post(url, json={**body, "buttons": [{"title": ""}]}, headers=auth).status_code == 400
    )
    assert (
        httpx.post(url, json={**body, "sender_id": "nobody-here"}, headers=auth).status_code == 404
    )

    user = 710000010
    post_telegram(stack, telegram_update("text", user))
    telegram.wait_for(lambda c: telegram.sent_texts(user))
    stack.stored_tracker(str(user))
    response = httpx.post(url, json={**body, "staff": "petugas.budi"}, headers=auth)
    assert response.status_code == 200 and response.json() == {
        "delivered": True,
        "channel": "telegram",
        "recorded": True,
    }
    assert telegram.sent_texts(user)[-1] == body["text"]
    last_bot = [e for e in tracker_events(stack, str(user)) if e["event"] == "bot"][-1]
    assert last_bot["text"] == body["text"] and last_bot["metadata"]["staff"] == "petugas.budi"


def test_outbound_api_provider_failure_is_502_and_dead_lettered(stack, providers):
    _, twilio = providers
    phone = "+6281200000009"
    post_twilio(stack, twilio_form("sms_text", phone))
    settle(twilio, lambda c: twilio.bodies(phone), quiet=0.5)
    stack.stored_tracker(phone)
    twilio.fail_next(1, 400, {"code": 21211, "message": "Invalid 'To' Phone Number"})
    response = httpx.post(
        f"{stack.url}/layani/outbound",
        headers={"Authorization": f"Bearer {stack.outbound_token}"},
        json={"sender_id": phone, "text": "Status laporan Anda: selesai."},
    )
    assert response.status_code == 502
    bots = [e["text"] for e in tracker_events(stack, phone) if e["event"] == "bot"]
    assert "Status laporan Anda: selesai." not in bots
    from channels.layer.outbound import DeadLetterLog  # sealed at rest; same key as the stack

    assert phone not in stack.dead_letters.read_text()
    records = DeadLetterLog(stack.dead_letters).read()
    assert any(r["recipient"] == phone and "21211" in r["error"] for r in records)


def test_whatsapp_outside_24h_window_falls_back_to_the_template(stack, providers):
    _, twilio = providers
    phone = "+6281200000011"
    post_twilio(stack, twilio_form("whatsapp_text", phone))
    settle(twilio, lambda c: twilio.bodies("whatsapp:" + phone), quiet=0.5)
    stack.stored_tracker(phone)
    # Twilio refuses free-form text outside the customer-care window with error 63016.
    twilio.fail_next(1, 400, {"code": 63016, "message": "outside the allowed window"})
    text = "Laporan ADU-7K3M-Q9XR sudah selesai ditangani."
    response = httpx.post(
        f"{stack.url}/layani/outbound",
        headers={"Authorization": f"Bearer {stack.outbound_token}"},
        json={"sender_id": phone, "text": text},
    )
    assert response.status_code == 200 and response.json()["channel"] == "whatsapp"
    sent = [c.data for c in twilio.calls if c.data.get("To") == "whatsapp:" + phone][-1]
    assert sent["ContentSid"] == "HX0123456789abcdef0123456789abcdef"
    assert json.loads(sent["ContentVariables"]) == {"1": text}
    assert "Body" not in sent
