"""Names, places, addresses with RT/RW, and small choices (names.py, address.py, choices.py)."""

from __future__ import annotations

import pytest

from layani.validators.address import validate_address
from layani.validators.choices import validate_purpose, validate_sex
from layani.validators.names import validate_name, validate_place


@pytest.mark.parametrize(
    "text, name",
    [
        ("Budi Santoso", "Budi Santoso"),
        ("budi   santoso", "Budi Santoso"),
        ("SITI NURHALIZA", "Siti Nurhaliza"),
        ("Moh. Hatta", "Moh. Hatta"),
        ("Ma'ruf Amin", "Ma'ruf Amin"),
        ("Ma’ruf Amin", "Ma'ruf Amin"),
        ("Sukarno", "Sukarno"),
        ("nama saya Dewi Lestari", "Dewi Lestari"),
        ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai"),
    ],
)
def test_names(text, name):
    assert validate_name(text).value == name


@pytest.mark.parametrize(
    "text, error",
    [
        ("Budi 2", "utter_invalid_name_digits"),
        ("A", "utter_invalid_name_short"),
        ("budi@mail.com", "utter_invalid_name_symbols"),
        ("x" * 61, "utter_invalid_name_long"),
    ],
)
def test_invalid_names(text, error):
    assert validate_name(text).error == error


def test_places():
    assert validate_place("di Surabaya").value == "Surabaya"
    assert validate_place("kabupaten sleman").value == "Kabupaten Sleman"
    assert validate_place("RS 12").error == "utter_invalid_place_digits"
    assert validate_place("x").error == "utter_invalid_place"


@pytest.mark.parametrize(
    "text, normalised",
    [
        ("Jl. Merdeka No. 5 RT 03/RW 05 Sukasari", "Jl. Merdeka No. 5 Sukasari, RT 003/RW 005"),
        ("Jl Mawar 10 rt 3 rw 5", "Jl Mawar 10, RT 003/RW 005"),
        (
            "Gang Kelinci RT.003 RW.012, Kel. Cibeunying",
            "Gang Kelinci, Kel. Cibeunying, RT 003/RW 012",
        ),
        ("Jl. Melati RT03/05", "Jl. Melati, RT 003/RW 005"),
        ("Kp. Babakan RT 001 / RW 002", "Kp. Babakan, RT 001/RW 002"),
    ],
)
def test_addresses_with_rt_rw(text, normalised):
    result = validate_address(text)
    assert result.ok, result
    assert result.value == normalised


@pytest.mark.parametrize(
    "text, error",
    [
        ("Jl Anggrek no 4", "utter_invalid_address_rt_rw"),
        ("Jl Anggrek RT 4", "utter_invalid_address_rw_missing"),
        ("RT 1 RW 2", "utter_invalid_address_street"),
        ("Jl Kenanga RT 0 RW 2", "utter_invalid_address_rt_rw_zero"),
        ("Jl " + "a" * 250 + " RT 1 RW 2", "utter_invalid_address_long"),
    ],
)
def test_invalid_addresses(text, error):
    assert validate_address(text).error == error


def test_sex_and_purpose():
    assert validate_sex("Laki-laki").value == "laki-laki"
    assert validate_sex("cewek").value == "perempuan"
    assert validate_sex("2").value == "perempuan"
    assert validate_sex("belum tahu").error == "utter_invalid_child_sex"
    assert validate_purpose("melamar pekerjaan").value == "Melamar pekerjaan"
    assert validate_purpose("-").error == "utter_invalid_purpose"
