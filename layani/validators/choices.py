"""Small closed or short free-text answers: sex of a child, the purpose of a letter."""

from __future__ import annotations

import re

from layani.validators.result import Result

_MALE = re.compile(r"^(1|l|lk|laki|laki-laki|laki laki|lelaki|pria|cowok|cowo|putra|male)$")
_FEMALE = re.compile(r"^(2|p|pr|perempuan|wanita|cewek|cewe|putri|female)$")
MAX_PURPOSE_LENGTH = 200


def validate_sex(text: str) -> Result:
    """ "laki-laki" or "perempuan" (also 1/2, L/P, pria/wanita, cowok/cewek)."""
    norm = re.sub(r"^(jenis kelamin(nya)?|anak(nya)?|dia)\s*:?\s*", "", (text or "").lower())
    norm = re.sub(r"[^a-z0-9\- ]", "", norm).strip()
    if _MALE.match(norm):
        return Result.valid("laki-laki")
    if _FEMALE.match(norm):
        return Result.valid("perempuan")
    return Result.invalid("utter_invalid_child_sex")


def validate_purpose(text: str) -> Result:
    """Why the citizen needs the letter: a few words, letters required."""
    purpose = re.sub(r"\s+", " ", text or "").strip(" .,")
    if len(re.findall(r"[A-Za-z]", purpose)) < 4 or len(purpose) > MAX_PURPOSE_LENGTH:
        return Result.invalid("utter_invalid_purpose")
    return Result.valid(purpose[:1].upper() + purpose[1:])
