"""Complaint-category classifier: transparent keyword and phrase weights.

Why not a statistical model: there is no public labelled set of Indonesian complaints to train on
(the SP4N-LAPOR! classifiers do not publish data), a few hundred hand-written sentences would
mostly teach a model our own phrasing, and staff must be able to see *why* a report went to an
agency. Here every decision is the sum of listed weights (category_keywords.yml), which anyone
can read and correct.

Scoring: the text is normalised (text.py); every listed phrase found in it adds its weight once
to its category; a word matched inside a longer phrase of the same category is not counted twice.
Words that stand right after a place preposition ("depan SDN 3", "dekat puskesmas") describe
where, not what, so they count for a third. The best category wins when it reaches `min_score`;
otherwise the answer is `lainnya`.

`evaluate(path)` runs a held-out YAML file ({category: [texts]}) and reports accuracy and
confusions; `make eval` and `layani complaint-category` use this module.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from actions.complaints.text import tokens
from layani.language.vocabulary import word_set

KEYWORDS_FILE = Path(__file__).resolve().parent / "category_keywords.yml"
FALLBACK = "lainnya"
PLACE_PREPOSITIONS = word_set("category_place_prepositions")
PLACE_WEIGHT = 1 / 3
PLACE_SPAN = 3  # words after a place preposition treated as part of the place
STRONG_WORD = 2.0


@dataclass(frozen=True)
class Model:
    min_score: float
    # phrase (tuple of words) -> list of (category, weight)
    phrases: dict[tuple[str, ...], list[tuple[str, float]]]
    categories: tuple[str, ...]
    max_len: int


@lru_cache(maxsize=2)
def load_model(path: Path = KEYWORDS_FILE) -> Model:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    phrases: dict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
    for category, entries in data["categories"].items():
        for phrase, weight in (entries or {}).items():
            key = tuple(tokens(str(phrase)))
            if key:
                phrases[key].append((category, float(weight)))
    categories = tuple(data["categories"]) + (FALLBACK,)
    max_len = max(len(k) for k in phrases)
    return Model(float(data.get("min_score", 1.5)), dict(phrases), categories, max_len)


def _place_mask(words: list[str], model: Model) -> list[bool]:
    """Which words belong to a place ("depan SDN 3"): up to PLACE_SPAN words after a place
    preposition, stopping early at a word that names a problem on its own (weight >= 2)."""
    mask = [False] * len(words)
    for i, word in enumerate(words):
        if word in PLACE_PREPOSITIONS:
            for j in range(i + 1, min(len(words), i + 1 + PLACE_SPAN)):
                entries = model.phrases.get((words[j],), ())
                if any(weight >= STRONG_WORD for _c, weight in entries):
                    break
                mask[j] = True
    return mask


def scores(text: str, model: Model | None = None) -> dict[str, float]:
    """Score of every category for `text` (only categories with a match appear)."""
    model = model or load_model()
    words = tokens(text)
    in_place = _place_mask(words, model)
    # (category) -> set of word positions already covered by a longer phrase
    covered: dict[str, set] = defaultdict(set)
    seen: set = set()
    result: dict[str, float] = defaultdict(float)
    for length in range(model.max_len, 0, -1):
        for start in range(0, len(words) - length + 1):
            key = tuple(words[start : start + length])
            entries = model.phrases.get(key)
            if not entries:
                continue
            span = set(range(start, start + length))
            factor = PLACE_WEIGHT if all(in_place[i] for i in span) else 1.0
            for category, weight in entries:
                if span <= covered[category] or (category, key) in seen:
                    continue
                covered[category] |= span
                seen.add((category, key))
                result[category] += weight * factor
    return dict(result)


def classify_with_score(text: str) -> tuple[str, float]:
    """(category, score); `lainnya` with the best score when nothing is convincing."""
    model = load_model()
    result = scores(text, model)
    if not result:
        return FALLBACK, 0.0
    # Ties go to the category listed first in the keywords file (stable, documented).
    order = {c: i for i, c in enumerate(model.categories)}
    best = max(result, key=lambda c: (result[c], -order.get(c, 99)))
    if result[best] < model.min_score:
        return FALLBACK, result[best]
    return best, result[best]


def classify(text: str) -> str:
    """The complaint_category id for `text` (a catalogue id; `lainnya` when unsure)."""
    return classify_with_score(text)[0]


def load_heldout(path: Path) -> list[tuple[str, str]]:
    """[(text, expected category)] from a YAML file {category: [texts]} or a list of
    {text, category} items."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items: list[tuple[str, str]] = []
    if isinstance(data, dict) and "examples" in data:
        data = data["examples"]
    if isinstance(data, dict):
        for category, texts in data.items():
            items.extend((str(t), str(category)) for t in texts or [])
    else:
        items.extend((str(e["text"]), str(e["category"])) for e in data)
    return items


def evaluate(path: Path) -> dict:
    """Accuracy, per-category recall and the confusions (expected -> predicted) on `path`."""
    items = load_heldout(Path(path))
    confusions: Counter = Counter()
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    errors = []
    correct = 0
    for text, expected in items:
        predicted = classify(text)
        per_category[expected][1] += 1
        if predicted == expected:
            correct += 1
            per_category[expected][0] += 1
        else:
            confusions[(expected, predicted)] += 1
            errors.append({"text": text, "expected": expected, "predicted": predicted})
    total = len(items)
    return {
        "total": total,
        "correct": correct,
        "accuracy": correct / total if total else 0.0,
        "recall": {c: ok / n for c, (ok, n) in sorted(per_category.items())},
        "confusions": {f"{e} -> {p}": n for (e, p), n in confusions.most_common()},
        "errors": errors,
    }


def format_report(report: dict) -> str:
    lines = [
        f"Complaint categories: {report['correct']}/{report['total']} correct, "
        f"accuracy {report['accuracy']:.1%}"
    ]
    for category, recall in report["recall"].items():
        lines.append(f"  {category:<18} recall {recall:.0%}")
    if report["confusions"]:
        lines.append("Confusions (expected -> predicted):")
        lines.extend(f"  {pair}: {n}" for pair, n in report["confusions"].items())
    for err in report["errors"]:
        lines.append(f"  ✗ [{err['expected']} -> {err['predicted']}] {err['text']}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m actions.complaints.classifier [heldout.yml]
    import sys

    from layani.paths import ROOT

    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval/heldout/complaint_categories.yml"
    )
    print(format_report(evaluate(target)))
