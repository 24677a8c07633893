"""Handoff responses: every one the code sends exists, fills its placeholders, and fits SMS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from layani import gsm7
from layani.paths import DOMAIN_DIR, ROOT

RESPONSES = yaml.safe_load((DOMAIN_DIR / "handoff.yml").read_text(encoding="utf-8"))["responses"]
VALUES = {
    "position": 12,
    "wait_minutes": 60,
    "next_open": "Senin, 30 November 2026 pukul 08.00 WIB",
}


def test_every_response_the_code_sends_is_in_the_domain():
    sources = [ROOT / "actions" / "handoff.py", *sorted((ROOT / "console").glob("*.py"))]
    used = set()
    for path in sources:
        used |= set(re.findall(r'"(utter_handoff_[a-z_]+)"', Path(path).read_text()))
    assert used and used <= set(RESPONSES), used - set(RESPONSES)


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_sms_form_is_gsm7_and_at_most_two_segments(name):
    variants = RESPONSES[name]
    sms = next((v for v in variants if v.get("channel") == "sms"), variants[0])
    text = sms["text"].format(**VALUES)
    assert "{" not in text
    assert gsm7.is_gsm7(text), text
    assert gsm7.segment_count(text) <= 2, (name, len(text))


def test_after_hours_message_says_the_officer_answers_next_working_day():
    for variant in RESPONSES["utter_handoff_after_hours"]:
        assert "petugas akan membalas pada jam kerja berikutnya" in variant["text"]
        assert "{position}" in variant["text"] and "{next_open}" in variant["text"]


def test_emergency_message_gives_the_national_numbers():
    for variant in RESPONSES["utter_handoff_emergency"]:
        for number in ("112", "110", "119"):
            assert number in variant["text"]
