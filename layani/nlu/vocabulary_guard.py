"""Rasa component that sends messages with no known word to `nlu_fallback`.

Why: DIET and the character n-gram features always produce *some* intent, and for keyboard
mashing or a language the bot was never trained on ("qwxz vbnm plkj") that guess can be
confident: the citizen then gets an unrelated FAQ answer instead of "Maaf, saya belum
mengerti". A message in which not one word resembles anything in the training data carries no
evidence for any intent, so the honest answer is the fallback.

How: at training time the component keeps the normalised word forms of every training example
(the tokens after `layani.nlu.normaliser.TextNormaliser`). At parse time a word counts as known
when it is in that vocabulary or, for words of four letters or more, when it is a close spelling
of a known word (difflib ratio >= `similarity`, so "pasport" and "prpanjang" still count).
Tokens with digits (NIK, ticket ids, menu numbers) are neutral. The message is sent to
`nlu_fallback` only when it has at least one alphabetic word and none is known.

Placed after FallbackClassifier in config.yml. Config: `similarity` (default 0.8).
"""

from __future__ import annotations

import difflib
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.nlu.number_shapes import NUMBER_SHAPES
from layani.nlu.stored_component import JsonStoredComponent


def is_word(token_text: str) -> bool:
    """Alphabetic tokens are evidence; tokens with digits (NIK, ids, menu numbers) are not."""
    return (
        any(ch.isalpha() for ch in token_text)
        and not any(ch.isdigit() for ch in token_text)
        and token_text not in NUMBER_SHAPES  # a number the normaliser renamed is still a number
    )


def message_words(message: Message, keep=is_word) -> list[str]:
    """The normalised words of a tokenized message ("gmn" arrives as "bagaimana")."""
    return [
        part
        for token in message.get(TOKENS_NAMES[TEXT]) or []
        for part in token.text.lower().split()
        if keep(part)
    ]


def set_intent(message: Message, name: str, confidence: float | None = None) -> None:
    """Make `name` the message's intent, at `confidence` or that of the intent it replaces,
    and put it first in the ranking (the rest of the ranking stays below it)."""
    current = message.data.get(INTENT) or {}
    if confidence is None:
        confidence = float(current.get(PREDICTED_CONFIDENCE_KEY) or 1.0)
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.data[INTENT] = intent
    ranking = message.data.get(INTENT_RANKING_KEY) or []
    message.data[INTENT_RANKING_KEY] = [
        intent,
        *(entry for entry in ranking if entry.get(INTENT_NAME_KEY) != name),
    ]


def send_to_fallback(message: Message) -> None:
    """Make `nlu_fallback` the message's intent (the FallbackClassifier's form)."""
    set_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, confidence=1.0)


class Vocabulary:
    """The known word forms, with the close-spelling test."""

    def __init__(self, words: set[str], similarity: float = 0.8) -> None:
        self.words = words
        self._similarity = similarity
        self._by_initial: dict[str, list[str]] = {}
        for word in words:
            self._by_initial.setdefault(word[:1], []).append(word)

    def knows(self, word: str) -> bool:
        if word in self.words:
            return True
        if len(word) < 4:
            return False
        # Typos rarely change the first letter; comparing within it keeps this fast.
        candidates = self._by_initial.get(word[:1], [])
        return bool(difflib.get_close_matches(word, candidates, n=1, cutoff=self._similarity))

    def knows_any(self, words: list[str]) -> bool:
        return any(self.knows(w) for w in words)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class VocabularyGuard(JsonStoredComponent):
    """Fallback for messages without any known word (config name in the module doc)."""

    STORE_FILE = "vocabulary.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"similarity": 0.8}

    def restore(self, state: dict[str, Any] | None) -> None:
        words = set((state or {}).get("words", []))
        self._vocabulary = Vocabulary(words, float(self._config["similarity"]))

    def train(self, training_data: TrainingData) -> Resource:
        words: set[str] = set()
        for message in training_data.training_examples:
            words.update(message_words(message))
        return self.persist({"words": sorted(words)})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self._is_unknown(message):
                send_to_fallback(message)
        return messages

    def _is_unknown(self, message: Message) -> bool:
        if not self._vocabulary.words:
            return False  # untrained: never guess
        words = message_words(message)
        return bool(words) and not self._vocabulary.knows_any(words)
