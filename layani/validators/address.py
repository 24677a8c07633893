"""Addresses for a surat keterangan domisili: a street/house part plus RT and RW.

The kelurahan issues the letter on the RT/RW's cover letter (surat pengantar), so the RT and RW
numbers are what the officer needs first. People write them many ways: "RT 03/RW 05",
"RT.003 RW.005", "rt 3 rw 5", "RT03/05", "RT 3 RW 5"; all are normalised to "RT 003/RW 005".
"""

from __future__ import annotations

import re

from layani.validators.result import Result

_RT_RW = re.compile(
    r"\brt\.?\s*:?\s*0*(\d{1,3})\s*(?:[/,\-]|\s)\s*(?:rw\.?\s*:?\s*)?0*(\d{1,3})\b", re.I
)
_RT_ONLY = re.compile(r"\brt\.?\s*:?\s*\d", re.I)
_RW_ONLY = re.compile(r"\brw\.?\s*:?\s*\d", re.I)
MIN_STREET_LETTERS = 4
MAX_ADDRESS_LENGTH = 200


def validate_address(text: str) -> Result:
    """An address with RT and RW. ``info`` has ``rt``, ``rw`` (3 digits) and ``street``."""
    address = re.sub(r"\s+", " ", text or "").strip()
    if len(address) > MAX_ADDRESS_LENGTH:
        return Result.invalid("utter_invalid_address_long", limit=MAX_ADDRESS_LENGTH)
    match = _RT_RW.search(address)
    if not match:
        if _RT_ONLY.search(address) and not _RW_ONLY.search(address):
            return Result.invalid("utter_invalid_address_rw_missing")
        return Result.invalid("utter_invalid_address_rt_rw")
    rt, rw = int(match.group(1)), int(match.group(2))
    if rt == 0 or rw == 0:
        return Result.invalid("utter_invalid_address_rt_rw_zero")
    street = (address[: match.start()] + " " + address[match.end() :]).strip(" ,.-")
    street = re.sub(r"\s+,", ",", re.sub(r"\s+", " ", street))
    if len(re.sub(r"[^A-Za-z]", "", street)) < MIN_STREET_LETTERS:
        return Result.invalid("utter_invalid_address_street")
    normalised = f"{street}, RT {rt:03d}/RW {rw:03d}"
    return Result.valid(normalised, rt=f"{rt:03d}", rw=f"{rw:03d}", street=street)
