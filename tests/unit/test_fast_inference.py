"""The lean prediction path gives the citizen exactly the answers of Rasa's own path.

The tiny project of test_rasa_speedups.py (DIET and a ResponseSelector over the same
featurisers) is parsed through Rasa's `DIETClassifier._predict` and through
`layani.fast_inference.predict`: intent ranking, entities and the FAQ ranking must be the same
numbers, and the lean path must really be the one that ran (model data built once per message
for both components, the traced concrete function called).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_rasa_speedups import MESSAGES, tiny_model  # noqa: F401  (fixture)

MORE = ["halo, syarat ktp apa", "terima kasih skck", "", "?", "ktp ktp ktp ktp ktp ktp ktp"]


def _parses(model: Path) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [asyncio.run(agent.parse_message(text)) for text in MESSAGES + MORE]


def test_lean_path_parses_like_rasa(
    tiny_model: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    from layani import fast_inference

    rasa_parses = _parses(tiny_model)

    built: list[int] = []
    create = DIETClassifier._create_model_data

    def counting_create(self, *args, **kwargs):
        built.append(1)
        return create(self, *args, **kwargs)

    ran: list[int] = []
    run_one = fast_inference.run_one

    def counting_run_one(model, model_data):
        ran.append(1)
        return run_one(model, model_data)

    monkeypatch.setattr(fast_inference, "_RASA_PREDICT", DIETClassifier._predict)
    monkeypatch.setattr(DIETClassifier, "_predict", fast_inference.predict)
    monkeypatch.setattr(DIETClassifier, "_create_model_data", counting_create)
    monkeypatch.setattr(fast_inference, "run_one", counting_run_one)
    lean_parses = _parses(tiny_model)

    assert lean_parses == rasa_parses
    # Not vacuous: the model tells the messages apart, and the lean path did the work.
    assert rasa_parses[0]["intent"]["name"] == "greet"
    assert rasa_parses[2]["response_selector"]["faq"]["response"]["intent_response_key"] == (
        "faq/ktp"
    )
    texts_with_words = [t for t in MESSAGES + MORE if any(ch.isalpha() for ch in t)]
    assert len(built) <= len(texts_with_words) + 2  # once per message, not once per model
    assert len(ran) >= 2 * len(MESSAGES)


def test_lean_path_falls_back_to_rasa_for_an_untraced_model(
    tiny_model: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model whose prediction was never traced (used right after training) goes through
    Rasa's `run_inference`, which traces it; the citizen gets the same answer."""
    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    from layani import fast_inference

    monkeypatch.setattr(fast_inference, "_RASA_PREDICT", DIETClassifier._predict)
    monkeypatch.setattr(DIETClassifier, "_predict", fast_inference.predict)
    agent = Agent.load(str(tiny_model))
    nodes = agent.processor.graph_runner._instantiated_nodes
    (diet,) = [n._component for name, n in nodes.items() if "DIETClassifier" in name]
    expected = asyncio.run(agent.parse_message("halo"))
    diet.model._tf_predict_step = None
    diet.model.__dict__.pop("_layani_concrete", None)

    assert asyncio.run(agent.parse_message("halo")) == expected
    assert expected["intent"]["name"] == "greet"
    assert diet.model._tf_predict_step is not None  # Rasa's path traced it again
    assert fast_inference._concrete(diet.model, ()) is None  # a batch of another layout
