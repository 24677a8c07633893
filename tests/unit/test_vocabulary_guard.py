"""VocabularyGuard: a message without one known word goes to nlu_fallback, typos still count."""

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
from layani.nlu.vocabulary_guard import VocabularyGuard

TRAINING = [
    ("syarat bikin skck apa saja", "faq"),
    ("cara perpanjang paspor", "faq"),
    ("ktp saya hilang harus bagaimana", "faq"),
    ("halo selamat pagi", "greet"),
]


def _prepare(messages: list[Message]) -> list[Message]:
    tokenizer = IndonesianTokenizer(IndonesianTokenizer.get_default_config())
    tokenizer.process(messages)
    TextNormaliser({}, default_normaliser()).process(messages)
    return messages


@pytest.fixture
def guard(tmp_path: Path) -> VocabularyGuard:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("vocabulary_guard")
    component = VocabularyGuard({"similarity": 0.8}, storage, resource)
    examples = _prepare([Message(data={TEXT: t, "intent": i}) for t, i in TRAINING])
    component.train(TrainingData(examples))
    return VocabularyGuard.load({"similarity": 0.8}, storage, resource, None)


def _parse(guard: VocabularyGuard, text: str, intent: str = "faq") -> str:
    message = _prepare([Message(data={TEXT: text})])[0]
    message.set("intent", {"name": intent, "confidence": 0.9})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.9}])
    guard.process([message])
    return message.get("intent")["name"]


@pytest.mark.parametrize("text", ["qwxz vbnm plkj", "asdfgh jklll", "zzzzz"])
def test_keyboard_mashing_falls_back(guard: VocabularyGuard, text: str) -> None:
    assert _parse(guard, text) == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        "syarat skck",
        "pasport saya",  # close spelling of a known word
        "gmn perpanjang",  # normalised to "bagaimana"
        "xyzzy paspor",  # one known word is enough
        "3273010101900001",  # digits only are neutral
        "1",  # a menu choice on SMS
        "ADU-2026-ABCD",
    ],
)
def test_messages_with_a_known_word_keep_their_intent(guard: VocabularyGuard, text: str) -> None:
    assert _parse(guard, text) == "faq"


def test_fallback_is_first_in_the_ranking(guard: VocabularyGuard) -> None:
    message = _prepare([Message(data={TEXT: "qwxz vbnm"})])[0]
    message.set("intent", {"name": "faq", "confidence": 0.9})
    message.set("intent_ranking", [{"name": "faq", "confidence": 0.9}])
    guard.process([message])
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["nlu_fallback", "faq"]


def test_untrained_guard_changes_nothing(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    empty = VocabularyGuard.load({}, storage, Resource("missing"), None)
    message = _prepare([Message(data={TEXT: "qwxz vbnm"})])[0]
    message.set("intent", {"name": "greet", "confidence": 0.9})
    empty.process([message])
    assert message.get("intent")["name"] == "greet"
