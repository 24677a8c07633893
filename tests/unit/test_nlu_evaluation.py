"""Scoring logic of `make eval` (tooling/evaluation.py) on hand-made predictions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.evaluation import (
    HELDOUT_DIR,
    REGISTERS,
    Example,
    Prediction,
    fallback_settings,
    load_heldout,
    load_heldout_file,
    predicted_label,
    score,
    split_leaks,
    strip_annotations,
    swept_label,
)


def test_predicted_label_uses_response_selector_for_faq() -> None:
    parse = {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/skck"}}},
    }
    assert predicted_label(parse) == "faq/skck"
    assert predicted_label({"intent": {"name": "greet"}}) == "greet"
    assert predicted_label({"intent": None}) == "nlu_fallback"


def test_predicted_label_reads_the_default_pipelines_selector() -> None:
    """Rasa's default pipeline keeps its one selector under `default`, not `faq`."""
    parse = {
        "intent": {"name": "faq", "confidence": 0.9},
        "response_selector": {"default": {"response": {"intent_response_key": "faq/kia"}}},
    }
    assert predicted_label(parse) == "faq/kia"


def test_strip_annotations() -> None:
    assert strip_annotations("cek [ADU-7K3M-Q9PX](ticket_id) ya") == "cek ADU-7K3M-Q9PX ya"
    assert strip_annotations('[pmh-2b9x-k4rt]{"entity": "ticket_id"}') == "pmh-2b9x-k4rt"


def test_heldout_file_format(tmp_path: Path) -> None:
    path = tmp_path / "faq_x.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: faq/skck\n    metadata: {register: sms}\n"
        "    examples: |\n      - skck syrt ap\n"
        "  - intent: greet\n    metadata:\n      register: formal\n"
        "    examples: |\n      - Selamat pagi\n",
        encoding="utf-8",
    )
    assert load_heldout_file(path) == [
        Example("skck syrt ap", "faq/skck", "sms", "faq_x.yml"),
        Example("Selamat pagi", "greet", "formal", "faq_x.yml"),
    ]


def test_missing_register_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("nlu:\n  - intent: greet\n    examples: |\n      - halo\n", encoding="utf-8")
    with pytest.raises(ValueError, match="register"):
        load_heldout_file(path)


def test_project_heldout_sets_are_well_formed() -> None:
    """Every shipped held-out set parses; each core intent has >= 10 messages, all registers."""
    examples = load_heldout(HELDOUT_DIR)
    by_label: dict = {}
    for example in examples:
        by_label.setdefault(example.label, set()).add(example.register)
    core = [
        "greet",
        "goodbye",
        "thanks",
        "affirm",
        "deny",
        "help",
        "bot_challenge",
        "request_human",
        "start_complaint",
        "check_status",
        "start_application",
        "cancel",
        "out_of_scope",
    ]
    for intent in core:
        assert by_label.get(intent) == set(REGISTERS), intent
        assert sum(e.label == intent for e in examples) >= 10, intent


def test_leaked_examples_are_separated() -> None:
    examples = [
        Example("Halo  Min", "greet", "colloquial", "x"),
        Example("hai bos", "greet", "colloquial", "x"),
    ]
    kept, leaked = split_leaks(examples, {"halo min"})
    assert [e.text for e in kept] == ["hai bos"]
    assert [e.text for e in leaked] == ["Halo  Min"]


