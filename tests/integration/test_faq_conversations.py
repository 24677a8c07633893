"""FAQ conversations over the REST channel against the trained model and the real action server.

What a citizen notices: a question in any register gets the right agency's answer (REST shows
the default, full variant), two close topics get one question with both as buttons, a button
press answers that topic, and "biayanya berapa?" / "LANJUT" right after an answer stay on it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from actions.faq.selection import AMBIGUITY_GAP

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _default_answers() -> dict[str, str]:
    answers: dict[str, str] = {}
    for path in sorted((ROOT / "nlu_data" / "agencies").glob("*/responses.yml")):
        for name, variants in (
            yaml.safe_load(path.read_text(encoding="utf-8"))["responses"] or {}
        ).items():
            if name.startswith("utter_faq/"):
                answers[name.split("/", 1)[1]] = next(
                    v["text"] for v in variants if not v.get("channel")
                )
    return answers


def _faq_domain_text(name: str) -> str:
    data = yaml.safe_load((ROOT / "bot" / "domain" / "faq.yml").read_text(encoding="utf-8"))
    return next(v["text"] for v in data["responses"][name] if not v.get("channel"))


def _pack_text(agency: str, name: str) -> str:
    data = yaml.safe_load(
        (ROOT / "nlu_data" / "agencies" / agency / "responses.yml").read_text(encoding="utf-8")
    )
    return data["responses"][name][0]["text"]


ANSWERS = _default_answers()


def sender() -> str:
    return f"faq-{uuid.uuid4().hex[:10]}"


# One message per register, none of them a training example.
@pytest.mark.parametrize(
    "text, topic",
    [
        ("Apa saja syarat untuk memperoleh Surat Keterangan Catatan Kepolisian?", "skck"),
        ("ktp aku ilang waktu liburan, ngurusnya gimana ya", "ktp_hilang_rusak"),
        ("prpnjg sim c syrtny ap aj min", "sim_perpanjang"),
        ("piye carane gawe paspor anyar kanggo umroh", "paspor_baru"),
        ("mau bayar pajak motor tahunan lewat hp bisa?", "pajak_kendaraan"),
        ("anak saya baru lahir, bagaimana membuat akta kelahirannya?", "akta_kelahiran"),
    ],
)
def test_question_gets_its_topic_answer(rasa_stack, text: str, topic: str) -> None:
    messages = rasa_stack.rest(sender(), text)
    texts = [m.get("text", "") for m in messages]
    assert ANSWERS[topic] in texts, f"{text!r} -> {texts}"


def test_close_topics_get_a_clarifying_question_and_a_button_answers(rasa_stack) -> None:
    """Bare service names ("sim", "paspor") sit between two topics; whatever the model says,
    the assistant must ask exactly when the selector's two best topics are within the gap."""
    asked = 0
    for text in ("sim", "paspor", "ktp", "kk", "akte", "surat"):
        parsed = rasa_stack.parse(text)
        ranking = parsed["response_selector"]["faq"]["ranking"]
        # A bare name may also read as a pick (`choose_faq_topic`); with no question asked
        # before, the assistant treats it as a question all the same.
        if parsed["intent"]["name"] not in ("faq", "choose_faq_topic") or len(ranking) < 2:
            continue
        first, second = ranking[0], ranking[1]
        close = first["confidence"] - second["confidence"] < AMBIGUITY_GAP
        citizen = sender()
        messages = rasa_stack.rest(citizen, text)
        if not close:
            assert messages[0]["text"] == ANSWERS[first["intent_response_key"].split("/")[1]]
            continue
        asked += 1
        assert messages[0]["text"] == _faq_domain_text("utter_faq_clarify")
        offered = [b["payload"] for b in messages[0]["buttons"]]
        expected = [
            first["intent_response_key"].split("/")[1],
            second["intent_response_key"].split("/")[1],
        ]
        assert offered == [f'/choose_faq_topic{{"faq_topic":"{t}"}}' for t in expected]
        # Pressing the second button answers that topic.
        reply = rasa_stack.texts(citizen, offered[1])
        assert reply == [ANSWERS[expected[1]]]
    assert asked, "no bare service name was ambiguous; the clarifying question was never exercised"


def test_followup_and_lanjut_stay_on_the_answered_topic(rasa_stack) -> None:
    citizen = sender()
    assert ANSWERS["sim_perpanjang"] in rasa_stack.texts(
        citizen, "gimana cara perpanjang SIM A yang mau habis?"
    )
    # A cost follow-up gets the focused sentence of that topic, not another topic's answer.
    assert rasa_stack.texts(citizen, "biayanya berapa?") == [
        _pack_text("polri", "utter_faq_aspect_sim_perpanjang_biaya")
    ]
    assert rasa_stack.texts(citizen, "syaratnya apa aja?") == [ANSWERS["sim_perpanjang"]]
    assert rasa_stack.texts(citizen, "LANJUT") == [ANSWERS["sim_perpanjang"]]
    slots = rasa_stack.tracker(citizen)["slots"]
    assert slots["faq_last_topic"] == "sim_perpanjang"


def test_followup_without_a_previous_answer_asks_which_service(rasa_stack) -> None:
    texts: list[str] = rasa_stack.texts(sender(), "berapa lama jadinya?")
    assert texts == [_faq_domain_text("utter_faq_which_topic")]


def test_question_about_a_chat_service_is_answered_and_the_button_starts_it(rasa_stack) -> None:
    """A question such as "syarat surat domisili apa?" names a service the chat can take: the
    citizen gets the answer they asked for, then one button; pressing it starts the form."""
    citizen = sender()
    messages = rasa_stack.rest(citizen, "ngurus surat keterangan domisili syaratnya apa aja ya?")
    texts = [m.get("text", "") for m in messages]
    assert ANSWERS["surat_domisili"] in texts, texts
    offer = messages[-1]
    assert offer["text"] == _faq_domain_text("utter_faq_offer_application")
    assert [b["payload"] for b in offer["buttons"]] == [
        '/start_application{"application_service":"domisili"}'
    ]
    started = " ".join(rasa_stack.texts(citizen, offer["buttons"][0]["payload"]))
    assert "nama lengkap Anda" in started, started


@pytest.mark.parametrize(
    "text",
    [
        "banjir sudah masuk rumah, kami terjebak",  # not understood: no "please rephrase"
        "tlg ad yg pingsan di psr",  # read as a complaint: the numbers come first
        "kakek saya sesak napas, tolong",  # an FAQ question about emergencies
    ],
)
def test_a_person_in_danger_gets_the_emergency_numbers(rasa_stack, text: str) -> None:
    texts = rasa_stack.texts(sender(), text)
    assert texts and texts[0] == ANSWERS["darurat"], f"{text!r} -> {texts}"
