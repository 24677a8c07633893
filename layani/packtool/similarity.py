"""Find training examples that are the same, or nearly the same, in two different topics.

Why: if "cara pasang air baru" trains both `faq/pdam_pasang_baru` and another agency's topic, the
model learns a coin toss and one agency's citizens get the other's answer. Exact duplicates are
found after normalising case, punctuation and whitespace. Near duplicates use two measures, both
order-insensitive and cheap enough for every pair of a few thousand examples:

- token-set Jaccard >= 0.9: the same words, reordered or repeated;
- character-trigram Jaccard >= 0.9 on the normalised text: the same sentence with a typo or a
  joined/split word ("ktp nya" / "ktpnya").

0.9 was chosen so that examples differing by one content word of a short question ("syarat ktp
baru" vs "syarat ktp hilang": 0.5 and 0.6) are NOT reported: different words are exactly what
separates neighbouring topics. Pairs inside one topic are never reported (paraphrases are the point).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Sequence, Tuple

from layani.packtool.model import Example

NEAR_THRESHOLD = 0.9
_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lowercase, accents folded, punctuation dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def tokens(text: str) -> FrozenSet[str]:
    return frozenset(normalise(text).split())


def trigrams(text: str) -> FrozenSet[str]:
    squeezed = f"#{normalise(text).replace(' ', '')}#"
    return frozenset(squeezed[i : i + 3] for i in range(max(1, len(squeezed) - 2)))


def jaccard(a: FrozenSet[str], b: FrozenSet[str]) -> float:
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


def _owner(example: Example) -> Tuple[str, str]:
    return (example.agency, example.topic)


def find_collisions(
    examples: Sequence[Example], threshold: float = NEAR_THRESHOLD
) -> List[Collision]:
    """Pairs of examples from different (agency, topic) that are identical or near-identical.

    Pairs are compared in order of trigram-set size, and the length filter (Jaccard >= t
    implies |small| >= t * |large|) skips pairs that cannot reach the threshold.
    """
    prepared = [(ex, normalise(ex.text), tokens(ex.text), trigrams(ex.text)) for ex in examples]
    collisions: List[Collision] = []
    seen_pairs = set()

    # Exact duplicates first: group by normalised text.
    groups: Dict[str, List[int]] = {}
    for index, (_, norm, _, _) in enumerate(prepared):
        groups.setdefault(norm, []).append(index)
    for indices in groups.values():
        for i, a in enumerate(indices):
            for b in indices[i + 1 :]:
                if _owner(prepared[a][0]) != _owner(prepared[b][0]):
                    seen_pairs.add((a, b))
                    collisions.append(Collision(prepared[a][0], prepared[b][0], 1.0, True))

    # Near duplicates: sort by trigram-set size and compare within the length window.
    order = sorted(range(len(prepared)), key=lambda i: len(prepared[i][3]))
    for pos, a in enumerate(order):
        ex_a, _, tok_a, tri_a = prepared[a]
        for b in order[pos + 1 :]:
            ex_b, _, tok_b, tri_b = prepared[b]
            if len(tri_a) < threshold * len(tri_b):
                break
            if _owner(ex_a) == _owner(ex_b):
                continue
            pair = (min(a, b), max(a, b))
            if pair in seen_pairs:
                continue
            score = max(jaccard(tok_a, tok_b), jaccard(tri_a, tri_b))
            if score >= threshold:
                seen_pairs.add(pair)
                first, second = (ex_a, ex_b) if a < b else (ex_b, ex_a)
                collisions.append(Collision(first, second, score, False))
    return collisions


def duplicates_within(examples: Iterable[Example]) -> List[Tuple[Example, Example]]:
    """Exact (normalised) repeats inside one topic: harmless to the model but wasted lines."""
    first_seen: Dict[Tuple[str, str, str], Example] = {}
    repeats = []
    for ex in examples:
        key = (ex.agency, ex.topic, normalise(ex.text))
        if key in first_seen:
            repeats.append((first_seen[key], ex))
        else:
            first_seen[key] = ex
    return repeats
