"""Reference numbers, NIKs and phone numbers reach the featurisers as their shape, not their digits.

Why: citizens type the numbers they hold in every format: Layani's own ticket ids
(ADU-7K3M-Q9PX), a registration number from another office (REQ-2026-778899, 2026000123), a
NIK or a phone number. The digits themselves mean nothing to the intent, but DIET's character
n-grams see them anyway: "cek status LYN-2026-000123" was read as an FAQ question with full
confidence, because the only long numbers in the training data sat in FAQ questions ("nomor 112",
"sms ke 1708"). Replacing each such token by a word that names its shape lets one training
example stand for every number of that shape, and keeps short, meaningful numbers (112, 17
tahun, 2026) as they are.

Only the token text the featurisers read changes; offsets stay, so the regex extractor and
DIET's entity spans still point at the original digits (see `layani.nlu.normaliser`).
"""

from __future__ import annotations

import re

# Shape words: lower-case letters only, so the tokenizer, the normaliser's lexicon and the
# abbreviation expander leave them alone, and no citizen writes them.
NIK_SHAPE = "angkanik"
PHONE_SHAPE = "angkahp"
NUMBER_SHAPE = "angkapanjang"
CODE_SHAPE = "kodenomor"
# Layani's own ids keep a shape of their own: DIET learns the `ticket_id` entity on it, and a
# vehicle plate or another office's code must not become a Layani ticket.
TICKET_SHAPE = "nomortiket"
NUMBER_SHAPES = frozenset({NIK_SHAPE, PHONE_SHAPE, NUMBER_SHAPE, CODE_SHAPE, TICKET_SHAPE})

_DIGITS = re.compile(r"\+?\d+")
_PHONE = re.compile(r"(?:\+?62|0)8\d{7,11}")
_CODE = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*")
# Layani's own ids (storage.ids, nlu_data/common/regex.yml) may hold no digit at all.
_TICKET_ID = re.compile(r"(?:adu|pmh)-[0-9a-z]{4}-[0-9a-z]{4}")
_MIN_NUMBER_DIGITS = 5  # "112", "1708", "2026" keep their digits: they are words in FAQ questions
_MIN_CODE_LENGTH = 6


def number_shape(token: str) -> str | None:
    """The shape word for a number-like token, or None to keep the token as it is."""
    if _DIGITS.fullmatch(token):
        digits = token.lstrip("+")
        if _PHONE.fullmatch(token):
            return PHONE_SHAPE
        if len(digits) == 16:
            return NIK_SHAPE
        if len(digits) >= _MIN_NUMBER_DIGITS:
            return NUMBER_SHAPE
        return None
    lowered = token.lower()
    if _TICKET_ID.fullmatch(lowered):
        return TICKET_SHAPE
    if len(lowered) < _MIN_CODE_LENGTH or not _CODE.fullmatch(lowered) or lowered.startswith("rp"):
        return None
    digits = sum(c.isdigit() for c in lowered)
    separated = "-" in lowered or "." in lowered
    # "covid19", "mp3" stay words; "b1234xyz", "req-2026-7788", "sk.12.2026" are codes.
    if any(c.isalpha() for c in lowered) and (digits >= 3 or (digits >= 2 and separated)):
        return CODE_SHAPE
    return None
