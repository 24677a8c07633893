"""Rasa's ResponseSelector, run only for the messages whose topic somebody will read.

Why: the ResponseSelector ranks the 40+ FAQ topics for every message, "halo" and "makasih"
included, and puts its choice, the full text of that topic's answer and a ranking of ten topics
into the parse data. Five intents read it: `faq` (the answer to send, actions/faq/actions.py,
actions/faq/in_form.py, actions/handoff.py), `choose_faq_topic` (a typed pick, or a bare "sim"
with no question asked before, is answered from the ranking), and the three the
TopicEvidenceGuard settles besides `faq`: `nlu_fallback` (a question the selector is sure of is
rescued), `faq_followup` (a follow-up that names its own service) and `start_application` (a
question about a service one can apply for). Every other intent ends the parse as it is.
For a greeting, a menu choice or a thank-you the selector was a TensorFlow call and 10-15 KB of
parse data that every later turn loaded from the conversation store, wrote back and sent to the
action server, for nothing (docs/performance.md, "Session 14").

How: placed after the FallbackClassifier and the VocabularyGuard (neither reads the selector),
so the intent it sees is the one the TopicEvidenceGuard will see; it runs Rasa's own `process`
on the messages whose intent is in `select_for_intents` and leaves the others without a
`response_selector`. Training is Rasa's, unchanged (same seed, same weights).
`select_for_intents` must hold every intent the TopicEvidenceGuard settles and every intent
whose action reads the ranking (tests/unit/test_question_selector.py checks config.yml).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

SELECT_FOR_INTENTS = "select_for_intents"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuestionResponseSelector(ResponseSelector):
    """ResponseSelector whose `process` skips messages no later step reads it for."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **ResponseSelector.get_default_config(),
            SELECT_FOR_INTENTS: [
                "faq",
                "choose_faq_topic",
                DEFAULT_NLU_FALLBACK_INTENT_NAME,
                "faq_followup",
                "start_application",
            ],
        }

    def process(self, messages: list[Message]) -> list[Message]:
        wanted = set(self.component_config[SELECT_FOR_INTENTS])
        asked = [
            message
            for message in messages
            if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in wanted
        ]
        if asked:
            super().process(asked)
        return messages
