"""The complaints domain: every response an action names exists, SMS variants are GSM-7 and
short, buttons have SMS variants, and the labels cover the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from actions.complaints.common import LABEL_RESPONSES
from layani.catalogue import load_catalogue
from layani.gsm7 import is_gsm7, segment_count
from layani.paths import ROOT

DOMAIN = yaml.safe_load((ROOT / "bot" / "domain" / "complaints.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]


def _code_references() -> set:
    names = set()
    for path in list((ROOT / "actions" / "complaints").glob("*.py")) + [
        ROOT / "services" / "ticket_status.py"
    ]:
        names |= set(re.findall(r"[\"'](utter_[a-z0-9_]+)[\"']", Path(path).read_text()))
    return names


def test_every_response_named_in_code_exists():
    missing = {
        n
        for n in _code_references()
        if n not in RESPONSES and not n.startswith("utter_faq") and n != "utter_action"
    }
    assert not missing


def test_every_form_question_exists():
    for slot in DOMAIN["forms"]["complaint_form"]["required_slots"]:
        custom = f"action_ask_{slot}" in DOMAIN["actions"]
        assert custom or f"utter_ask_{slot}" in RESPONSES, slot


def test_sms_variants_are_gsm7_and_at_most_two_segments():
    for name, variants in RESPONSES.items():
        for variant in variants:
            if variant.get("channel") == "sms":
                text = variant["text"]
                assert is_gsm7(text), name
                # Placeholders are filled with ids, dates and short labels.
                assert segment_count(text) <= 2, name


def test_responses_with_buttons_have_an_sms_variant():
    for name, variants in RESPONSES.items():
        if any(v.get("buttons") for v in variants if not v.get("channel")):
            assert any(v.get("channel") == "sms" for v in variants), name


def test_labels_cover_catalogue_categories_agencies_and_statuses():
    catalogue = load_catalogue()
    for category, spec in catalogue.complaint_categories.items():
        assert ("category", category) in LABEL_RESPONSES
        assert ("agency", spec["route"]) in LABEL_RESPONSES
    for status in ("diterima", "diverifikasi", "diproses", "selesai", "ditolak"):
        assert ("status", status) in LABEL_RESPONSES
    assert all(name in RESPONSES for name in LABEL_RESPONSES.values())


def test_category_buttons_offer_every_catalogue_category():
    payloads = {b["payload"] for b in RESPONSES["utter_ask_complaint_category"][0]["buttons"]}
    assert payloads == set(load_catalogue().complaint_categories)
