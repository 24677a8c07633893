"""Replies go out through the `twilio` client to TWILIO_API_BASE_URL (a local stand-in here).

Asserts what Twilio receives (form fields, auth, the number replied from) and what the layer
does with Twilio's refusals: a retryable 5xx is sent again, a bad number is dead-lettered
once, and free-form WhatsApp text outside the 24-hour window goes again as the template.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from support.fakes_providers import FakeTwilio

from channels.layer import ChannelLayer, get_layer, reset_layer
from channels.layer.outbound import DeadLetterLog
from channels.twilio_turns import TwilioInput, TwilioOutput
from layani.settings import load

SID, TOKEN = "AC" + "d" * 32, "sending-token"
TEMPLATE = "HX0123456789abcdef0123456789abcdef"
CITIZEN = "+6281300000901"


@pytest.fixture
async def twilio(monkeypatch, tmp_path):
    fake = FakeTwilio(SID, TOKEN).start()
    monkeypatch.setenv("TWILIO_API_BASE_URL", fake.url)
    monkeypatch.setenv("TWILIO_SMS_NUMBER", "+15005550006")
    monkeypatch.setenv("TWILIO_WHATSAPP_NUMBER", "+14155238886")
    monkeypatch.setenv("TWILIO_WHATSAPP_TEMPLATE_SID", TEMPLATE)
    settings = replace(
        load(), redis_url="", dead_letter_file=tmp_path / "dl.jsonl", send_backoff=0.01
    )
    reset_layer(ChannelLayer(settings))
    connector = TwilioInput(SID, TOKEN)
    yield fake, connector, DeadLetterLog(settings.dead_letter_file, 30)
    await connector.close()
    reset_layer(None)
    fake.stop()


async def test_an_sms_reply_is_one_message_from_our_number(twilio):
    fake, connector, _ = twilio
    output = TwilioOutput(connector, "sms")
    await output.send_text_message(CITIZEN, "Laporan Anda sudah kami terima.")
    await output.flush(CITIZEN)
    (call,) = fake.calls
    assert call.data == {
        "To": CITIZEN,
        "From": "+15005550006",
        "Body": "Laporan Anda sudah kami terima.",
    }


async def test_a_server_error_is_retried_and_a_bad_number_dead_lettered(twilio):
    fake, connector, dead = twilio
    output = TwilioOutput(connector, "sms")
    fake.fail_next(1, 503)
    await output.send_text_message(CITIZEN, "satu")
    await output.flush(CITIZEN)
    assert fake.bodies(CITIZEN) == ["satu"]
    fake.fail_next(1, 400, {"code": 21211, "message": "Invalid 'To' Phone Number"})
    await output.send_text_message(CITIZEN, "dua")
    await output.flush(CITIZEN)
    assert fake.bodies(CITIZEN) == ["satu"]  # not retried: a 4xx will not get better
    (record,) = dead.read()
    assert record["payload"]["Body"] == "dua"
    assert "HTTP 400" in record["error"] and "21211" in record["error"]  # Twilio's error code


async def test_outside_the_whatsapp_window_the_text_goes_as_the_template(twilio):
    fake, connector, _ = twilio
    output = TwilioOutput(connector, "whatsapp")
    # We think the window is open (the citizen wrote recently); Twilio says it is not.
    await get_layer().kv.set(f"wa_last:{CITIZEN}", time.time(), 3600)
    fake.fail_next(1, 400, {"code": 63016, "message": "outside the allowed window"})
    await output.send_text_message(CITIZEN, "Status laporan Anda: selesai.")
    await output.flush(CITIZEN)
    (call,) = fake.calls
    assert call.data["To"] == "whatsapp:" + CITIZEN
    assert call.data["ContentSid"] == TEMPLATE and "Body" not in call.data
    assert json.loads(call.data["ContentVariables"]) == {"1": "Status laporan Anda: selesai."}
