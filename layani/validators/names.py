"""Personal names and places as they appear on Dukcapil documents.

Indonesian names vary widely: one word ("Sukarno"), several words, apostrophes ("Ma'ruf"),
hyphens, and dots in abbreviations ("Moh. Hatta"). What cannot be a name: digits, symbols, a
single letter, or text longer than the 60 characters a KTP-el name field holds.
"""

from __future__ import annotations

import re

from layani.validators.result import Result

MAX_NAME_LENGTH = 60
_ALLOWED = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ' .,\-]+$")
_PREFIX = re.compile(
    r"^(nama\s+(saya|anak(nya)?|bayi(nya)?|lengkap(nya)?)|namanya|nama)\s*(adalah|:)?\s*", re.I
)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", (text or "").replace("’", "'")).strip(" .,")
    text = _PREFIX.sub("", text).strip()
    if text and (text.islower() or text.isupper()):
        text = " ".join(w[:1].upper() + w[1:].lower() for w in text.split(" "))
    return text


def validate_name(text: str) -> Result:
    """A person's full name; ``value`` is tidied (spaces collapsed, "budi santoso" capitalised)."""
    name = _tidy(text)
    if re.search(r"\d", name):
        return Result.invalid("utter_invalid_name_digits")
    letters = re.sub(r"[^A-Za-zÀ-ÖØ-öø-ÿ]", "", name)
    if len(letters) < 2:
        return Result.invalid("utter_invalid_name_short")
    if len(name) > MAX_NAME_LENGTH:
        return Result.invalid("utter_invalid_name_long", count=len(name), limit=MAX_NAME_LENGTH)
    if not _ALLOWED.match(name):
        return Result.invalid("utter_invalid_name_symbols")
    return Result.valid(name)


def validate_place(text: str) -> Result:
    """A place of birth as written on a birth certificate (a city, regency or place abroad).

    Not checked against the region list: births happen in villages, hospitals abroad and places
    renamed since; the officer reads it from the hospital or midwife letter anyway.
    """
    place = re.sub(r"\s+", " ", (text or "")).strip(" .,")
    place = re.sub(r"^(di|lahir di|tempat lahir(nya)?( di)?)\s+", "", place, flags=re.I)
    if re.search(r"\d", place):
        return Result.invalid("utter_invalid_place_digits")
    letters = re.sub(r"[^A-Za-z]", "", place)
    if len(letters) < 3 or len(place) > MAX_NAME_LENGTH:
        return Result.invalid("utter_invalid_place")
    if place.islower() or place.isupper():
        place = place.title()
    return Result.valid(place)
