"""Three-stage fallback (actions/fallback.py) and the slot mapping that resets its streak."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionLayaniFallback
from layani.paths import DOMAIN_DIR, ROOT


def _tracker(streak: float | None) -> Tracker:
    return Tracker(
        sender_id="62812000111",
        slots={"fallback_streak": streak},
        latest_message={"text": "asdf qwer", "intent": {"name": "nlu_fallback", "confidence": 0.3}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def _run(streak: float | None, domain: dict[str, Any]) -> tuple[list[str], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = await ActionLayaniFallback().run(dispatcher, _tracker(streak), domain)
    return [m["response"] for m in dispatcher.messages], events


async def test_first_fallback_asks_to_rephrase() -> None:
    responses, events = await _run(0.0, {"actions": ["action_handoff_start"]})
    assert responses == ["utter_ask_rephrase"]
    assert events == [SlotSet("fallback_streak", 1.0)]


async def test_unset_streak_counts_as_zero() -> None:
    responses, events = await _run(None, {})
    assert responses == ["utter_ask_rephrase"]
    assert events == [SlotSet("fallback_streak", 1.0)]


HANDOFF_DOMAIN = {"actions": ["action_handoff_start"], "slots": {"handoff_reason": {}}}


async def test_second_fallback_offers_menu_or_human_and_waits_for_the_choice() -> None:
    """The offer is its own bot turn (so rules can read the reply) and no handoff starts yet:
    before, the handoff started at once and the citizen's "menu" got no answer."""
    responses, events = await _run(1.0, HANDOFF_DOMAIN)
    assert responses == []  # the follow-up action says it
    assert events == [
        SlotSet("fallback_streak", 2.0),
        FollowupAction("utter_fallback_menu_or_human"),
    ]


async def test_third_fallback_in_a_row_hands_over_and_says_so() -> None:
    responses, events = await _run(2.0, HANDOFF_DOMAIN)
    assert responses == ["utter_fallback_handover"]
    assert events == [
        SlotSet("fallback_streak", 3.0),
        SlotSet("handoff_reason", "nlu_fallback"),
        FollowupAction("action_handoff_start"),
    ]


async def test_without_handoff_concern_the_offer_is_repeated() -> None:
    for streak in (1.0, 2.0):
        responses, events = await _run(streak, {"actions": ["action_layani_fallback"]})
        assert responses == []
        assert events[-1] == FollowupAction("utter_fallback_menu_or_human")


def test_offer_reply_rules_honour_the_choice() -> None:
    """Yes to "Mau saya sambungkan dengan petugas?" -> officer; no / cancel -> polite close."""
    rules = yaml.safe_load((ROOT / "bot/rules/core.yml").read_text(encoding="utf-8"))["rules"]
    after_offer = {
        rule["steps"][1]["intent"]: rule["steps"][2]["action"]
        for rule in rules
        if rule["steps"][0] == {"action": "utter_fallback_menu_or_human"}
    }
    assert after_offer == {
        "affirm": "action_handoff_start",
        "deny": "utter_fallback_offer_declined",
        "cancel": "utter_fallback_offer_declined",
    }


def test_sms_offer_names_the_words_to_reply() -> None:
    core = yaml.safe_load((DOMAIN_DIR / "core.yml").read_text(encoding="utf-8"))
    (sms,) = [v for v in core["responses"]["utter_fallback_menu_or_human"] if v.get("channel")]
    assert "buttons" not in sms and "MENU" in sms["text"] and "PETUGAS" in sms["text"]


def test_streak_resets_on_every_recognised_intent() -> None:
    """The domain maps fallback_streak to 0 for any intent except nlu_fallback."""
    core = yaml.safe_load((DOMAIN_DIR / "core.yml").read_text(encoding="utf-8"))
    (mapping,) = core["slots"]["fallback_streak"]["mappings"]
    assert mapping == {"type": "from_intent", "value": 0, "not_intent": "nlu_fallback"}


