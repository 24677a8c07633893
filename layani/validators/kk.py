"""Kartu Keluarga number checks.

A KK number is 16 digits: the Kemendagri code of the district where it was issued (6), then a
registration date and a family serial. Only the region part has an official source we could
verify (see ../shared/notes/indonesian.md §5), so only that part is checked; the rest is not
guessed at, because rejecting a genuine KK would send a citizen away for nothing.
"""

from __future__ import annotations

from layani.validators.numbers import extract_digits
from layani.validators.regions import check_region
from layani.validators.result import Result

KK_LENGTH = 16


def validate_kk(text: str) -> Result:
    """Validate a KK number; ``value`` = the 16 digits, ``info`` = region names."""
    digits, letters_mixed = extract_digits(text)
    if letters_mixed:
        return Result.invalid("utter_invalid_kk_letters")
    if not digits:
        return Result.invalid("utter_invalid_kk_format")
    if len(digits) != KK_LENGTH:
        return Result.invalid("utter_invalid_kk_length", count=len(digits))
    region = check_region(digits)
    if region.failed_level is not None:
        return Result.invalid("utter_invalid_kk_region", code=digits[:6])
    return Result.valid(
        digits, province=region.province, regency=region.regency, district=region.district
    )
