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


def _actions(tracker: dict) -> list[str]:
    return [e.get("name") for e in tracker["events"] if e.get("event") == "action"]


def test_fallback_rephrase_then_offer_then_reset(rasa_stack) -> None:
    """Rephrase first; menu-or-officer second in a row, and the offer waits for the choice:
    "menu" then shows the menu (before, the handoff started at once and "menu" got silence)."""
    sender = _sender()
    gibberish = "qwxz vbnm plkj"
    assert rasa_stack.parse(gibberish)["intent"]["name"] == "nlu_fallback"

    first = rasa_stack.texts(sender, gibberish)
    assert first == [_default_text("utter_ask_rephrase")]
    assert rasa_stack.texts(sender, "halo") == [_default_text("utter_greet")]
    # The greeting reset the streak: this is again a first fallback.
    assert rasa_stack.texts(sender, gibberish) == [_default_text("utter_ask_rephrase")]

    second = rasa_stack.rest(sender, gibberish)
    assert [m["text"] for m in second] == [_default_text("utter_fallback_menu_or_human")]
    assert [b["payload"] for b in second[0]["buttons"]] == ["/help", "/request_human"]
    tracker = rasa_stack.tracker(sender)
    assert tracker["slots"]["fallback_streak"] == 2.0
    assert "action_handoff_start" not in _actions(tracker)

    assert rasa_stack.texts(sender, "menu") == [_default_text("utter_help")]


def test_fallback_offer_declined_closes_politely(rasa_stack) -> None:
    sender = _sender()
    for _ in range(2):
        rasa_stack.texts(sender, "qwxz vbnm plkj")
    assert rasa_stack.texts(sender, "ga usah") == [_default_text("utter_fallback_offer_declined")]
    assert "action_handoff_start" not in _actions(rasa_stack.tracker(sender))


def test_third_misunderstanding_hands_over_to_an_officer(rasa_stack) -> None:
    sender = _sender()
    for _ in range(2):
        rasa_stack.texts(sender, "qwxz vbnm plkj")
    third = rasa_stack.texts(sender, "plkj qwxz vbnm")
    assert third[0] == _default_text("utter_fallback_handover")
    assert len(third) == 2  # then the queue place (or the next opening hours)
    tracker = rasa_stack.tracker(sender)
    assert "action_handoff_start" in _actions(tracker)
    assert tracker["slots"]["handoff_active"] is True


def test_a_repeated_message_gets_the_same_understanding_as_the_first_time(rasa_stack) -> None:
    """The parse cache (layani/parse_cache.py) must not change what the bot understands: the
    second and third citizens who type the same words get the same intent, FAQ topic ranking
    and entities as the first."""
    for text in ("apa saja syarat membuat SKCK?", "halo min", "saya mau lapor jalan rusak"):
        first, second, third = (rasa_stack.parse(text) for _ in range(3))
        assert first["intent"]["name"] in ("faq/skck", "faq", "greet", "start_complaint")
        assert first == second == third
