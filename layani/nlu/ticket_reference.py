"""Rasa component that reads a message carrying a ticket id as a status question.

Why: a complaint or application number (ADU-XXXX-XXXX, PMH-XXXX-XXXX) is something the citizen
only has because Layani gave it to them, and they type it back for one reason: to ask about
that ticket. The words around it vary far more than the training data can ("any update buat
pengajuan PMH-6RE2-J3WY min?", "bah, kek mana kabar laporanku lae? ADU-M3F8-9GKD"), and DIET
then guesses fallback, an FAQ topic or a greeting. The id itself is certain evidence: the
regex extractor finds it exactly (nlu_data/common/regex.yml).

How: when the message has a `ticket_id` entity and its intent is not one that can mention a
ticket for another purpose (cancelling it, asking for an officer, correcting an application,
a new complaint, a sensitive report), the intent becomes `check_status`. The status action
takes the id from the entity, so "halo, PMH-6RE2-J3WY gmn?" is answered with that ticket's
status (still only for the citizen who owns it: actions/complaints/status.py).

Placed last in the NLU pipeline, after the extractors and the other guards.
Config: `entity` (default "ticket_id"), `status_intent` (default "check_status"),
`keep_intents` (intents left as they are).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_NAME_KEY
from rasa.shared.nlu.training_data.message import Message

from layani.nlu.vocabulary_guard import set_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TicketReferenceGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "entity": "ticket_id",
            "status_intent": "check_status",
            "keep_intents": [
                "check_status",
                "cancel",
                "request_human",
                "sensitive_topic",
                "correct_application_field",
                "start_complaint",
            ],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        self._entity = config["entity"]
        self._status_intent = config["status_intent"]
        self._keep = set(config["keep_intents"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TicketReferenceGuard:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if not any(e.get(ENTITY_ATTRIBUTE_TYPE) == self._entity for e in entities):
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if intent not in self._keep:
                set_intent(message, self._status_intent, confidence=1.0)
        return messages
