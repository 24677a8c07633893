"""Gateway bounds: an over-long message gets a kind reply instead of a turn, and full queues say
"sedang sibuk" once instead of growing.

Before (d051186) every message of any length was handed to the assistant (NLU over 100 KB of
text holds up every other citizen's turn) and the hand-off queue grew without bound while the
assistant was slow. What a citizen notices now: a short polite reply naming the limit, or one
"Mohon maaf, layanan sedang sibuk" when too much is waiting; what the provider notices: 200 all
the same, so it does not redeliver.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from channels import messages

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support.fakes_providers import FakeTelegram  # noqa: E402
from support.gateway_stand_in import (  # noqa: E402
    TG_TOKEN,
    FakeRasa,
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
    workdir = tmp_path_factory.mktemp("gateway_limits")
    proc, url = start_gateway(
        workdir,
        rasa,
        telegram,
        LAYANI_RATE_LIMIT="100/60",
        LAYANI_GATEWAY_MAX_PER_CITIZEN="2",
        LAYANI_GATEWAY_MAX_QUEUED="3",
    )
    yield SimpleNamespace(url=url, rasa=rasa)
    proc.terminate()
    proc.wait(20)
    rasa.stop()
    telegram.stop()


def idle(gw) -> None:
    wait_for(lambda: httpx.get(f"{gw.url}/health").json()["queued"] == 0, timeout=20)


def test_an_over_long_message_gets_the_kind_reply_and_no_turn(gateway):
    long_text = "tolong " * 300  # 2,100 characters, over Telegram's 1,500
    assert post_telegram(gateway, update(801, long_text)).json()["status"] == "too_long"
    sms_body = "x" * 1001  # SMS: 1,000
    assert post_twilio(gateway, sms("+6281300000802", "SM802", sms_body)).status_code == 200
    wait_for(lambda: gateway.rasa.envelopes("801") and gateway.rasa.envelopes("+6281300000802"))
    time.sleep(0.3)
    (telegram_reply,) = gateway.rasa.envelopes("801")
    assert telegram_reply["kind"] == "say" and "1500" in telegram_reply["text"]
    assert telegram_reply["text"].startswith("Mohon maaf, pesan Anda terlalu panjang")
    (sms_reply,) = gateway.rasa.envelopes("+6281300000802")
    assert sms_reply["kind"] == "say" and sms_reply["mode"] == "sms"
    assert "1000" in sms_reply["text"]
    # At the limit it is still a message.
    assert post_telegram(gateway, update(803, "a" * 1500)).json()["status"] == "accepted"
    wait_for(lambda: gateway.rasa.envelopes("803"))
    assert gateway.rasa.envelopes("803")[0]["kind"] == "turn"


def test_past_a_citizens_bound_messages_are_dropped_with_one_busy_notice(gateway):
    idle(gateway)
    gateway.rasa.paused = True  # the assistant is slow: nothing finishes meanwhile
    try:
        statuses = [
            post_telegram(gateway, update(804, f"pesan {i}")).json()["status"] for i in range(5)
        ]
        assert statuses == ["accepted", "accepted", "busy", "busy", "busy"]
    finally:
        gateway.rasa.paused = False
    wait_for(lambda: len(gateway.rasa.envelopes("804")) >= 3, timeout=20)
    time.sleep(0.5)
    handed = gateway.rasa.envelopes("804")
    # Order kept: the two accepted messages, then the one notice.
    assert [(e["kind"], e["text"]) for e in handed] == [
        ("turn", "pesan 0"),
        ("turn", "pesan 1"),
        ("say", messages.BUSY),
    ]
    # Once the queue has emptied the citizen is served again.
    assert post_telegram(gateway, update(804, "lagi")).json()["status"] == "accepted"
    wait_for(lambda: handed[-1:] != gateway.rasa.envelopes("804")[-1:])
    assert gateway.rasa.envelopes("804")[-1]["text"] == "lagi"


def test_past_the_total_bound_other_citizens_get_busy_and_the_provider_gets_200(gateway):
    idle(gateway)
    gateway.rasa.paused = True
    try:
        assert post_telegram(gateway, update(805, "satu")).json()["status"] == "accepted"
        assert post_telegram(gateway, update(806, "dua")).json()["status"] == "accepted"
        assert post_telegram(gateway, update(807, "tiga")).json()["status"] == "accepted"
        # Three waiting in all: a fourth citizen is told, on Twilio too, and Twilio gets 200.
        assert post_telegram(gateway, update(808, "empat")).json()["status"] == "busy"
        reply = post_twilio(gateway, sms("+6281300000809", "SM809", "lima"))
        assert reply.status_code == 200 and "<Response/>" in reply.text
    finally:
        gateway.rasa.paused = False
    wait_for(lambda: gateway.rasa.envelopes("+6281300000809"), timeout=20)
    time.sleep(0.3)
    assert [e["text"] for e in gateway.rasa.envelopes("808")] == [messages.BUSY]
    (notice,) = gateway.rasa.envelopes("+6281300000809")
    assert notice["kind"] == "say" and notice["text"] == messages.BUSY
    assert httpx.get(f"{gateway.url}/health").json()["busy"] >= 2
