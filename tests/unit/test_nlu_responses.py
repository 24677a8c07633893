"""Core responses (bot/domain/core.yml): Indonesian, "Anda", SMS variants GSM-7 and short."""

from __future__ import annotations

import re

import pytest
import yaml

from layani import sms
from layani.gsm7 import is_gsm7, segment_count
from layani.paths import DOMAIN_DIR

CORE = yaml.safe_load((DOMAIN_DIR / "core.yml").read_text(encoding="utf-8"))
RESPONSES = CORE["responses"]
REQUIRED = [
    "utter_greet",
    "utter_goodbye",
    "utter_thanks",
    "utter_bot_challenge",
    "utter_help",
    "utter_out_of_scope",
    "utter_ask_rephrase",
    "utter_fallback_menu_or_human",
]
CORE_INTENTS = [
    "greet",
    "goodbye",
    "thanks",
    "affirm",
    "deny",
    "help",
    "bot_challenge",
    "request_human",
    "start_complaint",
    "check_status",
    "start_application",
    "cancel",
    "out_of_scope",
]
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def test_all_catalogue_core_intents_and_ticket_entity_are_declared() -> None:
    assert set(CORE_INTENTS) <= set(CORE["intents"])
    assert "ticket_id" in CORE["entities"]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_response_has_a_default_variant(name: str) -> None:
    defaults = [v for v in RESPONSES[name] if not v.get("channel")]
    assert defaults and defaults[0]["text"].strip()
    assert not EMOJI.search(defaults[0]["text"])


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_sms_variants_are_one_gsm7_segment_after_rendering(name: str) -> None:
    for variant in RESPONSES[name]:
        if variant.get("channel") != "sms":
            continue
        rendered = sms.render([variant["text"]], variant.get("buttons"))
        assert len(rendered.pages) == 1, rendered.pages
        assert is_gsm7(rendered.pages[0]) and segment_count(rendered.pages[0]) == 1, rendered.pages[
            0
        ]


def test_sms_menu_is_one_numbered_menu_matching_the_buttons() -> None:
    variant = next(v for v in RESPONSES["utter_help"] if v.get("channel") == "sms")
    page = sms.render([variant["text"]], variant["buttons"]).pages[0]
    assert [line.split()[1] for line in page.splitlines() if line.startswith("Balas ")] == list(
        "12345"
    )
    default = next(v for v in RESPONSES["utter_help"] if not v.get("channel"))
    assert [b["payload"] for b in variant["buttons"]] == [b["payload"] for b in default["buttons"]]


def test_menu_covers_what_the_assistant_does() -> None:
    text = next(v for v in RESPONSES["utter_help"] if not v.get("channel"))["text"].lower()
    for topic in ["pertanyaan", "laporan", "status", "permohonan", "petugas"]:
        assert topic in text


def test_out_of_scope_says_what_is_covered() -> None:
    text = next(v for v in RESPONSES["utter_out_of_scope"] if not v.get("channel"))["text"].lower()
    assert "di luar layanan" in text and "layanan publik" in text and "menu" in text


def test_polite_address() -> None:
    """Citizen-facing text uses "Anda", never the informal kamu/lu."""
    for name, variants in RESPONSES.items():
        for variant in variants:
            words = set(re.findall(r"[a-z]+", variant["text"].lower()))
            assert not words & {"kamu", "lu", "lo", "elo", "gue", "gw"}, name
