"""Rasa component that rewrites token text and lemma to standard Indonesian.

Placed after the tokenizer and before every featuriser in config.yml, so word and character
n-gram features, DIET and the ResponseSelector all see "saya" for sy/aq/gw and "bagaimana" for
gmn/gimana/piye, and "angkahp" for any phone number (`layani.nlu.number_shapes`). Token
offsets (start/end) are kept, so entity spans and RegexFeaturizer matches still refer to the
original message text. The rules themselves live in `layani.language.normalise`.

Config:
- `lemmatize` (default False): also replace each word by its spaCy lookup lemma
  (spacy-lookups-data `id_lemma_lookup`: "persyaratannya" -> "syarat"). Measured with
  `make eval` (see docs/nlu.md) before turning it on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from layani.language.normalise import Normaliser, default_normaliser, indonesian_lemmas
from layani.nlu.number_shapes import number_shape


def rewrite_tokens(messages: list[Message], rewrite: Callable[[str], str | None]) -> list[Message]:
    """Give every token the text (and lemma) `rewrite` returns for it; None keeps the token.

    Offsets (start/end) stay, so entities and regex features still point into the original
    message text. Shared by the components that rewrite words before the featurisers.
    """
    for message in messages:
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            new = rewrite(token.text)
            if new is not None:
                token.text = new
                token.lemma = new
    return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TextNormaliser(GraphComponent):
    """Normalise colloquial/SMS tokens (config name `layani.nlu.normaliser.TextNormaliser`)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"lemmatize": False}

    def __init__(self, config: dict[str, Any], normaliser: Normaliser) -> None:
        self._normaliser = normaliser
        self._lemmas = indonesian_lemmas() if config.get("lemmatize") else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TextNormaliser:
        return cls(config, default_normaliser())

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        return rewrite_tokens(messages, self.normal_form)

    def normal_form(self, word: str) -> str:
        shape = number_shape(word)
        if shape is not None:
            return shape
        normal = self._normaliser.normalise_token(word) or word.lower()
        if self._lemmas is not None:
            normal = " ".join(self._lemmas.get(part, part) for part in normal.split())
        return normal
