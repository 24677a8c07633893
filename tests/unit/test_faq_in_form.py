"""One rule for an FAQ question typed inside a form (actions/faq/in_form.py), and both forms
following it: the same message is a question in the complaint form and in the application
form, or in neither."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.applications.forms import ValidateApplicationForm
from actions.complaints.form import ValidateComplaintForm
from actions.faq.in_form import faq_response, is_faq_question

DOMAIN: dict[str, Any] = {
    "responses": {"utter_faq/skck": [{"text": "Syarat SKCK ..."}]},
    "slots": {},
    "forms": {},
}
SKCK = {"faq": {"response": {"intent_response_key": "faq/skck"}}}


def message(text: str, confidence: float, intent: str = "faq", **extra: Any) -> dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, **extra}


@pytest.mark.parametrize(
    ("text", "confidence", "free_text", "asks"),
    [
        ("syarat bikin skck apa aja?", 0.6, False, True),  # a question, NLU fairly sure
        ("syarat bikin skck apa aja?", 0.4, False, False),  # NLU unsure: an answer
        ("skck untuk melamar kerja", 0.85, False, True),  # no question form, NLU sure
        ("skck untuk melamar kerja", 0.7, False, False),
        ("skck untuk melamar kerja", 0.95, True, False),  # free text needs a question too
        ("syarat bikin skck apa aja?", 0.7, True, False),  # ... and a sure NLU
        ("syarat bikin skck apa aja?", 0.9, True, True),
        ("021 5551234", 0.99, False, False),  # a number is an answer, however sure
        ("30/11/2026?", 0.99, False, False),
    ],
)
def test_the_rule(text, confidence, free_text, asks):
    assert is_faq_question(message(text, confidence), free_text=free_text) is asks


def test_only_the_faq_intent_asks():
    assert not is_faq_question(
        message("mau lapor jalan rusak?", 0.99, "start_complaint"), free_text=False
    )
    assert is_faq_question(message("syarat skck apa?", 0.9, "faq/skck"), free_text=False)


def test_the_answer_is_the_selector_choice_if_the_domain_has_it():
    for selector in (SKCK, {"faq": {"response": {"utter_action": "utter_faq/skck"}}}):
        assert (
            faq_response(message("x", 0.9, response_selector=selector), DOMAIN) == "utter_faq/skck"
        )
    assert faq_response(message("x", 0.9, "faq/skck"), DOMAIN) == "utter_faq/skck"
    unknown = {"faq": {"response": {"intent_response_key": "faq/tidak_ada"}}}
    assert faq_response(message("x", 0.9, response_selector=unknown), DOMAIN) is None


def _complaint_says(text: str, confidence: float) -> list[str]:
    slots = {
        "requested_slot": "complaint_confirm",
        "complaint_session": "s-1",
        "complaint_description": "lampu jalan mati sudah seminggu di gang kami",
        "complaint_category": "lampu_jalan",
        "complaint_location": "gang Mawar RT 02",
        "complaint_photo": "none",
        "complaint_contact": "account",
    }
    tracker = Tracker(
        "warga-1",
        slots,
        message(text, confidence, response_selector=SKCK),
        [],
        False,
        None,
        {"name": "complaint_form"},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ValidateComplaintForm().run(dispatcher, tracker, DOMAIN))
    return [m["response"] for m in dispatcher.messages]


def _application_says(text: str, confidence: float) -> list[str]:
    slots = {
        "application_service": "domisili",
        "requested_slot": "application_confirmed",
        "application_confirmed": text,
    }
    latest = message(text, confidence, response_selector=SKCK)
    events = [
        {"event": "user", "text": text, "parse_data": latest},
        {"event": "slot", "name": "application_confirmed", "value": text},
    ]
    tracker = Tracker(
        "warga-1", slots, latest, events, False, None, {"name": "application_form"}, "action_listen"
    )
    dispatcher = CollectingDispatcher()
    asyncio.run(ValidateApplicationForm().run(dispatcher, tracker, DOMAIN))
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("text", "confidence", "detour"),
    [
        ("syarat bikin skck apa aja?", 0.6, True),
        ("skck untuk melamar kerja", 0.85, True),
        ("syarat bikin skck apa aja?", 0.4, False),
        ("skck untuk melamar kerja", 0.6, False),
    ],
)
def test_both_forms_agree_at_their_summary(text, confidence, detour):
    complaint = _complaint_says(text, confidence)
    application = _application_says(text, confidence)
    assert ("utter_faq/skck" in complaint) is detour
    assert ("utter_faq/skck" in application) is detour
