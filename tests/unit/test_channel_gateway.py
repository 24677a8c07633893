"""The webhook gateway process (channels/gateway), with a stand-in for the Rasa server.

No model needed: the gateway is started as `make run` starts it (`python -m channels.gateway`)
with RASA_URL pointing at a local stand-in that records every hand-off (`/webhooks/<ch>/turn`).
What a provider and a citizen would notice: forged webhooks are refused before anything is
processed, a redelivered update is handed over once, a citizen's messages reach the assistant
one at a time and in order, a flood gets one polite notice, a message that arrives while the
assistant is still loading is still answered, and button presses are acknowledged at once.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import httpx
import pytest
from twilio.request_validator import RequestValidator

from channels.layer.outbound import DeadLetterLog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.fakes_providers import FakeTelegram  # noqa: E402
from support.gateway_stand_in import (  # noqa: E402
    PII_KEY,
    PUBLIC,
    TG_SECRET,
    TG_TOKEN,
    TW_TOKEN,
    FakeRasa,
    _update_ids,
    post_telegram,
    post_twilio,
    sms,
    start_gateway,
    update,
    wait_for,
)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    rasa, telegram = FakeRasa().start(), FakeTelegram(TG_TOKEN).start()
    workdir = tmp_path_factory.mktemp("gateway")
    proc, url = start_gateway(workdir, rasa, telegram)
    gw = SimpleNamespace(
        url=url, rasa=rasa, telegram=telegram, dead_letters=workdir / "dead_letters.jsonl"
    )
    yield gw
    proc.terminate()
    proc.wait(20)
    rasa.stop()
    telegram.stop()


def test_forged_secret_or_signature_is_403_and_nothing_reaches_the_assistant(gateway):
    for secret in (None, "", "wrong", TG_SECRET + "x"):
        assert post_telegram(gateway, update(501), secret=secret).status_code == 403
    fields = sms("+6281300000501", "SM501")
    assert post_twilio(gateway, fields, signature=None).status_code == 403
    assert post_twilio(gateway, fields, signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status_code == 403
    tampered = RequestValidator(TW_TOKEN).compute_signature(
        PUBLIC + "/webhooks/twilio/webhook", fields
    )
    assert post_twilio(gateway, {**fields, "Body": "menu"}, signature=tampered).status_code == 403
    time.sleep(0.5)
    assert gateway.rasa.envelopes("501") == [] and gateway.rasa.envelopes("+6281300000501") == []


def test_a_malformed_update_is_a_400_not_a_server_error(gateway):
    odd = update(512)
    odd["message"]["chat"] = "private"
    assert post_telegram(gateway, odd).status_code == 400
    odd = update(512)
    odd["message"]["photo"] = [{"file_id": "x", "width": "wide", "height": 1}]
    del odd["message"]["text"]
    assert post_telegram(gateway, odd).status_code == 400


def test_five_deliveries_reach_the_assistant_once(gateway):
    data = update(502)
    with ThreadPoolExecutor(5) as pool:
        statuses = list(pool.map(lambda _: post_telegram(gateway, data).json()["status"], range(5)))
    assert sorted(statuses) == ["accepted"] + ["duplicate"] * 4
    fields = sms("+6281300000502", "SM502")
    with ThreadPoolExecutor(5) as pool:
        codes = list(pool.map(lambda _: post_twilio(gateway, fields).status_code, range(5)))
    assert codes == [200] * 5
    wait_for(lambda: gateway.rasa.envelopes("502") and gateway.rasa.envelopes("+6281300000502"))
    time.sleep(0.5)
    assert len(gateway.rasa.envelopes("502")) == 1
    assert len(gateway.rasa.envelopes("+6281300000502")) == 1


def test_one_citizens_messages_go_one_at_a_time_in_order_others_do_not_wait(gateway):
    gateway.rasa.turn_seconds = 1.0  # long enough for the four posts on a loaded machine
    try:
        for text in ("satu", "dua", "tiga"):
            assert post_telegram(gateway, update(503, text)).json()["status"] == "accepted"
        assert post_telegram(gateway, update(504, "lain")).json()["status"] == "accepted"
        wait_for(lambda: len(gateway.rasa.envelopes("503")) == 3)
    finally:
        gateway.rasa.turn_seconds = 0.0
    mine = [(event, text) for event, sender, text in gateway.rasa.log if sender == "503"]
    assert mine == [
        ("start", "satu"),
        ("end", "satu"),
        ("start", "dua"),
        ("end", "dua"),
        ("start", "tiga"),
        ("end", "tiga"),
    ]
    other_done = gateway.rasa.log.index(("end", "504", "lain"))
    assert other_done < gateway.rasa.log.index(("end", "503", "dua"))


def test_a_flood_gets_one_polite_notice(gateway):
    for i in range(7):
        post_twilio(gateway, sms("+6281300000505", f"SM505{i}", f"pesan {i}"))
    wait_for(lambda: len(gateway.rasa.envelopes("+6281300000505")) >= 5)
    time.sleep(0.5)
    handed = gateway.rasa.envelopes("+6281300000505")
    assert [e["text"] for e in handed if e["kind"] == "turn"] == [f"pesan {i}" for i in range(4)]
    notices = [e for e in handed if e["kind"] == "say"]
    assert len(notices) == 1 and "terlalu banyak pesan" in notices[0]["text"]
    assert notices[0]["mode"] == "sms"


def test_a_message_sent_while_the_assistant_loads_is_handed_over_later(gateway):
    gateway.rasa.not_ready = 3  # 503 three times, as while the model loads
    assert post_telegram(gateway, update(506)).json()["status"] == "accepted"
    wait_for(lambda: gateway.rasa.envelopes("506"), timeout=20)
    assert gateway.rasa.not_ready == 0


def test_whatsapp_media_only_and_sender_identity(gateway):
    fields = sms(
        "whatsapp:+6281300000507",
        "MM507",
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/media/1",
        MediaContentType0="image/jpeg",
    )
    assert post_twilio(gateway, fields).status_code == 200
    wait_for(lambda: gateway.rasa.envelopes("+6281300000507"))
    envelope = gateway.rasa.envelopes("+6281300000507")[0]
    assert envelope["mode"] == "whatsapp" and envelope["text"] == ""
    assert envelope["metadata"]["photo"] == {
        "url": "https://api.twilio.com/media/1",
        "content_type": "image/jpeg",
    }


def test_button_press_is_acknowledged_and_groups_refused_once(gateway):
    press = {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": "cbq-508",
            "from": {"id": 508, "is_bot": False, "first_name": "Warga"},
            "chat_instance": "-508",
            "data": "/help",
            "message": {"message_id": 3, "date": 1, "chat": {"id": 508, "type": "private"}},
        },
    }
    assert post_telegram(gateway, press).json()["status"] == "accepted"
    gateway.telegram.wait_for(
        lambda calls: any(c.data.get("callback_query_id") == "cbq-508" for c in calls)
    )
    wait_for(lambda: gateway.rasa.envelopes("508"))
    assert gateway.rasa.envelopes("508")[0]["metadata"]["button"] is True
    for _ in range(2):
        assert post_telegram(gateway, update(509, chat_type="group")).json()["status"] == "group"
    time.sleep(0.5)
    notices = gateway.rasa.envelopes("-609")
    assert len(notices) == 1 and "percakapan pribadi" in notices[0]["text"]
    edited = {"update_id": next(_update_ids), "edited_message": update(510)["message"]}
    assert post_telegram(gateway, edited).json()["status"] == "edited"


def test_a_message_the_assistant_failed_on_is_kept_in_the_dead_letter_file(gateway):
    # Earlier tests' notices may still be on their way to the assistant: the failure is for ours.
    wait_for(lambda: httpx.get(f"{gateway.url}/health").json()["queued"] == 0)
    gateway.rasa.broken = 1
    assert post_twilio(gateway, sms("+6281300000511", "SM511", "tolong")).status_code == 200
    wait_for(lambda: gateway.dead_letters.exists() and "SM511" in gateway.dead_letters.read_text())
    with_key = {"LAYANI_PII_KEY": PII_KEY}
    with mock.patch.dict(os.environ, with_key):
        log = DeadLetterLog(gateway.dead_letters)
        record = [r for r in log.read() if r.get("payload", {}).get("message_id") == "SM511"][0]
    assert record["direction"] == "inbound" and record["recipient"] == "+6281300000511"
    assert record["payload"]["text"] == "tolong" and "500" in record["error"]
    # Not repeated: the turn may have run before it failed.
    time.sleep(0.5)
    assert gateway.rasa.envelopes("+6281300000511") == []
    assert gateway.rasa.broken == 0


def test_with_redis_messages_acknowledged_before_a_crash_are_still_handed_over(redis_url, tmp_path):
    """Production profile: the gateway is killed after answering Telegram, before the assistant
    took the messages; the restarted gateway hands them over, in order."""
    rasa, telegram = FakeRasa().start(), FakeTelegram(TG_TOKEN).start()
    rasa.not_ready = 10_000  # the assistant is down for now
    extra = {"REDIS_URL": redis_url, "LAYANI_GATEWAY_ID": "test-crash"}
    try:
        proc, url = start_gateway(tmp_path, rasa, telegram, **extra)
        gw = SimpleNamespace(url=url)
        for text in ("satu", "dua"):
            assert post_telegram(gw, update(601, text)).json()["status"] == "accepted"
        proc.kill()  # no chance to drain
        proc.wait(10)
        assert rasa.envelopes("601") == []
        rasa.not_ready = 0
        proc, url = start_gateway(tmp_path, rasa, telegram, **extra)
        wait_for(lambda: len(rasa.envelopes("601")) == 2, timeout=20)
        assert [e["text"] for e in rasa.envelopes("601")] == ["satu", "dua"]
        time.sleep(0.5)
        assert httpx.get(f"{url}/health").json()["recovered"] == 2
        proc.terminate()
        proc.wait(20)
    finally:
        rasa.stop()
        telegram.stop()
