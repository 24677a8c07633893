"""Indonesian mobile numbers only, in E.164 (layani/validators/phone.py)."""

from __future__ import annotations

import pytest

from layani.validators.phone import validate_phone


@pytest.mark.parametrize(
    "text, e164",
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(0857) 1234 5678", "+6285712345678"),
        ("nomor saya 0895 1234 5678", "+6289512345678"),
        ("0881-2345-6789", "+6288123456789"),  # Smartfren
        ("0831 2345 678", "+628312345678"),  # AXIS, 11 digits
        ("0062 812 3456 7890", "+6281234567890"),  # international prefix written out
    ],
)
def test_mobile_numbers_are_normalised_to_e164(text, e164):
    result = validate_phone(text)
    assert result.ok, result
    assert result.value == e164


@pytest.mark.parametrize(
    "text, country",
    [
        ("+1 415 555 2671", "+1"),
        ("+60 12-345 6789", "+60"),
        ("+65 8123 4567", "+65"),
        ("0061 412 345 678", "+61"),
    ],
)
def test_foreign_numbers_are_refused_with_their_country_code(text, country):
    result = validate_phone(text)
    assert result.error == "utter_invalid_phone_foreign"
    assert result.params == {"country_code": country}


@pytest.mark.parametrize("text", ["021 555 1234", "(022) 7654321", "+62 21 5551234", "0274-512345"])
def test_landlines_are_refused(text):
    assert validate_phone(text).error == "utter_invalid_phone_landline"


def test_length_prefix_and_format():
    assert validate_phone("0812345").params == {"count": 7}
    assert validate_phone("08123456789012").error == "utter_invalid_phone_length"
    assert validate_phone("0800 123 4567").error == "utter_invalid_phone_prefix"
    assert validate_phone("belum punya hp").error == "utter_invalid_phone_format"
    assert validate_phone("").error == "utter_invalid_phone_format"
