"""Ticket ids: `ADU-XXXX-XXXX` (complaints) and `PMH-XXXX-XXXX` (applications).

Eight random Crockford base32 symbols (40 bits from `secrets`), so ids are neither sequential nor
guessable; the alphabet leaves out I, L, O and U, and parsing accepts what people type instead
(lower case, O for 0, I/L for 1, spaces or no dashes).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXES = ("ADU", "PMH")
_LOOSE = re.compile(r"\b(ADU|PMH)[\s\-_.]*([0-9A-Z]{4})[\s\-_.]*([0-9A-Z]{4})\b", re.IGNORECASE)
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_ticket_id(prefix: str) -> str:
    if prefix not in PREFIXES:
        raise ValueError(f"unknown ticket prefix {prefix!r}")
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def find_ticket_id(text: str) -> str | None:
    """The first ticket id in free text, normalised to canonical form, or None."""
    match = _LOOSE.search(text or "")
    if not match:
        return None
    prefix = match.group(1).upper()
    body = (match.group(2) + match.group(3)).upper().translate(_CONFUSABLE)
    if any(ch not in ALPHABET for ch in body):
        return None
    return f"{prefix}-{body[:4]}-{body[4:]}"
