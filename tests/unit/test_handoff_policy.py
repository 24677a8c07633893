"""HandoffPolicy: silence while handed off, the way back, and sensitive keywords."""

from __future__ import annotations

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from layani.paths import DOMAIN_DIR
from layani.policies.handoff import HandoffPolicy


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load([str(DOMAIN_DIR / "core.yml"), str(DOMAIN_DIR / "handoff.yml")])


@pytest.fixture()
def policy(tmp_path) -> HandoffPolicy:
    config = {**HandoffPolicy.get_default_config()}
    return HandoffPolicy.create(
        config,
        LocalModelStorage(tmp_path),
        Resource("handoff_policy"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def tracker(domain: Domain, handed_off: bool, text: str, intent: str) -> DialogueStateTracker:
    events = [ActionExecuted(ACTION_LISTEN_NAME)]
    if handed_off:
        events += [
            UserUttered("petugas", {"name": "request_human", "confidence": 0.99}),
            ActionExecuted("action_handoff_start"),
            SlotSet("handoff_active", True),
            ActionExecuted(ACTION_LISTEN_NAME),
        ]
    events.append(UserUttered(text, {"name": intent, "confidence": 0.97}))
    return DialogueStateTracker.from_events("citizen", events, slots=domain.slots)


def predicted(policy: HandoffPolicy, domain: Domain, trk: DialogueStateTracker) -> str | None:
    prediction = policy.predict_action_probabilities(trk, domain)
    if prediction.max_confidence <= 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


def test_bot_listens_silently_to_anything_while_handed_off(policy, domain):
    for text, intent in [("halo", "greet"), ("menu", "help"), ("asdfgh", "nlu_fallback")]:
        assert predicted(policy, domain, tracker(domain, True, text, intent)) == ACTION_LISTEN_NAME


def test_back_to_bot_ends_the_handoff(policy, domain):
    trk = tracker(domain, True, "kembali ke asisten", "back_to_bot")
    assert predicted(policy, domain, trk) == "action_handoff_end"


def test_after_its_own_action_the_policy_keeps_listening(policy, domain):
    trk = tracker(domain, True, "halo", "greet")
    trk.update(ActionExecuted(ACTION_LISTEN_NAME))  # bot already listened for this turn
    assert predicted(policy, domain, trk) == ACTION_LISTEN_NAME


def test_normal_conversation_is_left_to_the_other_policies(policy, domain):
    prediction = policy.predict_action_probabilities(
        tracker(domain, False, "halo", "greet"), domain
    )
    assert prediction.max_confidence == 0.0


def test_sensitive_keyword_hands_over_even_when_nlu_missed_it(policy, domain):
    for text in ("rasanya saya ingin mati saja", "saya mau BUNUH DIRI", "tetangga mengancam saya"):
        trk = tracker(domain, False, text, "out_of_scope")
        assert predicted(policy, domain, trk) == "action_handoff_start", text


def test_policy_wins_over_a_rule_and_an_active_form(policy, domain):
    """Against RulePolicy's 1.0 (priority 6) and a form's happy-path prediction."""
    trk = tracker(domain, True, "menu", "help")
    ours = policy.predict_action_probabilities(trk, domain)
    rule_probs: list[float] = [0.0] * domain.num_actions
    rule_probs[domain.index_for_action("utter_help")] = 1.0
    rule = PolicyPrediction(rule_probs, "RulePolicy", 6)
    form = PolicyPrediction(rule_probs, "RulePolicy", 6, is_no_user_prediction=True)
    for other in (rule, form):
        best = DefaultPolicyPredictionEnsemble._pick_best_policy([other, ours])
        assert best.policy_name == "HandoffPolicy"
        assert domain.action_names_or_texts[best.max_confidence_index] == ACTION_LISTEN_NAME


@pytest.fixture(scope="module")
def domain_with_emergency(domain: Domain) -> Domain:
    return domain.merge(Domain.from_dict({"responses": {"utter_faq/darurat": [{"text": "112"}]}}))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kakek saya sesak napas, tolong", "help"),
        ("halo, ada yang pingsan di pasar", "greet"),
        ("rumah tetangga kebakaran", "out_of_scope"),
        # read as an application once: the form must never be a person in danger's answer
        ("kakek saya sesak napas, tolong", "start_application"),
    ],
)
def test_a_cry_for_help_read_as_small_talk_gets_the_emergency_numbers(
    policy, domain_with_emergency, text, intent
):
    trk = tracker(domain_with_emergency, False, text, intent)
    assert predicted(policy, domain_with_emergency, trk) == "utter_faq/darurat"
    trk.update(ActionExecuted("utter_faq/darurat"))
    assert predicted(policy, domain_with_emergency, trk) == ACTION_LISTEN_NAME


def test_without_danger_or_inside_a_form_the_other_policies_decide(policy, domain_with_emergency):
    assert (
        predicted(
            policy, domain_with_emergency, tracker(domain_with_emergency, False, "tolong", "help")
        )
        is None
    )
    trk = tracker(domain_with_emergency, False, "tolong ada yang pingsan", "help")
    trk.update(ActiveLoop("complaint_form"))
    assert predicted(policy, domain_with_emergency, trk) is None
