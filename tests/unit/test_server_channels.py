"""Which channels the Rasa server starts, from credentials.yml and the environment.

The channel list is plain code in layani/server.py (no class loaded by a string), so a renamed
connector fails here and at start-up instead of silently disabling a channel.
"""

from __future__ import annotations

import pytest

from channels.rest import RestInput
from channels.socketio import SocketIOInput
from channels.telegram_turns import TelegramInput
from channels.twilio_turns import TwilioInput
from layani.paths import ROOT
from layani.server import load_input_channels

CREDENTIALS = ROOT / "credentials.yml"


def _names(channels) -> list[str]:
    return sorted(type(c).__name__ for c in channels)


def test_without_provider_variables_only_the_web_chat_starts():
    channels = load_input_channels(CREDENTIALS, env={})
    assert _names(channels) == ["SocketIOInput"]
    assert isinstance(channels[0], SocketIOInput)


def test_every_configured_channel_starts_with_its_credentials():
    env = {
        "LAYANI_REST_ENABLED": "1",
        "LAYANI_REST_TOKEN": "rest-secret",
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_SECRET_TOKEN": "tg-secret",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "tw-secret",
        "PUBLIC_BASE_URL": "https://layani.example.go.id",
    }
    channels = {type(c): c for c in load_input_channels(CREDENTIALS, env=env)}
    assert set(channels) == {RestInput, SocketIOInput, TelegramInput, TwilioInput}
    assert channels[TelegramInput].access_token == "123:abc"
    assert channels[TwilioInput].account_sid == "AC" + "0" * 32


def test_the_rasa_server_needs_only_the_sending_credentials():
    # The webhook secret and the public URL are the gateway's: the Rasa server only sends.
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}
    channels = {type(c) for c in load_input_channels(CREDENTIALS, env=env)}
    assert channels == {SocketIOInput, TelegramInput, TwilioInput}


def test_an_unknown_channel_in_the_credentials_stops_the_server(tmp_path):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("socketio: {}\nfacebook:\n  verify: x\n")
    with pytest.raises(ValueError, match="Unknown channel 'facebook'"):
        load_input_channels(credentials, env={})
