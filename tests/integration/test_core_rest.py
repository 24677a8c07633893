"""Core conversation over Rasa's REST channel: greeting, menu, out of scope, two-stage fallback."""

from __future__ import annotations

import uuid

import pytest
import yaml

from layani.paths import DOMAIN_DIR

pytestmark = pytest.mark.integration

CORE = yaml.safe_load((DOMAIN_DIR / "core.yml").read_text(encoding="utf-8"))


def _default_text(name: str) -> str:
    return next(v["text"] for v in CORE["responses"][name] if not v.get("channel"))


def _sender() -> str:
    return f"core-{uuid.uuid4().hex[:10]}"


def test_halo_gets_an_indonesian_greeting(rasa_stack) -> None:
    messages = rasa_stack.rest(_sender(), "halo")
    assert [m.get("text") for m in messages] == [_default_text("utter_greet")]
    assert "selamat datang" in messages[0]["text"].lower()


def test_menu_shows_the_menu_with_buttons(rasa_stack) -> None:
    messages = rasa_stack.rest(_sender(), "menu")
    assert len(messages) == 1
    assert messages[0]["text"] == _default_text("utter_help")
    payloads = [b["payload"] for b in messages[0].get("buttons", [])]
    assert payloads == [
        "/help_topics",
        "/start_complaint",
        "/check_status",
        "/start_application",
        "/request_human",
    ]


def test_bitcoin_price_gets_the_out_of_scope_reply(rasa_stack) -> None:
    texts = rasa_stack.texts(_sender(), "harga bitcoin berapa")
    assert texts == [_default_text("utter_out_of_scope")]


def test_colloquial_and_sms_core_messages(rasa_stack) -> None:
    assert rasa_stack.texts(_sender(), "makasih bnyk min") == [_default_text("utter_thanks")]
    assert rasa_stack.texts(_sender(), "km bot y?") == [_default_text("utter_bot_challenge")]
    assert rasa_stack.texts(_sender(), "udh dl y min, dadah") == [_default_text("utter_goodbye")]


def test_two_stage_fallback_then_reset(rasa_stack) -> None:
    """Rephrase first; menu-or-officer second in a row; an understood message resets the streak."""
    sender = _sender()
    gibberish = "qwxz vbnm plkj"
    assert rasa_stack.parse(gibberish)["intent"]["name"] == "nlu_fallback"

    first = rasa_stack.texts(sender, gibberish)
    assert first == [_default_text("utter_ask_rephrase")]
    assert rasa_stack.texts(sender, "halo") == [_default_text("utter_greet")]
    # The greeting reset the streak: this is again a first fallback.
    assert rasa_stack.texts(sender, gibberish) == [_default_text("utter_ask_rephrase")]

    second = rasa_stack.rest(sender, gibberish)
    assert second[0]["text"] == _default_text("utter_fallback_menu_or_human")
    assert [b["payload"] for b in second[0]["buttons"]] == ["/help", "/request_human"]
    slots = rasa_stack.tracker(sender)["slots"]
    assert slots["fallback_streak"] == 2.0
    if "action_handoff_start" in CORE.get("actions", []) or (DOMAIN_DIR / "handoff.yml").exists():
        # The handoff concern is installed: the second fallback hands over to an officer.
        events = [
            e.get("name")
            for e in rasa_stack.tracker(sender)["events"]
            if e.get("event") == "action"
        ]
        assert "action_handoff_start" in events
