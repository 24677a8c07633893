"""The inference-only model load gives the citizen the same answers as Rasa's load, in less memory.

A tiny project (DIET, ResponseSelector, TED) is trained once; its model is then
loaded with Rasa's `RasaModel.load` and with `layani.rasa_speedups.load_for_inference`, and the
intent ranking, the FAQ answer ranking and TED's action probabilities must be the same numbers.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

import pytest

CONFIG = """
recipe: default.v1
language: id
assistant_id: speedups_test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: DIETClassifier
    epochs: 40
    random_seed: 1
  - name: ResponseSelector
    epochs: 40
    retrieval_intent: faq
    random_seed: 1
policies:
  - name: MemoizationPolicy
  - name: TEDPolicy
    epochs: 40
    max_history: 3
    random_seed: 1
"""

DOMAIN = """
version: "3.1"
intents: [greet, thanks, faq]
responses:
  utter_greet: [{text: "Halo, ada yang bisa saya bantu?"}]
  utter_thanks: [{text: "Sama-sama."}]
  utter_faq/ktp: [{text: "Untuk KTP-el, bawa KK ke Disdukcapil."}]
  utter_faq/skck: [{text: "SKCK diurus di kantor polisi."}]
"""

NLU = """
version: "3.1"
nlu:
- intent: greet
  examples: |
    - halo
    - hai
    - selamat pagi
- intent: thanks
  examples: |
    - terima kasih
    - makasih
    - thanks ya
- intent: faq/ktp
  examples: |
    - cara bikin ktp
    - syarat ktp el apa
    - ktp hilang gimana
- intent: faq/skck
  examples: |
    - syarat skck
    - bikin skck dimana
    - skck berapa lama
"""

STORIES = """
version: "3.1"
stories:
- story: greet then faq
  steps:
  - intent: greet
  - action: utter_greet
  - intent: faq
  - action: utter_faq
  - intent: thanks
  - action: utter_thanks
"""

MESSAGES = ["halo", "makasih banyak", "syarat bikin ktp", "skck dimana", "zzz qwerty"]


def train_tiny_project(root: Path, name: str) -> Path:
    """Write the tiny project into `root` and train it (always, not from a cache) as `name`."""
    import rasa.api

    (root / "config.yml").write_text(CONFIG)
    (root / "domain.yml").write_text(DOMAIN)
    (root / "nlu.yml").write_text(textwrap.dedent(NLU))
    (root / "stories.yml").write_text(STORIES)
    result = rasa.api.train(
        domain=str(root / "domain.yml"),
        config=str(root / "config.yml"),
        training_files=[str(root / "nlu.yml"), str(root / "stories.yml")],
        output=str(root / "models"),
        fixed_model_name=name,
        force_training=True,
    )
    assert result.code == 0, f"{name} did not train"
    return Path(result.model)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny_project(tmp_path_factory.mktemp("tiny"), "tiny")


def _answers(model: Path) -> dict[str, Any]:
    """What a citizen's messages get: intent ranking, FAQ ranking, TED's action probabilities."""
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(str(model))
    runner = agent.processor.graph_runner
    (ted_node,) = [name for name in runner._instantiated_nodes if "TEDPolicy" in name]
    answers: dict[str, Any] = {}
    for text in MESSAGES:
        parse = asyncio.run(agent.parse_message(text))
        tracker = DialogueStateTracker.from_events(
            "citizen",
            [
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
                UserUttered(text, parse["intent"], parse["entities"], parse_data=parse),
            ],
            slots=agent.domain.slots,
        )
        ted = runner.run(inputs={"__tracker__": tracker}, targets=[ted_node])[ted_node]
        answers[text] = {
            "intents": [(i["name"], i["confidence"]) for i in parse["intent_ranking"]],
            "faq": [
                (r["intent_response_key"], r["confidence"])
                for r in parse["response_selector"]["faq"]["ranking"]
            ],
            "ted": list(ted.probabilities),
        }
    return answers


def test_inference_load_answers_like_rasa_load(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rasa.utils.tensorflow.models import RasaModel

    from layani import rasa_speedups

    rasa_answers = _answers(tiny_model)
    monkeypatch.setattr(rasa_speedups, "_RASA_LOAD", RasaModel.__dict__["load"])
    monkeypatch.setattr(RasaModel, "load", classmethod(rasa_speedups.load_for_inference))
    layani_answers = _answers(tiny_model)

    assert layani_answers == rasa_answers
    # The check is not vacuous: the model does tell the messages apart.
    assert rasa_answers["halo"]["intents"][0][0] == "greet"
    assert rasa_answers["halo"]["ted"] != rasa_answers["syarat bikin ktp"]["ted"]


def test_inference_load_holds_no_optimizer_state(
    tiny_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memory gain: no Adam slots and no training step behind a serving model."""
    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    from layani import rasa_speedups

    monkeypatch.setattr(rasa_speedups, "_RASA_LOAD", RasaModel.__dict__["load"])
    monkeypatch.setattr(RasaModel, "load", classmethod(rasa_speedups.load_for_inference))
    agent = Agent.load(str(tiny_model))
    nodes = agent.processor.graph_runner._instantiated_nodes
    loaded = [
        node._component.model
        for name, node in nodes.items()
        if "DIETClassifier" in name or "ResponseSelector" in name
    ]
    assert len(loaded) == 2
    for model in loaded:
        assert model.train_function is None
        optimizer = getattr(model, "optimizer", None)
        assert optimizer is None or not optimizer.variables()


def test_event_types_resolve_as_rasa_resolves_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored conversations read back into the same events, also for an event class defined
    after the first lookups, and an unknown type still fails as in Rasa."""
    from rasa.shared.core.events import Event, SlotSet, UserUttered

    from layani import rasa_speedups

    rasa_resolve = Event.resolve_by_type
    names = ["user", "bot", "slot", "action", "restart", "session_started", "active_loop"]
    expected = [rasa_resolve(name) for name in names]
    monkeypatch.setattr(rasa_speedups, "_RASA_RESOLVE", rasa_resolve)
    monkeypatch.setattr(rasa_speedups, "_EVENT_BASE", Event)
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(rasa_speedups.resolve_event_type))
    monkeypatch.setattr(
        Event, "__init_subclass__", classmethod(rasa_speedups._forget_event_types), raising=False
    )
    monkeypatch.setattr(rasa_speedups, "_EVENT_TYPES", {})

    assert [Event.resolve_by_type(name) for name in names] == expected
    assert [Event.resolve_by_type(name) for name in names] == expected  # from the memo
    assert expected[0] is UserUttered and expected[2] is SlotSet
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")

    class CitizenNote(UserUttered):
        type_name = "no_such_event"

    assert Event.resolve_by_type("no_such_event") is CitizenNote
