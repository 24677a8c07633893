"""Near-duplicate detection used by lint and eval: catches copies, spares real neighbours."""

from __future__ import annotations

from pathlib import Path

from tooling.packtool.model import Example
from tooling.packtool.similarity import find_collisions, normalise


def ex(text: str, topic: str, agency: str = "a", line: int = 1) -> Example:
    return Example(text, topic, agency, Path(f"{agency}/nlu.yml"), line)


def test_normalise_ignores_case_punctuation_accents_and_spaces() -> None:
    assert normalise("  Syarat   KTP-el,  apa?? ") == "syarat ktp el apa"
    assert normalise("café") == normalise("CAFE")


def test_exact_and_near_duplicates_across_topics_and_agencies() -> None:
    hits = find_collisions(
        [
            ex("Syarat bikin SKCK apa?", "skck", "polri"),
            ex("syarat bikin skck apa", "pdam_x", "pdam"),  # exact after normalising
            ex("apa syarat bikin skck", "other", "pdam"),  # same words, other order
            ex("syarat bikin skck apaa", "third", "dishub"),  # one-letter typo
        ]
    )
    pairs = {(h.first.topic, h.second.topic, h.exact) for h in hits}
    assert ("skck", "pdam_x", True) in pairs
    assert any({"skck", "other"} == {a, b} for a, b, _ in pairs)
    assert any({"skck", "third"} == {a, b} for a, b, _ in pairs)


def test_neighbouring_topics_are_not_flagged() -> None:
    examples = [
        ex("syarat ktp baru", "ktp_baru"),
        ex("syarat ktp hilang", "ktp_hilang_rusak"),
        ex("cara buat kk baru setelah menikah", "kk_baru"),
        ex("cara ubah data kk setelah menikah", "kk_ubah"),
        ex("perpanjang sim a", "sim_perpanjang"),
        ex("bikin sim a baru", "sim_baru"),
    ]
    assert find_collisions(examples) == []


def test_same_topic_paraphrases_are_not_collisions() -> None:
    assert find_collisions([ex("syarat skck", "skck"), ex("Syarat SKCK!", "skck")]) == []
