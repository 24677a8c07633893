"""Find training examples that are the same, or nearly the same, in two different topics.

Why: if "cara pasang air baru" trains both `faq/pdam_pasang_baru` and another agency's topic, the
model learns a coin toss and one agency's citizens get the other's answer. Exact duplicates are
found after normalising case, punctuation and whitespace. Near duplicates use two measures, both
order-insensitive and cheap enough for every pair of a few thousand examples:

- token-set Jaccard >= 0.85: the same words, reordered or repeated;
- character-trigram Jaccard >= 0.85 on the normalised text without spaces: the same sentence
  with a typo or a joined/split word ("ktp nya" / "ktpnya", "apa" / "apaa").

Tuned on the FAQ packs (1,807 examples, 2026-11-28): between topics, no pair scored in
0.78-0.85, and the only pair above 0.75 was a real neighbour ("cara mendaftar di aplikasi
SIHALAL" vs "... SIMBG", 0.77). Examples differing by one content word of a short question
("syarat ktp baru" vs "syarat ktp hilang": 0.5 and 0.6) are far below: different words are
exactly what separates neighbouring topics. Pairs inside one topic are never reported
(paraphrases are the point).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tooling.packtool.model import Example

NEAR_THRESHOLD = 0.85
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lowercase, accents folded, punctuation dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def trigrams(normalised: str) -> frozenset[str]:
    squeezed = f"#{normalised.replace(' ', '')}#"
    return frozenset(squeezed[i : i + 3] for i in range(max(1, len(squeezed) - 2)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Collision:
    """Two examples of different topics that are (nearly) the same; `score` 1.0 = identical."""

    first: Example
    second: Example
    score: float
    exact: bool


def _owner(example: Example) -> tuple[str, str]:
    return (example.agency, example.topic)


def _candidates(sets: Sequence[frozenset[str]], threshold: float) -> set[tuple[int, int]]:
    """Pairs that can reach Jaccard >= threshold (prefix filtering).

    With every set sorted by a global order (rarest element first), two sets with Jaccard >= t
    must share an element among the first |S| - ceil(t * |S|) + 1 of either; indexing only those
    prefixes keeps the comparison count near-linear instead of quadratic.
    """
    frequency: Counter = Counter(item for items in sets for item in items)
    index: dict[str, list[int]] = defaultdict(list)
    pairs: set[tuple[int, int]] = set()
    for i, items in enumerate(sets):
        ordered = sorted(items, key=lambda item: (frequency[item], item))
        prefix = len(ordered) - math.ceil(threshold * len(ordered)) + 1
        for item in ordered[: max(prefix, 1)]:
            for j in index[item]:
                pairs.add((j, i))
            index[item].append(i)
    return pairs


def find_collisions(
    examples: Sequence[Example], threshold: float = NEAR_THRESHOLD
) -> list[Collision]:
    """Pairs of examples from different (agency, topic) that are identical or near-identical."""
    norms = [normalise(ex.text) for ex in examples]
    token_sets = [frozenset(n.split()) for n in norms]
    gram_sets = [trigrams(n) for n in norms]
    candidates = _candidates(token_sets, threshold) | _candidates(gram_sets, threshold)
    collisions: list[Collision] = []
    for a, b in sorted(candidates):
        first, second = examples[a], examples[b]
        if _owner(first) == _owner(second):
            continue
        if norms[a] == norms[b]:
            collisions.append(Collision(first, second, 1.0, True))
            continue
        score = max(jaccard(token_sets[a], token_sets[b]), jaccard(gram_sets[a], gram_sets[b]))
        if score >= threshold:
            collisions.append(Collision(first, second, score, False))
    return collisions


def duplicates_within(examples: Iterable[Example]) -> list[tuple[Example, Example]]:
    """Exact (normalised) repeats inside one topic: harmless to the model but wasted lines."""
    first_seen: dict[tuple[str, str, str], Example] = {}
    repeats = []
    for ex in examples:
        key = (ex.agency, ex.topic, normalise(ex.text))
        if key in first_seen:
            repeats.append((first_seen[key], ex))
        else:
            first_seen[key] = ex
    return repeats
