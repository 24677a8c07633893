"""Map colloquial, SMS and regional Indonesian word forms to standard Indonesian.

Why: citizens write "ktp sy ilang hrs gmn" as often as "KTP saya hilang, harus bagaimana?".
Training data cannot list every spelling, so the NLU pipeline normalises each token before
featurisation and the classifiers see one form per word. This module is pure Python (no Rasa)
so it can be unit-tested and reused (evaluation, console search).

Order of the rules for one token (see `Normaliser.normalise_token`):
1. protected shapes stay as they are: ticket ids (ADU-7K3M-Q9PX), numbers, e-mail, URLs;
2. the **domain whitelist** (kk = Kartu Keluarga, kel = kelurahan, ktp, sim, bpjs ...) wins over
   everything else, because general slang lexicons map kk to "kakak";
3. the curated colloquial lexicon (sy -> saya, gmn -> bagaimana, gak -> tidak ...);
4. reduplication written with a 2 ("syarat2" -> "syarat syarat") and clitic tokens ("-nya");
5. letters repeated for emphasis ("tolooong", "makasiiih") are collapsed, choosing the form
   found in the lexicon, the whitelist or the Indonesian word list, then rules 2-3 run again;
6. a regional suffix on a known stem becomes its Indonesian suffix: Javanese "carane",
   "bayare", "omahku" and Sundanese "imahna", "daftarkeun" are "caranya", "bayarnya",
   "rumahku", "rumahnya", "daftarkan". Only for words that are not Indonesian themselves
   ("bagaimana" and "sate" stay), so the rule cannot touch standard text.

Bounded work: every message from the open internet passes through here (the NLU pipeline, and
the action server's emergency check), so one token costs time linear in its length; no rule
tries a number of spellings that grows with the token (see `Normaliser._collapse_repeats`).
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

LEXICON_DIR = Path(__file__).resolve().parent / "data"
COLLOQUIAL_FILE = LEXICON_DIR / "colloquial.txt"
WHITELIST_FILE = LEXICON_DIR / "domain_whitelist.txt"

# Shapes that must reach the featurisers untouched (entities and regex features depend on them).
TICKET_ID_RE = re.compile(r"^(?:adu|pmh)-[0-9a-z]{4}-[0-9a-z]{4}$", re.IGNORECASE)
_PROTECTED_RE = re.compile(
    r"^(?:[0-9][0-9.,:/+-]*|[^@\s]+@[^@\s]+\.\w+|https?://\S+|www\.\S+)$", re.IGNORECASE
)
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
# Emphasis runs per word tried in combination: "tolooong" and "siaaapppp" have one or two, four
# would already be odd. A word with more is no real word and gets single letters at once.
MAX_EMPHASIS_RUNS = 4
_REDUP_RE = re.compile(r"^([a-z]{2,})2$")
_WORD_RE = re.compile(r"\S+")
# Regional suffix -> Indonesian suffix, longest first. Javanese -e/-ne and krama -ipun and
# Sundanese -na are the definite/possessive -nya; -ku/-mu are shared; Sundanese -keun is -kan.
REGIONAL_SUFFIXES = (
    ("ipun", "nya"),
    ("keun", "kan"),
    ("ne", "nya"),
    ("na", "nya"),
    ("ku", "ku"),
    ("mu", "mu"),
    ("e", "nya"),
)
# A stem needs four letters ("omah", "cara") unless a hyphen marks the boundary ("ktp-ne"):
# "kece" must not become "kec" (kecamatan) + -nya.
MIN_SUFFIX_STEM = 4


def _is_word_char(char: str) -> bool:
    """What `\\w` matches in a `str` pattern: letters and digits of any script, underscore."""
    return char.isalnum() or char == "_"


def strip_edge_punctuation(word: str) -> str:
    """`word` without leading punctuation (@ and # stay) and without trailing punctuation.

    A plain scan, not the regex `^[^\\w@#]+|[^\\w]+$` it replaces: that one retried every inner
    run of punctuation ("a!!!...!!!b") and took time quadratic in the run's length.
    """
    start, end = 0, len(word)
    while start < end and not _is_word_char(word[start]) and word[start] not in "@#":
        start += 1
    while end > start and not _is_word_char(word[end - 1]):
        end -= 1
    return word[start:end]


class LexiconError(ValueError):
    """A lexicon file line cannot be parsed (the message names the file and line)."""


def load_mapping(path: Path) -> dict[str, str]:
    """Read a `term = replacement` file; `#` starts a comment line; duplicates are an error."""
    mapping: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        term, sep, replacement = line.partition("=")
        term, replacement = term.strip().lower(), " ".join(replacement.split()).lower()
        if not sep or not term or not replacement or " " in term:
            raise LexiconError(f"{path.name}:{number}: expected 'term = replacement', got {raw!r}")
        if term in mapping:
            raise LexiconError(f"{path.name}:{number}: duplicate term {term!r}")
        mapping[term] = replacement
    return mapping


@lru_cache(maxsize=1)
def indonesian_lemmas() -> dict[str, str]:
    """spaCy's Indonesian lemma table (spacy-lookups-data, MIT): word form -> lemma.

    Used as a word list when collapsing repeated letters and for optional lemmatisation.
    Empty when the package is missing, so the normaliser still works without it.
    """
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - spacy-lookups-data is a pinned dependency
        logger.warning("spacy-lookups-data not installed; no Indonesian word list")
        return {}
    path = Path(spacy_lookups_data.__file__).parent / "data" / "id_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def indonesian_vocabulary() -> frozenset[str]:
    table = indonesian_lemmas()
    return frozenset(table) | frozenset(table.values())


class Normaliser:
    """Token-level normaliser; build once (file loading) and call `normalise_token` per token."""

    def __init__(
        self,
        lexicon: dict[str, str] | None = None,
        whitelist: dict[str, str] | None = None,
        vocabulary: Iterable[str] | None = None,
    ) -> None:
        self.lexicon = load_mapping(COLLOQUIAL_FILE) if lexicon is None else dict(lexicon)
        self.whitelist = load_mapping(WHITELIST_FILE) if whitelist is None else dict(whitelist)
        vocab = indonesian_vocabulary() if vocabulary is None else frozenset(vocabulary)
        self.vocabulary = vocab | set(self.lexicon.values()) | set(self.whitelist.values())

    def normalise_token(self, token: str) -> str:
        """Standard lower-case form of one token; may be several words (gpp -> tidak apa apa)."""
        word = token.strip().lower()
        core = strip_edge_punctuation(word)
        if not core:
            return word
        if TICKET_ID_RE.match(core) or _PROTECTED_RE.match(core):
            return core
        found = self._lookup(core)
        if found is not None:
            return found
        if core.startswith("-") or core in ("nya", "-nya"):
            return core.lstrip("-")
        redup = _REDUP_RE.match(core)
        if redup:
            base = self.normalise_token(redup.group(1))
            return f"{base} {base}"
        if _REPEAT_RE.search(core):
            collapsed = self._collapse_repeats(core)
            found = self._lookup(collapsed)
            return found if found is not None else collapsed
        suffixed = self._regional_suffix(core)
        return suffixed if suffixed is not None else core

    def normalise(self, text: str) -> str:
        """Whitespace-split `text`, normalise every token, join with single spaces."""
        words = (self.normalise_token(w) for w in _WORD_RE.findall(text))
        return " ".join(w for w in words if w)

    def _lookup(self, word: str) -> str | None:
        if word in self.whitelist:
            return self.whitelist[word]
        return self.lexicon.get(word)

    def _known(self, word: str) -> bool:
        return word in self.whitelist or word in self.lexicon or word in self.vocabulary

    def _regional_suffix(self, word: str) -> str | None:
        """'carane' -> 'caranya', 'omahku' -> 'rumahku', 'ktp-ne' -> 'ktpnya'; None when the
        word is Indonesian already or no suffix leaves a known stem."""
        if word in self.vocabulary:
            return None
        for suffix, standard in REGIONAL_SUFFIXES:
            if not word.endswith(suffix):
                continue
            stem = word[: -len(suffix)]
            hyphen = stem.endswith("-")
            stem = stem.rstrip("-")
            if len(stem) < (2 if hyphen else MIN_SUFFIX_STEM) or "-" in stem:
                continue
            base = self._lookup(stem) or (stem if stem in self.vocabulary else None)
            if base is not None:
                return base + standard
        return None

    def _collapse_repeats(self, word: str) -> str:
        """'tolooong' -> 'tolong', 'maaaaf' -> 'maaf', 'siaaap' -> 'siap'.

        Runs of 3+ letters are shortened to two and to one letter; every combination is tried
        and the first known word wins (fewest letters first). Unknown words get single letters.
        The combinations double with every run, so a word with more than MAX_EMPHASIS_RUNS runs
        ("aaabbbccc..." cost seconds) is not tried: no known word has that many doubled letters.
        """
        runs = [m.span() for m in _REPEAT_RE.finditer(word)]
        if len(runs) > MAX_EMPHASIS_RUNS:
            return _REPEAT_RE.sub(r"\1", word)
        candidates: list[str] = []
        for mask in range(1 << len(runs)):
            parts, last = [], 0
            for index, (start, end) in enumerate(runs):
                parts.append(word[last:start])
                parts.append(word[start] * (2 if mask >> index & 1 else 1))
                last = end
            parts.append(word[last:])
            candidates.append("".join(parts))
        for candidate in candidates:
            if self._known(candidate):
                return candidate
        return candidates[0]


@lru_cache(maxsize=1)
def default_normaliser() -> Normaliser:
    """Process-wide normaliser built from the shipped lexicon files."""
    return Normaliser()


def normalise_text(text: str) -> str:
    """Convenience wrapper: standard-Indonesian form of a whole message."""
    return default_normaliser().normalise(text)
