"""Word lists of the language layer, read from `layani/language/data/*.txt`.

Why data files: the same Indonesian words (yes/no replies, question words, place words,
emergency terms) were literals in several modules and drifted apart. Every list now lives once,
as a text file with a header naming its source and licence, and code asks for it by name.

A list file holds one entry per line (a word or a phrase); `#` starts a comment line.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


class UnknownWordList(KeyError):
    """No `data/<name>.txt` exists for the requested list."""


@cache
def word_tuple(name: str) -> tuple[str, ...]:
    """The entries of `data/<name>.txt` in file order (order matters for longest-match users)."""
    path = DATA_DIR / f"{name}.txt"
    if not path.is_file():
        raise UnknownWordList(name)
    entries = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            entries.append(" ".join(line.lower().split()))
    return tuple(entries)


def word_set(name: str, normalise: Callable[[str], str] | None = None) -> frozenset[str]:
    """The entries of `data/<name>.txt` as a set; with `normalise`, each entry passed through it.

    Pass the same normalisation the caller applies to the user's text, so a list entry ("oke
    sip") and the reply compared with it are always in the same form.
    """
    entries = word_tuple(name)
    if normalise is None:
        return frozenset(entries)
    return frozenset(form for form in (normalise(e) for e in entries) if form)
