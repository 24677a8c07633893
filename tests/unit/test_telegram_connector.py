"""Telegram helpers: message splitting and long callback payloads."""

from __future__ import annotations

from dataclasses import replace

from channels import layer as layer_module
from channels.layer import ChannelLayer
from channels.telegram_turns import (
    MAX_CALLBACK_BYTES,
    MAX_MESSAGE_CHARS,
    TelegramOutput,
    split_text,
)
from layani.settings import load


def test_split_text_respects_limit_and_keeps_words():
    paragraph = "Syarat membuat KTP-el: " + "dokumen " * 400
    text = "\n\n".join([paragraph] * 4)
    parts = split_text(text)
    assert len(parts) > 1
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in parts)
    assert " ".join(parts).split() == text.split()
    assert split_text("halo") == ["halo"]


async def test_long_callback_payload_goes_through_a_short_key(tmp_path):
    layer_module.reset_layer(
        ChannelLayer(replace(load(), redis_url="", dead_letter_file=tmp_path / "d"))
    )
    try:
        output = TelegramOutput(connector=None)
        short = await output._callback_data("/help")
        assert short == "/help"
        payload = '/choose_faq_topic{"faq_topic": "akta_kelahiran", "agency": "dukcapil_kota"}'
        assert len(payload.encode()) > MAX_CALLBACK_BYTES
        key = await output._callback_data(payload)
        assert len(key.encode()) <= MAX_CALLBACK_BYTES and key.startswith("k:")
        assert await layer_module.get_layer().kv.get("tgcb:" + key) == payload
    finally:
        layer_module.reset_layer(None)
