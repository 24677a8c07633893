"""Indonesian mobile numbers, normalised to E.164 (+628...).

Parsing is `phonenumbers` (libphonenumber metadata) with region ID, so "0812-3456-7890",
"+62 812 3456 7890" and "6281234567890" all become "+6281234567890". Only mobile numbers are
accepted: officers call back or send WhatsApp/SMS, which a landline cannot receive, and a
foreign number cannot get SMS from an Indonesian short code.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType

from layani.validators.numbers import PHONE_CANDIDATE
from layani.validators.result import Result

_ALLOWED = re.compile(r"^[\d\s+().\-]+$")
_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def validate_phone(text: str) -> Result:
    """Validate an Indonesian mobile number; ``value`` is its E.164 form."""
    raw = (text or "").strip()
    # Keep only the number if the citizen wrote "nomor saya 0812...".
    match = PHONE_CANDIDATE.search(raw)
    candidate = match.group(0) if match else raw
    if not candidate or not _ALLOWED.match(candidate):
        return Result.invalid("utter_invalid_phone_format")
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("00"):  # international dialling prefix written out
        candidate = "+" + digits[2:]
    elif digits.startswith("62") and not candidate.startswith("+"):
        candidate = "+" + digits
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        return Result.invalid("utter_invalid_phone_format")
    if number.country_code != 62:
        return Result.invalid("utter_invalid_phone_foreign", country_code=f"+{number.country_code}")
    national = str(number.national_number)
    if not national.startswith("8"):
        return Result.invalid("utter_invalid_phone_landline")
    # Mobile numbers are 10-13 digits including the leading 0 (9-12 after it).
    if not 9 <= len(national) <= 12:
        return Result.invalid("utter_invalid_phone_length", count=len(national) + 1)
    if not phonenumbers.is_valid_number(number) or (
        phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        return Result.invalid("utter_invalid_phone_prefix", prefix="0" + national[:3])
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Result.valid(e164)
