"""Every explanation a validator can ask for exists in the domain, in Indonesian, with an example.

A validator names a response (`utter_invalid_nik_length`) and its template values; a typo in
either would leave the citizen with a raw "{count}" or no message at all.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from layani.validators.address import validate_address
from layani.validators.choices import validate_purpose, validate_sex
from layani.validators.dates import validate_appointment_date, validate_birth_date, validate_session
from layani.validators.kk import validate_kk
from layani.validators.names import validate_name, validate_place
from layani.validators.nik import validate_nik, validate_parent_nik
from layani.validators.phone import validate_phone

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "bot/domain/applications.yml").read_text())["responses"]
TODAY = dt.date(2026, 11, 25)

FAILURES = [
    validate_nik("327301010190001", today=TODAY),
    validate_nik("3273O10101900001", today=TODAY),
    validate_nik("halo", today=TODAY),
    validate_nik("9901010101900001", today=TODAY),
    validate_nik("3299010101900001", today=TODAY),
    validate_nik("3273013102900001", today=TODAY),
    validate_nik("3273010101900000", today=TODAY),
    validate_nik("3273014101900001", sex="laki-laki", today=TODAY),
    validate_nik("3273010101900001", birth_date=dt.date(1990, 1, 2), today=TODAY),
    validate_parent_nik("3273014101200001", role="ibu", child_birth_date=TODAY, today=TODAY),
    validate_parent_nik("3273014101900001", role="ibu", other_parent_nik="3273014101900001"),
    validate_kk("123"),
    validate_kk("abc"),
    validate_kk("32730112O3150007"),
    validate_kk("3299011203150007"),
    validate_phone("+60123456789"),
    validate_phone("021 5551234"),
    validate_phone("0812345"),
    validate_phone("0800 123 4567"),
    validate_phone("halo"),
    validate_appointment_date("kemarin", TODAY),
    validate_appointment_date("hari ini", TODAY),
    validate_appointment_date("sabtu", TODAY),
    validate_appointment_date("24 desember", TODAY),
    validate_appointment_date("minggu depan", TODAY),
    validate_appointment_date("entah", TODAY),
    validate_appointment_date("31 februari", TODAY),
    validate_session("jam 5 sore"),
    validate_session("terserah"),
    validate_birth_date("1/1/2027", TODAY),
    validate_birth_date("1/1/1890", TODAY),
    validate_birth_date("entah", TODAY),
    validate_name("Budi 2"),
    validate_name("A"),
    validate_name("x" * 61),
    validate_name("a@b"),
    validate_place("x"),
    validate_place("RS 12"),
    validate_address("Jl Anggrek"),
    validate_address("Jl Anggrek RT 4"),
    validate_address("RT 1 RW 2"),
    validate_address("Jl Kenanga RT 0 RW 2"),
    validate_address("Jl " + "a" * 250 + " RT 1 RW 2"),
    validate_sex("?"),
    validate_purpose("-"),
]


@pytest.mark.parametrize("result", FAILURES, ids=lambda r: r.error)
def test_each_failure_has_a_response_whose_placeholders_are_filled(result):
    assert not result.ok
    assert result.error in RESPONSES, f"{result.error} is missing from applications.yml"
    for variant in RESPONSES[result.error]:
        placeholders = set(re.findall(r"{(\w+)}", variant["text"]))
        assert placeholders <= set(result.params), (result.error, placeholders, result.params)
        rendered = variant["text"].format(**result.params)
        assert "{" not in rendered


def test_messages_are_specific_and_give_an_example():
    rendered = RESPONSES["utter_invalid_nik_length"][0]["text"].format(count=15)
    assert rendered.startswith("NIK harus 16 angka; yang Anda kirim 15 angka.")
    generic = {"maaf, terjadi kesalahan", "input tidak valid", "error"}
    for name, variants in RESPONSES.items():
        if not name.startswith("utter_invalid_"):
            continue
        text = variants[0]["text"]
        assert text.lower() not in generic
        assert any(
            word in text
            for word in (
                "Contoh",
                "misalnya",
                "contoh",
                "Hari kerja",
                "pilih",
                "Pilih",
                "periksa",
                "Ketik",
            )
        ), name