async def test_streak_reset_through_rasa_slot_extraction() -> None:
    """Rasa's own action_extract_slots applies the mapping: greet -> 0, nlu_fallback -> kept."""
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet as RasaSlotSet
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(DOMAIN_DIR / "core.yml"))

    async def extracted(intent: str) -> list:
        tracker = DialogueStateTracker.from_events(
            "s",
            [
                RasaSlotSet("fallback_streak", 2.0),
                UserUttered("x", intent={"name": intent, "confidence": 1.0}),
            ],
            slots=domain.slots,
        )
        action = ActionExtractSlots(action_endpoint=None)
        return await action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain.responses),
            tracker,
            domain,
        )

    assert RasaSlotSet("fallback_streak", 0) in await extracted("greet")
    assert not [
        e for e in await extracted("nlu_fallback") if getattr(e, "key", "") == "fallback_streak"
    ]


async def _run_text(text: str, streak: float = 0.0) -> tuple[list[str], list[dict]]:
    tracker = _tracker(streak)
    tracker.latest_message["text"] = text
    dispatcher = CollectingDispatcher()
    domain = {"responses": {"utter_faq/darurat": [{"text": "DARURAT? 112"}]}}
    events = await ActionLayaniFallback().run(dispatcher, tracker, domain)
    return [m["response"] for m in dispatcher.messages], events


@pytest.mark.parametrize(
    "text",
    [
        "banjir sudah masuk rumah, kami terjebak",
        "tlg ad yg pingsan di psr",  # SMS spelling
        "omah tanggaku kobongan",  # Javanese: the neighbour's house is on fire
        "ada tabrakan di depan sekolah",
    ],
)
async def test_an_emergency_that_is_not_understood_gets_the_emergency_numbers(text: str) -> None:
    responses, events = await _run_text(text, streak=1.0)
    assert responses == ["utter_faq/darurat"]
    assert events == [SlotSet("fallback_streak", 0.0), SlotSet("faq_last_topic", "darurat")]


@pytest.mark.parametrize("text", ["asdf qwer", "sadar gak sih", "bakar ikan enaknya pakai apa"])
async def test_ordinary_unclear_messages_are_asked_to_rephrase(text: str) -> None:
    responses, _ = await _run_text(text)
    assert responses == ["utter_ask_rephrase"]


def test_emergency_response_exists_in_the_umum_pack() -> None:
    responses = yaml.safe_load(
        (ROOT / "nlu_data/agencies/umum/responses.yml").read_text(encoding="utf-8")
    )["responses"]
    assert "112" in responses["utter_faq/darurat"][0]["text"]


async def test_without_the_umum_pack_the_short_emergency_answer_is_used() -> None:
    tracker = _tracker(0.0)
    tracker.latest_message["text"] = "ada kecelakaan"
    dispatcher = CollectingDispatcher()
    domain = {"responses": {"utter_handoff_emergency": [{"text": "112"}]}}
    await ActionLayaniFallback().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff_emergency"]


@pytest.mark.parametrize(
    "text", ["Baik, saya mengerti.", "oh ngono, yo wis", "ok paham", "gpp, lanjut aja"]
)
async def test_a_not_understood_acknowledgement_is_not_asked_to_rephrase(text: str) -> None:
    """After the bot explained something, "baik, saya mengerti" used to get "please rephrase"."""
    responses, events = await _run_text(text)
    assert responses == ["utter_ack_nothing_pending"]
    assert events == [SlotSet("fallback_streak", 0.0)]


async def test_an_acknowledgement_after_a_misunderstanding_goes_on_with_the_offer() -> None:
    responses, events = await _run_text("oke", streak=1.0)
    assert responses == []
    assert events[-1] == FollowupAction("utter_fallback_menu_or_human")


@pytest.mark.parametrize("text", ["oh kenapa begitu?", "oh iya saya mau tanya soal tanah warisan"])
async def test_a_question_or_a_long_message_is_not_an_acknowledgement(text: str) -> None:
    responses, _ = await _run_text(text)
    assert responses == ["utter_ask_rephrase"]
