"""TopicEvidenceGuard: an FAQ answer stands only if the message holds a word of its topic."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.nlu.normalise import default_normaliser
from layani.nlu.normaliser import TextNormaliser
from layani.nlu.tokenizer import IndonesianTokenizer
from layani.nlu.topic_evidence import TopicEvidenceGuard, topic_evidence

TRAINING = [
    ("syarat bikin skck apa saja", "faq", "faq/skck"),
    ("skck online bisa?", "faq", "faq/skck"),
    ("surat kelakuan baik ngurusnya di polres", "faq", "faq/skck"),
    ("cara bikin pbg untuk rumah", "faq", "faq/pbg"),
    ("pbg bisa online?", "faq", "faq/pbg"),
    ("izin mendirikan bangunan sekarang apa namanya", "faq", "faq/pbg"),
    ("bayar pajak motor tahunan", "faq", "faq/pajak_kendaraan"),
    ("harga motor bekas berapa", "out_of_scope", None),
    ("beli motor baru yang bagus apa", "out_of_scope", None),
    ("rekomendasi film dong", "out_of_scope", None),
]


def _prepare(messages: list[Message]) -> list[Message]:
    IndonesianTokenizer(IndonesianTokenizer.get_default_config()).process(messages)
    TextNormaliser({}, default_normaliser()).process(messages)
    return messages


def _training_message(text: str, intent: str, key: str | None) -> Message:
    data = {TEXT: text, "intent": intent}
    if key:
        data["intent_response_key"] = key
    return Message(data=data)


def _guard(tmp_path: Path, config: dict | None = None) -> TopicEvidenceGuard:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("topic_evidence")
    examples = _prepare([_training_message(*row) for row in TRAINING])
    config = {**TopicEvidenceGuard.get_default_config(), **(config or {})}
    TopicEvidenceGuard(config, storage, resource).train(TrainingData(examples))
    return TopicEvidenceGuard.load(config, storage, resource, None)


@pytest.fixture
def guard(tmp_path: Path) -> TopicEvidenceGuard:
    return _guard(tmp_path)


def _parse(
    guard: TopicEvidenceGuard,
    text: str,
    topic: str,
    confidence: float = 0.9,
    intent: str = "faq",
) -> str:
    message = _prepare([Message(data={TEXT: text})])[0]
    message.set("intent", {"name": intent, "confidence": 0.8})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.8}])
    message.set(
        "response_selector",
        {"faq": {"response": {"intent_response_key": topic, "confidence": confidence}}},
    )
    guard.process([message])
    assert message.get("intent_ranking")[0] == message.get("intent")
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    "text, topic",
    [
        ("Bagaimana cara merawat tanaman anggrek?", "faq/pbg"),  # FAQ-shaped, no topic word
        ("artis yang baru nikah siapa aja", "faq/skck"),
        ("harga motor matic baru berapa", "faq/pajak_kendaraan"),  # "motor" is out-of-scope talk
    ],
)
def test_faq_shaped_message_without_topic_word_falls_back(
    guard: TopicEvidenceGuard, text: str, topic: str
) -> None:
    assert _parse(guard, text, topic) == "nlu_fallback"


@pytest.mark.parametrize(
    "text, topic",
    [
        ("Apa syarat membuat SKCK?", "faq/skck"),
        ("surat kelakuan baik", "faq/skck"),
        ("skcknya dmn", "faq/skck"),  # unknown word, close spelling of an evidence word
        ("pajak tahunan", "faq/pajak_kendaraan"),
        ("pbg gmn", "faq/pbg"),
    ],
)
def test_message_with_a_topic_word_keeps_its_answer(
    guard: TopicEvidenceGuard, text: str, topic: str
) -> None:
    assert _parse(guard, text, topic) == "faq"


def test_other_intents_are_left_alone(guard: TopicEvidenceGuard) -> None:
    message = _prepare([Message(data={TEXT: "halo min"})])[0]
    message.set("intent", {"name": "greet", "confidence": 0.9})
    guard.process([message])
    assert message.get("intent")["name"] == "greet"


def test_function_words_and_out_of_scope_words_are_not_evidence() -> None:
    evidence = topic_evidence(
        {"faq/a": [{"dapat", "pajak", "harga"}], "faq/b": [{"bisa", "paspor"}]},
        out_of_scope=[{"harga"}, {"harga", "emas"}],
    )
    assert evidence == {"faq/a": {"pajak"}, "faq/b": {"paspor"}}


def test_words_of_most_topics_are_not_evidence() -> None:
    topics = {f"faq/{n}": [{"syarat", f"kata{n}"}] for n in range(30)}
    evidence = topic_evidence(topics, out_of_scope=[], max_topic_share=0.5)
    assert evidence == {f"faq/{n}": {f"kata{n}"} for n in range(30)}


def test_a_small_pack_keeps_the_words_its_topics_share() -> None:
    topics = {f"pdam_{n}": [{"pdam", "tagihan", f"kata{n}"}] for n in range(6)}
    evidence = topic_evidence(topics, out_of_scope=[], max_topic_share=0.5)
    assert all({"pdam", "tagihan"} <= words for words in evidence.values())


def test_flat_topic_choice_stands_only_with_a_word_that_names_the_topic(tmp_path: Path) -> None:
    # "online" is evidence for two topics (skck, pbg): with distinctive_topics=1 it names neither.
    guard = _guard(tmp_path, {"distinctive_topics": 1})
    assert _parse(guard, "online gmn", "faq/skck", confidence=0.9) == "faq"
    assert _parse(guard, "online gmn", "faq/skck", confidence=0.1) == "nlu_fallback"
    assert _parse(guard, "skck online gmn", "faq/skck", confidence=0.1) == "faq"
    assert _parse(guard, "skck", "faq/pbg", confidence=0.1) == "nlu_fallback"  # not its word


@pytest.mark.parametrize(
    "text, confidence, expected",
    [
        ("skck nya berapa", 0.8, "faq"),  # names a service: a new question
        ("berapa biayanya", 0.8, "faq_followup"),  # no service word: about the last answer
        ("skck nya berapa", 0.3, "faq_followup"),  # the selector is unsure: leave it
    ],
)
def test_followup_that_names_a_service_becomes_a_question(
    guard: TopicEvidenceGuard, text: str, confidence: float, expected: str
) -> None:
    assert _parse(guard, text, "faq/skck", confidence, intent="faq_followup") == expected


@pytest.mark.parametrize(
    "text, topic, confidence, expected",
    [
        # DIET was unsure, the selector is sure and the service is named: answer it.
        ("hoyong ngurus skck pun anak", "faq/skck", 0.97, "faq"),
        # The selector is not sure enough: the citizen is asked to rephrase.
        ("hoyong ngurus skck pun anak", "faq/skck", 0.45, "nlu_fallback"),
        # Sure, but not one word of that topic: no answer out of thin air.
        ("Bagaimana cara merawat tanaman anggrek?", "faq/pbg", 0.97, "nlu_fallback"),
    ],
)
def test_fallback_with_a_sure_topic_choice_and_its_word_is_answered(
    guard: TopicEvidenceGuard, text: str, topic: str, confidence: float, expected: str
) -> None:
    assert _parse(guard, text, topic, confidence, intent="nlu_fallback") == expected


@pytest.mark.parametrize(
    "text, confidence, expected",
    [
        ("ngurus skck butuh apa aja", 0.9, "faq"),  # a question about the service
        ("skck bikinnya di polres ya?", 0.9, "faq"),  # the question mark is enough
        ("srt kelakuan baik bkin dmn", 0.9, "faq"),  # "dmn" is "di mana" after normalising
        ("bisa minta surat kelakuan baik gak", 0.9, "faq"),  # the yes/no question tag
        ("mau bikin skck sekarang", 0.9, "start_application"),  # a request: start the form
        ("ngurus skck butuh apa aja", 0.4, "start_application"),  # the selector is unsure
    ],
)
def test_question_about_a_service_is_answered_not_started(
    guard: TopicEvidenceGuard, text: str, confidence: float, expected: str
) -> None:
    assert _parse(guard, text, "faq/skck", confidence, intent="start_application") == expected
