"""Pulling a 16-digit identity number out of what people actually type.

Citizens paste "3273 0101 9000 0001", "3273-0101-9000-0001" or "NIK saya 3273010190000001";
spaces, dots and dashes between digits are dropped. Letters mixed into the digits (a common
typo is "O" for 0) are reported instead of guessed, because a wrong NIK is worse than a retry.
"""

from __future__ import annotations

import re

_RUN = re.compile(r"\d[\d .\-]*\d|\d")
_LETTER_IN_NUMBER = re.compile(r"\d[A-Za-z]+\d")


def extract_digits(text: str) -> tuple[str | None, bool]:
    """The longest digit run (separators removed) and whether letters are mixed into it."""
    text = text or ""
    runs = [re.sub(r"\D", "", m.group(0)) for m in _RUN.finditer(text)]
    if not runs:
        return None, bool(_LETTER_IN_NUMBER.search(text))
    return max(runs, key=len), bool(_LETTER_IN_NUMBER.search(text))