def test_score_figures() -> None:
    rows = [
        (Example("a", "faq/skck", "formal", "f"), "faq/skck"),
        (Example("b", "faq/skck", "sms", "f"), "faq/sim_baru"),
        (Example("c", "faq/sim_baru", "sms", "f"), "faq/sim_baru"),
        (Example("d", "greet", "colloquial", "c"), "greet"),
        (Example("e", "cancel", "regional", "c"), "nlu_fallback"),
        (Example("f", "out_of_scope", "formal", "o"), "out_of_scope"),
        (Example("g", "out_of_scope", "sms", "o"), "nlu_fallback"),
        (Example("h", "out_of_scope", "sms", "o"), "faq/skck"),
    ]
    predictions = [Prediction(label, seconds=0.01 * (i + 1)) for i, (_, label) in enumerate(rows)]
    s = score("m", [ex for ex, _ in rows], predictions)
    assert s.faq_accuracy == pytest.approx(2 / 3)
    assert s.faq_by_register == {"formal": 1.0, "sms": 0.5}
    assert s.core_accuracy == pytest.approx(0.5)
    assert s.oos_recall == pytest.approx(2 / 3)
    assert s.oos_recall_strict == pytest.approx(1 / 3)
    assert s.in_scope_to_fallback == pytest.approx(1 / 5)
    assert s.per_label["faq/skck"]["recall"] == pytest.approx(0.5)
    assert s.per_label["faq/skck"]["precision"] == pytest.approx(0.5)
    assert ("faq/skck", "faq/sim_baru", 1) in s.confused_pairs
    assert s.latency_p50_ms == pytest.approx(45.0)
    assert s.latency_p99_ms == pytest.approx(80.0)
    # Per file: f has 2 of 3 right, c 1 of 2, o 2 of 3 (fallback counts for out of scope).
    assert s.by_source == pytest.approx({"f": 2 / 3, "c": 0.5, "o": 2 / 3})


def test_threshold_sweep_keeps_the_guards_verdicts() -> None:
    """A guard's fallback (confident top intent) stays a fallback at every threshold; only a
    fallback made by the configured threshold is re-opened at a lower one."""
    guard_fallback = Prediction("nlu_fallback", 0.01, raw_label="faq/pbg", confidence=0.99)
    low = Prediction("nlu_fallback", 0.01, raw_label="greet", confidence=0.35)
    rewritten = Prediction("check_status", 0.01, raw_label="nlu_fallback", confidence=0.7)
    assert swept_label(guard_fallback, 0.3, 0.05, configured=0.4) == "nlu_fallback"
    assert swept_label(low, 0.3, 0.05, configured=0.4) == "greet"
    assert swept_label(low, 0.4, 0.05, configured=0.4) == "nlu_fallback"
    assert swept_label(rewritten, 0.6, 0.05, configured=0.4) == "check_status"
    assert swept_label(rewritten, 0.8, 0.05, configured=0.4) == "nlu_fallback"


def test_sweep_starts_from_the_trained_fallback_threshold(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text(
        "pipeline:\n  - name: DIETClassifier\n"
        "  - name: FallbackClassifier\n    threshold: 0.55\n    ambiguity_threshold: 0.02\n",
        encoding="utf-8",
    )
    assert fallback_settings(config) == (0.55, 0.02)
    # Rasa's auto-configured pipeline (no pipeline key) uses the classifier's defaults.
    (tmp_path / "default.yml").write_text("language: id\n", encoding="utf-8")
    assert fallback_settings(tmp_path / "default.yml") == (0.3, 0.1)
    assert fallback_settings(None) == (0.3, 0.1)


def test_regional_variety_is_read_and_scored(tmp_path: Path) -> None:
    """`metadata.variety` of a regional block gives its own accuracy line for core, FAQ and
    out-of-scope recall, so a weak variety (e.g. Banjar) is not hidden in the regional mean."""
    path = tmp_path / "core_x.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: goodbye\n    metadata: {register: regional, variety: Javanese}\n"
        "    examples: |\n      - wis yo\n      - pamit rumiyin\n"
        "  - intent: goodbye\n    metadata: {register: regional, variety: banjar}\n"
        "    examples: |\n      - ulun bulik\n"
        "  - intent: out_of_scope\n    metadata: {register: regional, variety: banjar}\n"
        "    examples: |\n      - resep soto banjar\n"
        "  - intent: thanks\n    metadata: {register: formal}\n"
        "    examples: |\n      - Terima kasih\n",
        encoding="utf-8",
    )
    examples = load_heldout_file(path)
    assert [e.variety for e in examples] == ["javanese", "javanese", "banjar", "banjar", ""]
    labels = ["goodbye", "nlu_fallback", "faq/skck", "nlu_fallback", "thanks"]
    s = score("m", examples, [Prediction(label, 0.01) for label in labels])
    assert s.core_by_variety == {"javanese": 0.5, "banjar": 0.0}
    assert s.oos_by_variety == {"banjar": 1.0}
    assert s.oos_by_register == {"regional": 1.0}
    assert s.core_by_register == {"regional": pytest.approx(1 / 3), "formal": 1.0}
