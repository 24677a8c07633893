"""Rasa component that expands unknown SMS abbreviations to the training words they stand for.

Placed right after `layani.nlu.normaliser.TextNormaliser` in config.yml: the normaliser maps the
abbreviations its lexicon lists (sy, gmn, tdk); this component handles the ones nobody listed
("ptgs" -> petugas, "pngdn" -> pengaduan) by consonant skeleton against the words of the
training data, most frequent first (`layani.language.abbreviations` has the rule and why).
Learning the vocabulary from the training data means an agency pack's own words ("sertifikat",
"retribusi") are expandable as soon as the pack is trained, with no word list to maintain.

Token offsets stay as they are (entities and regex features refer to the original text); only
`token.text` and `token.lemma` change, as in the normaliser. Config: `dominance` (default 3.0),
how many times more frequent the chosen word must be than the next candidate.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.language.abbreviations import AbbreviationIndex
from layani.language.normalise import default_normaliser
from layani.nlu.normaliser import rewrite_tokens
from layani.nlu.stored_component import JsonStoredComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class AbbreviationExpander(JsonStoredComponent):
    """Expand unknown abbreviations (`layani.nlu.abbreviations.AbbreviationExpander`)."""

    STORE_FILE = "word_counts.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"dominance": 3.0}

    def restore(self, state: dict[str, Any] | None) -> None:
        counts = (state or {}).get("counts", {})
        self._index = AbbreviationIndex(counts, float(self._config["dominance"]))
        # Words that are never rewritten: the training words and the Indonesian word list
        # (a real word that happens to look like an abbreviation stays itself).
        self._known = frozenset(counts) | default_normaliser().vocabulary

    def train(self, training_data: TrainingData) -> Resource:
        counts: Counter[str] = Counter()
        for message in training_data.training_examples:
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                counts.update(part for part in token.text.lower().split() if part.isalpha())
        return self.persist({"counts": dict(sorted(counts.items()))})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return rewrite_tokens(messages, self.expand)

    def expand(self, word: str) -> str | None:
        """The training word `word` abbreviates, or None when it is known or no match is sure."""
        lowered = word.lower()
        if lowered in self._known:
            return None
        return self._index.expand(lowered)
