"""Normalisation of informal Indonesian chat text, shared by the classifier and the extractors.

Citizens write "udh 2 mgg gk diangkut", "jln bolong bgt", "sampahnyaaa": we lower-case, expand
common abbreviations (the shared lexicon of `layani.language`, the NLU's own), squash letters
repeated three times or more, and drop the clitics -nya/-lah so "sampahnya" matches "sampah".
"""

from __future__ import annotations

import re
from functools import lru_cache

from layani.language.normalise import default_normaliser, load_mapping
from layani.language.vocabulary import DATA_DIR


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """Complaint keyword stems first, then the shared whitelist and colloquial lexicon.

    The shared tables are the NLU's own (layani.language), so the action server and the NLU
    never read a word differently ("bgt" is "sekali" and "tp" is "tetapi" on both sides).
    """
    shared = default_normaliser()
    table = dict(shared.lexicon)
    table.update(shared.whitelist)
    table.update(load_mapping(DATA_DIR / "complaint_terms.txt"))
    return table


_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_CLITIC = re.compile(r"(?<=[a-z]{3})(nya|lah|kah)$")


def tokens(text: str) -> list[str]:
    """Normalised word list of `text` (see module docstring)."""
    slang = _table()
    words: list[str] = []
    for raw in _TOKEN.findall((text or "").lower()):
        raw = _REPEAT.sub(r"\1", raw)
        if raw in slang:
            words.extend(slang[raw].split())
            continue
        # Indonesian reduplication "lampu-lampu", "gorong-gorong": keep both halves.
        parts = raw.split("-")
        for part in parts:
            if not part:
                continue
            part = slang.get(part, part)
            if len(part) > 5:
                part = _CLITIC.sub("", part)
            words.extend(part.split())
    return words


def normalise(text: str) -> str:
    return " ".join(tokens(text))
