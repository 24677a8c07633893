"""Core-intent recognition on held-out messages the model never saw (eval/heldout/core_intents.yml).

What a citizen notices: "mnt hub petugas", "laporanku piye kabare?" or "gk jd" are understood
as well as the formal wording. The held-out set is tagged by register; the thresholds below are
realistic floors for a small model, measured figures are in docs/nlu.md (`make eval`).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tooling.evaluation import (
    HELDOUT_DIR,
    load_heldout_file,
    predicted_label,
    split_leaks,
    training_texts,
)

pytestmark = pytest.mark.integration

# (overall floor, per-register floors) per held-out file. core_intents.yml was written beside the
# training data; the independent sets by writers who saw only the catalogue (docs/nlu.md:
# measured 84.5-85.4%, formal 77-83%), so their floors are lower.
FLOORS = {
    "core_intents.yml": (0.85, {"formal": 0.80, "colloquial": 0.80, "sms": 0.75, "regional": 0.70}),
    "core_independent.yml": (
        0.80,
        {"formal": 0.70, "colloquial": 0.80, "sms": 0.75, "regional": 0.75},
    ),
    # Two more independent writers (session 4). Set 3 was written before this session's
    # core-intent examples and not looked at while writing them: the blind measure.
    "core_independent_2.yml": (
        0.85,
        {"formal": 0.80, "colloquial": 0.80, "sms": 0.75, "regional": 0.75},
    ),
    "core_independent_3.yml": (
        0.82,
        {"formal": 0.75, "colloquial": 0.80, "sms": 0.80, "regional": 0.70},
    ),
}


@pytest.fixture(scope="module", params=sorted(FLOORS))
def core_results(request, rasa_stack):
    """(file name, [(example, predicted label)]) for one held-out core file."""
    examples = load_heldout_file(HELDOUT_DIR / request.param)
    examples, leaked = split_leaks(examples, training_texts())
    assert not leaked, f"held-out messages found in training data: {[e.text for e in leaked]}"
    return request.param, [(ex, predicted_label(rasa_stack.parse(ex.text))) for ex in examples]


def test_heldout_core_intent_accuracy(core_results) -> None:
    name, results = core_results
    correct = sum(ex.label == pred for ex, pred in results)
    accuracy = correct / len(results)
    misses = [(ex.text, ex.label, pred) for ex, pred in results if ex.label != pred]
    assert accuracy >= FLOORS[name][0], f"{name}: accuracy {accuracy:.1%}; misses: {misses}"


def test_heldout_accuracy_per_register(core_results) -> None:
    name, results = core_results
    floors = FLOORS[name][1]
    per = defaultdict(list)
    for ex, pred in results:
        per[ex.register].append(ex.label == pred)
    assert set(per) == set(floors)
    for register, hits in per.items():
        accuracy = sum(hits) / len(hits)
        assert accuracy >= floors[register], f"{name}, {register}: {accuracy:.1%}"


def test_ticket_id_is_extracted_in_any_case(rasa_stack) -> None:
    for text, ticket in [
        ("status ADU-9M2K-T4VR gimana", "ADU-9M2K-T4VR"),
        ("tolong cek pmh-7q3w-x8ze", "pmh-7q3w-x8ze"),
    ]:
        parsed = rasa_stack.parse(text)
        assert parsed["intent"]["name"] == "check_status", parsed["intent"]
        assert ticket in [e["value"] for e in parsed["entities"] if e["entity"] == "ticket_id"]


OUT_OF_SCOPE_FILES = (
    "out_of_scope.yml",
    "out_of_scope_new_domains.yml",
    "out_of_scope_independent.yml",
    "out_of_scope_independent_2.yml",
    "out_of_scope_independent_3.yml",
    "out_of_scope_independent_4.yml",
)
OUT_OF_SCOPE_FLOOR = 0.85  # measured 90-96% (docs/nlu.md); the target is 90%


def test_out_of_scope_questions_do_not_get_a_service_answer(rasa_stack) -> None:
    """A question about cats, crypto or the weather gets the scope reply or a rephrase request,
    not an unrelated FAQ answer; the second file holds domains absent from training."""
    examples = [ex for name in OUT_OF_SCOPE_FILES for ex in load_heldout_file(HELDOUT_DIR / name)]
    examples, leaked = split_leaks(examples, training_texts())
    assert not leaked, f"held-out messages found in training data: {[e.text for e in leaked]}"
    answered = [
        (ex.text, label)
        for ex in examples
        if (label := predicted_label(rasa_stack.parse(ex.text)))
        not in ("out_of_scope", "nlu_fallback")
    ]
    recall = 1 - len(answered) / len(examples)
    assert recall >= OUT_OF_SCOPE_FLOOR, f"recall {recall:.1%}; answered: {answered}"


def test_faq_shaped_question_on_an_unrelated_subject_is_not_answered(rasa_stack) -> None:
    for text in ["Bagaimana cara memandikan kucing persia?", "Apa syarat ikut lomba lari maraton?"]:
        intent = rasa_stack.parse(text)["intent"]["name"]
        assert intent in ("out_of_scope", "nlu_fallback"), (text, intent)
