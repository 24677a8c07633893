"""Expand SMS-style abbreviations ("ptgs", "bntn", "pngdn", "sttus") to known words.

Why: on SMS and cheap phones citizens drop vowels, and every new abbreviation would otherwise
need its own lexicon line (colloquial.txt lists the common ones: sy, gmn, tdk). The blind
held-out sets showed the SMS register trailing the others by more than ten points, mostly on
words nobody had listed. Indonesian abbreviations follow one habit: keep the first letter and
(almost) every consonant in order, drop vowels. So an unknown token can be matched against the
words the assistant knows by its *consonant skeleton*:

    ptgs  -> p t g s  == skeleton of "petugas"
    pngdn -> p n g d n == skeleton of "pengaduan"
    skrg  -> s k r g  == skeleton of "sekarang" with one consonant (n) dropped

A token is expanded only when
- it is unknown (not a known word; the caller passes the known vocabulary),
- it has at least three letters, only letters, and at least two consonants,
- it cannot be read as an Indonesian word (`looks_abbreviated`): a pronounceable unknown token
  ("lahan", "pesen", "berjam", "persia") is a word the training data never used, and rewriting
  it to the nearest training word ("lahiran", "persen") invents evidence,
- a known word starts with the same letter, contains the token's letters in order, and has the
  same skeleton or the skeleton with one consonant dropped (never the first one),
- and that word is clearly the most frequent such candidate (`dominance` times the runner-up),
  so ambiguous abbreviations stay as they are for the character n-grams to deal with.

Bounded work: candidates are found by dictionary lookup on the skeleton (no scan of the
vocabulary per token), and only a few words share one skeleton.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

VOWELS = frozenset("aeiou")
MIN_TOKEN = 3
MIN_CONSONANTS = 2
# The token must be shorter than the word it stands for by at least this many letters:
# a same-length "match" is a typo (left to the character n-grams), not an abbreviation.
MIN_DROPPED = 1
# Longer tokens are sentences without spaces or noise, not abbreviations.
MAX_TOKEN = 16


# Consonant pairs that begin Indonesian words (mostly loanwords: "produk", "klinik", "status").
ONSET_CLUSTERS = frozenset(
    {
        "pr",
        "tr",
        "kr",
        "br",
        "gr",
        "dr",
        "fr",
        "pl",
        "kl",
        "bl",
        "fl",
        "gl",
        "sl",
        "sp",
        "st",
        "sk",
        "sw",
    }
)
# Digraphs that spell one consonant sound.
DIGRAPHS = (("ng", "N"), ("ny", "Y"), ("kh", "K"), ("sy", "S"))


def looks_abbreviated(token: str) -> bool:
    """True when `token` cannot be an Indonesian word as written, so it must be shortened.

    Indonesian syllables are (C)(C)V(C): a word ends in at most one consonant, starts with at
    most one (or a loanword cluster such as "pr", "st"), and never has three consonants in a
    row. Dropping vowels breaks this at once ("ptgs", "mnu", "lpr", "skrg", "bntuan"), while a
    word the training data simply never used keeps it ("lahan", "pesen", "ding").
    """
    t = token
    for digraph, single in DIGRAPHS:
        t = t.replace(digraph, single)
    runs = [(m.start(), m.end()) for m in re.finditer(r"[^aeiou]+", t)]
    for start, end in runs:
        length = end - start
        if length >= 3:
            return True
        if length == 2 and end == len(t):
            return True
        if length == 2 and start == 0 and t[:2] not in ONSET_CLUSTERS:
            return True
    return False


def skeleton(word: str) -> str:
    """The consonants of `word` in order ("petugas" -> "ptgs")."""
    return "".join(ch for ch in word if ch not in VOWELS)


def is_subsequence(short: str, long: str) -> bool:
    """True when every letter of `short` appears in `long` in the same order."""
    letters = iter(long)
    return all(ch in letters for ch in short)


def shortens(token: str, word: str) -> bool:
    """`token` is `word` with letters dropped: same first letter, at least MIN_DROPPED letters
    shorter, the rest in order ("ptgs" petugas, "lwti" lewati). The skeleton and the
    `looks_abbreviated` tests are the caller's (the index finds words by skeleton)."""
    return (
        token[:1] == word[:1]
        and len(word) >= len(token) + MIN_DROPPED
        and is_subsequence(token, word)
    )


class AbbreviationIndex:
    """Known words by skeleton, with their frequencies; `expand(token)` finds the word."""

    def __init__(self, word_counts: Mapping[str, int], dominance: float = 3.0) -> None:
        self.counts = {w: c for w, c in word_counts.items() if w.isalpha() and len(w) > MIN_TOKEN}
        self.dominance = dominance
        self._exact: dict[str, list[str]] = defaultdict(list)
        self._one_dropped: dict[str, list[str]] = defaultdict(list)
        for word in self.counts:
            skel = skeleton(word)
            if len(skel) < MIN_CONSONANTS:
                continue
            self._exact[skel].append(word)
            # Index the skeleton with one consonant dropped (never the first: abbreviations
            # keep the first letter). Deduplicate: "ss" dropped either way is one key.
            for dropped in {skel[:i] + skel[i + 1 :] for i in range(1, len(skel))}:
                if len(dropped) >= MIN_CONSONANTS:
                    self._one_dropped[dropped].append(word)

    def expand(self, token: str) -> str | None:
        """The known word `token` abbreviates, or None (unknown shape, no match, ambiguous)."""
        if not (MIN_TOKEN <= len(token) <= MAX_TOKEN) or not token.isalpha():
            return None
        skel = skeleton(token)
        if len(skel) < MIN_CONSONANTS or not looks_abbreviated(token):
            return None
        found = self._best(token, self._exact.get(skel, ()))
        if found is None and len(skel) >= 3:
            found = self._best(token, self._one_dropped.get(skel, ()))
        return found

    def _best(self, token: str, words) -> str | None:
        candidates = sorted(
            ((self.counts[w], w) for w in words if shortens(token, w)),
            reverse=True,
        )
        if not candidates:
            return None
        if len(candidates) > 1 and candidates[0][0] < self.dominance * candidates[1][0]:
            return None
        return candidates[0][1]
