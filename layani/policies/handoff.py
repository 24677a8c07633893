"""`HandoffPolicy`: keeps the bot silent while an officer has the conversation.

Rasa open source has no human handoff. While the `handoff_active` slot is true, this policy
predicts `action_listen` with confidence 1.0 at a priority above RulePolicy's (6), so no rule,
form or fallback can make the bot talk over the officer; the citizen's messages are still
recorded in the tracker, which is where the console reads them. The one exception is the
"back to the assistant" intent, for which it predicts `action_handoff_end`.

It also spots sensitive topics (threats, violence, self-harm) in a citizen's message, by intent
or by the keyword list in `handoff.yml`, and predicts `action_handoff_start` at once: a keyword
list catches wordings the NLU model never saw, and the settings file changes without retraining.

Its predictions are marked `is_no_user_prediction` so they also win over an active form's
"happy path" prediction, which RulePolicy gives that flag.

Nothing is trained: the policy is a pure function of the tracker and its settings.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from layani.language.emergency import EMERGENCY_RESPONSES, reports_emergency
from layani.policies.handoff_config import HandoffConfig, HandoffConfigError, load_config

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class HandoffPolicy(Policy):
    """See the module docstring."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "priority": 7,  # RulePolicy is 6: ties at confidence 1.0 go to this policy
            "handoff_slot": "handoff_active",
            "resume_intent": "back_to_bot",
            "start_action": "action_handoff_start",
            "end_action": "action_handoff_end",
            "settings_file": None,  # default: LAYANI_HANDOFF_CONFIG or the bundled handoff.yml
            # A message with a word of danger read as one of these intents gets the emergency
            # numbers instead ("kakek saya sesak napas, tolong" -> help -> the menu, before).
            # Not-understood messages and new complaints show the numbers in their own actions
            # (actions/emergency.py); an FAQ question keeps its answer. An application is here
            # too: "kakek saya sesak napas, tolong" once opened the application form, and the
            # cost is lopsided (a "surat keterangan kecelakaan" request sees the numbers first,
            # then is asked again; a person in danger must never get a form).
            "emergency_intents": [
                "greet",
                "help",
                "start_application",
                "thanks",
                "goodbye",
                "affirm",
                "deny",
                "cancel",
                "bot_challenge",
                "out_of_scope",
                "faq_followup",
            ],
            "emergency_answers": list(EMERGENCY_RESPONSES),
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._settings: HandoffConfig | None = None

    def _create_featurizer(self) -> Any:
        return None  # predictions use slots and the latest message only

    @property
    def settings(self) -> HandoffConfig:
        if self._settings is None:
            self._settings = load_config(self.config.get("settings_file"))
        return self._settings

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self._decide(tracker, domain)
        probabilities = [0.0] * domain.num_actions
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)

    def _decide(self, tracker: DialogueStateTracker, domain: Domain) -> str | None:
        slot = self.config["handoff_slot"]
        active = any(s.name == slot for s in domain.slots) and bool(tracker.get_slot(slot))
        just_heard_user = tracker.latest_action_name == ACTION_LISTEN_NAME
        intent = (
            (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        )
        if active:
            if just_heard_user and intent == self.config["resume_intent"]:
                return self._known(domain, self.config["end_action"])
            return ACTION_LISTEN_NAME
        if just_heard_user and tracker.latest_message is not None:
            text = tracker.latest_message.text
            try:
                sensitive = self.settings.is_sensitive(intent, text)
            except HandoffConfigError:
                logger.exception("Handoff settings unreadable; sensitive keywords not checked")
                return None
            if sensitive:
                return self._known(domain, self.config["start_action"])
            if self._reports_danger(tracker, intent, text):
                return next(
                    (a for a in self.config["emergency_answers"] if self._known(domain, a)), None
                )
        if tracker.latest_action_name in self.config["emergency_answers"]:
            return ACTION_LISTEN_NAME  # only this policy runs them as actions: the turn ends
        return None

    def _reports_danger(self, tracker: DialogueStateTracker, intent: str | None, text: str) -> bool:
        """A conversational intent outside a form, on a message holding a word of danger."""
        return (
            tracker.active_loop_name is None
            and intent in self.config["emergency_intents"]
            and reports_emergency(text or "")
        )

    @staticmethod
    def _known(domain: Domain, action: str) -> str | None:
        return action if action in domain.action_names_or_texts else None
