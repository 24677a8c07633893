"""Pulling a 16-digit identity number out of what people actually type.

Citizens paste "3273 0101 9000 0001", "3273-0101-9000-0001", "327301 010190 0001",
"3273.01.010190.0001" or "NIK saya 3273010190000001"; spaces, dots and dashes between digits
(one or several) are dropped. Letters mixed into the digits (a common typo is "O" for 0) are
reported instead of guessed, because a wrong NIK is worse than a retry.

`DIGIT_RUN` is the one definition of "digits written as one number". The NIK and KK validators
read the longest run; `layani.pii` masks every long run with the same definition, so any grouping
a validator accepts is also a grouping the log and transcript masking finds. `PHONE_CANDIDATE`
plays the same part for the phone validator.
"""

from __future__ import annotations

import re

# What may stand between the digit groups of one number: spaces, dots, dashes, any number of them.
SEPARATORS = r"[ .\-]"
# Digits with separators between them. Each repetition must end in a digit, so the pattern
# cannot backtrack over a run more than once (linear in the text length).
DIGIT_RUN = re.compile(rf"\d(?:{SEPARATORS}*\d)*")
# Where a phone number is in "nomor saya 0812 3456 7890" (the phone validator reads the first
# one; `layani.pii` masks every one that looks like an Indonesian mobile number).
PHONE_CANDIDATE = re.compile(r"[+\d][\d\s().\-]{5,}\d")
_NON_DIGIT = re.compile(r"\D")
_LETTER_IN_NUMBER = re.compile(r"\d[A-Za-z]+\d")


def digits_of(run: str) -> str:
    """The digits of a written number, separators dropped ("3273.01.0101" -> "3273010101")."""
    return _NON_DIGIT.sub("", run)


def extract_digits(text: str) -> tuple[str | None, bool]:
    """The longest digit run (separators removed) and whether letters are mixed into it."""
    text = text or ""
    runs = [digits_of(m.group(0)) for m in DIGIT_RUN.finditer(text)]
    if not runs:
        return None, bool(_LETTER_IN_NUMBER.search(text))
    return max(runs, key=len), bool(_LETTER_IN_NUMBER.search(text))
