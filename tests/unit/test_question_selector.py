"""QuestionResponseSelector: the topic ranking is computed for every message someone reads it for.

The selector skips messages whose intent no later step reads its ranking for; skipping one that
is read would send a citizen's FAQ question to "which service do you mean?". So config.yml's list
is checked against what reads it: the TopicEvidenceGuard's intents and every rule that ends in an
action reading the ranking.
"""

from __future__ import annotations

import yaml
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from layani.nlu.question_selector import SELECT_FOR_INTENTS, QuestionResponseSelector
from layani.nlu.topic_evidence import TopicEvidenceGuard
from layani.paths import ROOT

SELECTOR = "layani.nlu.question_selector.QuestionResponseSelector"
# Actions that read `latest_message.response_selector` (actions/faq/actions.py).
RANKING_READERS = {"action_faq_answer", "action_faq_choose"}


def _pipeline() -> list[dict]:
    return yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]


def _names() -> list[str]:
    return [step["name"] for step in _pipeline()]


def _selected_intents() -> set[str]:
    step = next(step for step in _pipeline() if step["name"] == SELECTOR)
    config = {**QuestionResponseSelector.get_default_config(), **step}
    return set(config[SELECT_FOR_INTENTS])


def _message(text: str, intent: str) -> Message:
    return Message(data={TEXT: text, "intent": {"name": intent, "confidence": 0.9}})


def test_only_messages_with_a_selected_intent_reach_the_selector(monkeypatch) -> None:
    seen: list[str] = []

    def fake_process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            seen.append(message.get(TEXT))
            message.set("response_selector", {"faq": {"ranking": []}}, add_to_output=True)
        return messages

    monkeypatch.setattr(ResponseSelector, "process", fake_process)
    selector = QuestionResponseSelector.__new__(QuestionResponseSelector)
    selector.component_config = QuestionResponseSelector.get_default_config()
    messages = [
        _message("halo", "greet"),
        _message("syarat skck", "faq"),
        _message("qwx zzv", "nlu_fallback"),
        _message("makasih", "thanks"),
    ]

    returned = selector.process(messages)

    assert returned == messages  # every message goes on, selected or not
    assert seen == ["syarat skck", "qwx zzv"]
    assert messages[0].get("response_selector") is None
    assert messages[1].get("response_selector") is not None


def test_the_selector_sees_the_intent_the_topic_guard_will_see() -> None:
    names = _names()
    position = names.index(SELECTOR)
    # Both fallback steps may change the intent and neither reads the ranking: before it.
    assert names.index("FallbackClassifier") < position
    assert names.index("layani.nlu.vocabulary_guard.VocabularyGuard") < position
    assert position < names.index("layani.nlu.topic_evidence.TopicEvidenceGuard")
    assert "ResponseSelector" not in names  # one selector, the selective one


def test_every_intent_the_topic_guard_settles_is_selected() -> None:
    step = next(
        s for s in _pipeline() if s["name"] == "layani.nlu.topic_evidence.TopicEvidenceGuard"
    )
    config = {**TopicEvidenceGuard.get_default_config(), **step}
    settled = {
        config["retrieval_intent"],
        "nlu_fallback",
        config["followup_intent"],
        *config["question_intents"],
    }
    assert settled <= _selected_intents()


def test_every_intent_whose_rule_reads_the_ranking_is_selected() -> None:
    reading: set[str] = set()
    for path in sorted((ROOT / "bot" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text()).get("rules") or []:
            steps = rule.get("steps") or []
            for before, step in zip(steps, steps[1:], strict=False):
                if "intent" in before and step.get("action") in RANKING_READERS:
                    reading.add(before["intent"])
    assert {"faq", "choose_faq_topic"} <= reading  # the rules this test is about exist
    assert reading <= _selected_intents()
