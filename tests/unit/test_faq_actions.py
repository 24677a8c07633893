"""FAQ actions run as functions: a tracker from events, a CollectingDispatcher, the real domain.

Asserts what the citizen notices: which answer, which clarifying buttons, what a follow-up or
LANJUT sends, and which topic is remembered.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq.actions import ActionFaqAnswer, ActionFaqChoose, ActionFaqFollowup, ActionFaqMore
from actions.faq.selection import (
    AMBIGUITY_GAP,
    answered_just_before,
    choice_payload,
    close_pair,
    topic_ranking,
)
from layani import importer
from layani.catalogue import load_catalogue
from layani.gsm7 import is_gsm7, segment_count


def _assembled_domain() -> dict[str, Any]:
    """Responses of bot/domain/*.yml and every enabled pack, as the action server receives them."""
    responses: dict[str, Any] = {}
    for path in importer.domain_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        responses.update(data.get("responses") or {})
    return {"responses": responses}


DOMAIN = _assembled_domain()
FAQ_DOMAIN = yaml.safe_load(open(importer.DOMAIN_DIR / "faq.yml", encoding="utf-8"))


def selector(*ranking: tuple) -> dict[str, Any]:
    items = [
        {"id": i, "confidence": c, "intent_response_key": f"faq/{t}"}
        for i, (t, c) in enumerate(ranking)
    ]
    top = items[0] if items else {}
    return {
        "all_retrieval_intents": ["faq"],
        "faq": {
            "response": {
                "intent_response_key": top.get("intent_response_key"),
                "confidence": top.get("confidence"),
                "utter_action": "utter_" + str(top.get("intent_response_key")),
            },
            "ranking": items,
        },
    }


def make_tracker(
    text: str,
    intent: str,
    ranking: tuple = (),
    slots: dict[str, Any] | None = None,
    entities: list[dict] | None = None,
    previous_action: str | None = None,
) -> Tracker:
    """A tracker whose latest user message is `text`; `previous_action` answered the turn before."""
    events: list[dict[str, Any]] = [{"event": "action", "name": "action_listen"}]
    if previous_action:
        events += [
            {"event": "user", "text": "pertanyaan sebelumnya", "parse_data": {}},
            {"event": "action", "name": previous_action},
            {"event": "bot", "text": "jawaban"},
            {"event": "action", "name": "action_listen"},
        ]
    events.append({"event": "user", "text": text, "parse_data": {}})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "response_selector": selector(*ranking) if ranking else {},
    }
    return Tracker("citizen", dict(slots or {}), message, events, False, None, {}, "action_listen")


async def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return dispatcher.messages, events


async def test_clear_winner_is_answered_and_remembered() -> None:
    tracker = make_tracker("syarat skck apa", "faq", (("skck", 0.91), ("sim_baru", 0.04)))
    messages, events = await run(ActionFaqAnswer(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq/skck"]
    assert events == [SlotSet("faq_last_topic", "skck"), SlotSet("faq_options", None)]


async def test_close_topics_get_one_question_with_both_as_buttons() -> None:
    tracker = make_tracker(
        "ktp sy rusak datanya jg salah",
        "faq",
        (("ktp_hilang_rusak", 0.46), ("ktp_ubah_data", 0.41), ("kk_ubah", 0.05)),
    )
    messages, events = await run(ActionFaqAnswer(), tracker)
    assert len(messages) == 1
    assert messages[0]["response"] == "utter_faq_clarify"
    assert messages[0]["buttons"] == [
        {
            "title": "KTP hilang atau rusak",
            "payload": '/choose_faq_topic{"faq_topic":"ktp_hilang_rusak"}',
        },
        {"title": "Ubah data KTP", "payload": '/choose_faq_topic{"faq_topic":"ktp_ubah_data"}'},
    ]
    # Nothing answered yet, so no topic is remembered for follow-ups.
    assert events == [SlotSet("faq_options", ["ktp_hilang_rusak", "ktp_ubah_data"])]


def test_gap_threshold_is_strict() -> None:
    known = ["a", "b"]
    assert close_pair([("a", 0.5), ("b", 0.5 - AMBIGUITY_GAP + 0.01)], known) == ("a", "b")
    assert close_pair([("a", 0.6), ("b", 0.6 - AMBIGUITY_GAP - 0.01)], known) is None
    assert close_pair([("a", 0.5)], known) is None


async def test_topics_without_an_answer_are_skipped() -> None:
    """A disabled pack (LAYANI_PACKS) has no response: the next answerable topic is used."""
    tracker = make_tracker("x", "faq", (("not_a_topic", 0.6), ("paspor_baru", 0.3), ("skck", 0.02)))
    messages, _ = await run(ActionFaqAnswer(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq/paspor_baru"]


async def test_no_ranking_asks_which_service() -> None:
    messages, events = await run(ActionFaqAnswer(), make_tracker("?", "faq"))
    assert [m["response"] for m in messages] == ["utter_faq_which_topic"]
    assert events == []


async def test_button_choice_answers_that_topic() -> None:
    tracker = make_tracker(
        '/choose_faq_topic{"faq_topic":"ktp_ubah_data"}',
        "choose_faq_topic",
        slots={"faq_options": ["ktp_hilang_rusak", "ktp_ubah_data"]},
        entities=[{"entity": "faq_topic", "value": "ktp_ubah_data"}],
    )
    messages, events = await run(ActionFaqChoose(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq/ktp_ubah_data"]
    assert SlotSet("faq_last_topic", "ktp_ubah_data") in events
    assert SlotSet("faq_options", None) in events


async def test_typed_choice_without_entity_picks_among_offered_topics() -> None:
    """ "yang paspor hilang" after being offered two passport topics: the selector's ranking,
    limited to the offered pair, decides, even if another topic scores higher overall."""
    tracker = make_tracker(
        "yang hilang",
        "choose_faq_topic",
        ranking=(("ktp_hilang_rusak", 0.7), ("paspor_hilang_rusak", 0.2), ("paspor_baru", 0.1)),
        slots={"faq_options": ["paspor_baru", "paspor_hilang_rusak"]},
    )
    messages, _ = await run(ActionFaqChoose(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq/paspor_hilang_rusak"]


async def test_bare_service_name_read_as_a_pick_is_answered_as_a_question() -> None:
    """ "ktp" as a first message may be classified `choose_faq_topic`; nothing was offered, so
    the two close KTP topics get the clarifying question, as for `faq`."""
    tracker = make_tracker(
        "ktp", "choose_faq_topic", ranking=(("ktp_hilang_rusak", 0.29), ("ktp_baru", 0.28))
    )
    messages, events = await run(ActionFaqChoose(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq_clarify"]
    assert SlotSet("faq_options", ["ktp_hilang_rusak", "ktp_baru"]) in events


async def test_forged_choice_payload_is_not_answered() -> None:
    tracker = make_tracker(
        '/choose_faq_topic{"faq_topic":"../../etc"}',
        "choose_faq_topic",
        entities=[{"entity": "faq_topic", "value": "../../etc"}],
    )
    messages, events = await run(ActionFaqChoose(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq_which_topic"]
    assert events == []


@pytest.mark.parametrize(
    "text, response",
    [
        ("biayanya berapa?", "utter_faq_aspect_sim_perpanjang_biaya"),
        ("bs onln g", "utter_faq_aspect_sim_perpanjang_online"),
        ("berapa lama jadinya", "utter_faq_aspect_sim_perpanjang_waktu"),
        ("ngurusnya di mana?", "utter_faq_aspect_sim_perpanjang_tempat"),
        # No single aspect: the whole answer covers it.
        ("syaratnya apa aja?", "utter_faq/sim_perpanjang"),
        ("biaya sama lamanya gimana", "utter_faq/sim_perpanjang"),
    ],
)
async def test_followup_right_after_an_answer_stays_on_topic(text: str, response: str) -> None:
    tracker = make_tracker(
        text,
        "faq_followup",
        slots={"faq_last_topic": "sim_perpanjang"},
        previous_action="action_faq_answer",
    )
    messages, events = await run(ActionFaqFollowup(), tracker)
    assert [m["response"] for m in messages] == [response]
    assert SlotSet("faq_last_topic", "sim_perpanjang") in events


async def test_question_naming_the_topic_just_answered_gets_the_focused_answer() -> None:
    """ "sim nya bisa online?" after the SIM answer arrives as `faq` (it names its service)."""
    tracker = make_tracker(
        "perpanjang sim nya bisa online?",
        "faq",
        (("sim_perpanjang", 0.9), ("sim_baru", 0.05)),
        slots={"faq_last_topic": "sim_perpanjang"},
        previous_action="action_faq_answer",
    )
    messages, events = await run(ActionFaqAnswer(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq_aspect_sim_perpanjang_online"]
    assert SlotSet("faq_last_topic", "sim_perpanjang") in events


async def test_question_naming_a_new_topic_gets_that_answer_not_the_old_aspect() -> None:
    tracker = make_tracker(
        "skck bisa online?",
        "faq",
        (("skck", 0.9), ("sim_baru", 0.05)),
        slots={"faq_last_topic": "sim_perpanjang"},
        previous_action="action_faq_answer",
    )
    messages, _ = await run(ActionFaqAnswer(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq/skck"]


async def test_followup_falls_back_to_full_answer_when_pack_has_no_focused_answer() -> None:
    domain = {"responses": {k: v for k, v in DOMAIN["responses"].items() if "aspect" not in k}}
    tracker = make_tracker(
        "biayanya berapa?",
        "faq_followup",
        slots={"faq_last_topic": "skck"},
        previous_action="action_faq_followup",
    )
    dispatcher = CollectingDispatcher()
    await ActionFaqFollowup().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/skck"]


async def test_followup_after_something_else_asks_which_service() -> None:
    """The remembered topic is stale once the conversation moved on (here: a complaint)."""
    tracker = make_tracker(
        "bisa online?",
        "faq_followup",
        slots={"faq_last_topic": "skck"},
        previous_action="action_complaint_submit",
    )
    messages, events = await run(ActionFaqFollowup(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq_which_topic"]
    assert events == []


async def test_followup_without_any_topic_asks_which_service() -> None:
    messages, _ = await run(ActionFaqFollowup(), make_tracker("berapa lama?", "faq_followup"))
    assert [m["response"] for m in messages] == ["utter_faq_which_topic"]


async def test_lanjut_sends_the_full_answer_of_the_last_topic() -> None:
    tracker = make_tracker(
        "LANJUT", "faq_more", slots={"faq_last_topic": "skck"}, previous_action="action_faq_answer"
    )
    messages, _ = await run(ActionFaqMore(), tracker)
    full = next(v for v in DOMAIN["responses"]["utter_faq/skck"] if not v.get("channel"))
    sms = next(v for v in DOMAIN["responses"]["utter_faq/skck"] if v.get("channel") == "sms")
    assert len(messages) == 1
    assert messages[0]["text"] == full["text"] != sms["text"]
    assert messages[0]["metadata"]["agency"] == "polri"
    assert messages[0]["utter_action"] == "utter_faq/skck"


async def test_lanjut_without_a_previous_answer_says_so() -> None:
    messages, _ = await run(
        ActionFaqMore(), make_tracker("lanjut", "faq_more", slots={"faq_last_topic": "skck"})
    )
    assert [m["response"] for m in messages] == ["utter_faq_more_none"]


def test_answered_just_before_looks_only_at_the_previous_turn() -> None:
    user = {"event": "user"}
    answer = {"event": "action", "name": "action_faq_answer"}
    other = {"event": "action", "name": "utter_greet"}
    assert answered_just_before([user, answer, user])
    assert not answered_just_before([user, answer, user, other, user])
    assert not answered_just_before([user])
    assert not answered_just_before([])


def test_ranking_reads_the_default_selector_key_too() -> None:
    message = {"response_selector": {"default": selector(("kia", 0.8), ("ikd", 0.1))["faq"]}}
    assert topic_ranking(message) == [("kia", 0.8), ("ikd", 0.1)]
    assert topic_ranking({}) == []


@pytest.mark.parametrize("topic", sorted(load_catalogue().faq))
def test_every_topic_has_a_button_label_and_a_short_payload(topic: str) -> None:
    label = FAQ_DOMAIN["responses"].get(f"utter_faq_label_{topic}")
    assert label and label[0]["text"].strip()
    # Telegram limits callback data to 64 bytes.
    assert len(choice_payload(topic).encode()) <= 64


def test_faq_behaviour_sms_texts_are_gsm7() -> None:
    for name, variants in FAQ_DOMAIN["responses"].items():
        for variant in variants:
            if variant.get("channel") == "sms":
                assert is_gsm7(variant["text"]), name


ASPECTS = ("biaya", "online", "waktu", "tempat")
OWN_TOPICS = [
    t
    for t, spec in load_catalogue().faq.items()
    if spec["agency"] in {"dukcapil", "polri", "samsat", "imigrasi"}
]


@pytest.mark.parametrize("topic", OWN_TOPICS)
def test_own_topics_have_focused_followup_answers(topic: str) -> None:
    """Short sentences for SMS too: GSM-7, one variant, metadata of the topic's agency."""
    agency = load_catalogue().faq_agency(topic)
    for aspect in ASPECTS:
        variants = DOMAIN["responses"].get(f"utter_faq_aspect_{topic}_{aspect}")
        assert variants and len(variants) == 1, f"{topic}/{aspect}"
        text = variants[0]["text"]
        assert is_gsm7(text) and segment_count(text) <= 2, f"{topic}/{aspect}"
        assert variants[0]["metadata"]["agency"] == agency


def test_focused_answers_only_for_catalogue_topics_and_known_aspects() -> None:
    names = [n for n in DOMAIN["responses"] if n.startswith("utter_faq_aspect_")]
    valid = {f"utter_faq_aspect_{t}_{a}" for t in load_catalogue().faq for a in ASPECTS}
    assert set(names) <= valid, sorted(set(names) - valid)


def _on_channel(tracker: Tracker, channel: str) -> Tracker:
    """As the connector writes it: Rasa's input channel, and `metadata.channel` for Twilio."""
    tracker.latest_message["metadata"] = {"channel": channel}
    input_channel = "twilio" if channel in ("sms", "whatsapp") else channel
    [e for e in tracker.events if e["event"] == "user"][-1]["input_channel"] = input_channel
    return tracker


async def test_answer_about_a_chat_service_offers_its_application() -> None:
    tracker = _on_channel(
        make_tracker("srt domisili bkin dmn", "faq", (("surat_domisili", 0.95),)), "telegram"
    )
    messages, _ = await run(ActionFaqAnswer(), tracker)
    assert [m["response"] for m in messages] == [
        "utter_faq/surat_domisili",
        "utter_faq_offer_application",
    ]
    assert messages[1]["buttons"] == [
        {
            "title": "Ajukan sekarang",
            "payload": '/start_application{"application_service":"domisili"}',
        }
    ]


async def test_birth_certificate_answer_offers_the_birth_registration() -> None:
    tracker = _on_channel(
        make_tracker("akte lahir gmn", "faq", (("akta_kelahiran", 0.95),)), "whatsapp"
    )
    messages, _ = await run(ActionFaqAnswer(), tracker)
    assert messages[-1]["buttons"][0]["payload"] == (
        '/start_application{"application_service":"kelahiran"}'
    )


@pytest.mark.parametrize(
    "topic, channel, active_loop",
    [
        ("skck", "telegram", None),  # no chat application for SKCK
        ("surat_domisili", "sms", None),  # an extra SMS costs the citizen money
        ("surat_domisili", "telegram", "application_form"),  # already applying
    ],
)
async def test_no_application_offer(topic: str, channel: str, active_loop: str | None) -> None:
    tracker = _on_channel(make_tracker("pertanyaan", "faq", ((topic, 0.95),)), channel)
    tracker.active_loop = {"name": active_loop} if active_loop else {}
    messages, _ = await run(ActionFaqAnswer(), tracker)
    assert [m["response"] for m in messages] == [f"utter_faq/{topic}"]
