"""NIK and KK checks as an officer would make them (layani/validators/nik.py, kk.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from layani.validators.kk import validate_kk
from layani.validators.nik import validate_nik, validate_parent_nik

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "nik, province, regency, sex, birth",
    [
        ("1171014506850003", "Aceh", "Kota Banda Aceh", "perempuan", "1985-06-05"),
        ("1271012308790002", "Sumatera Utara", "Kota Medan", "laki-laki", "1979-08-23"),
        (
            "3174072505800001",
            "Daerah Khusus Ibukota Jakarta",
            "Kota Administrasi Jakarta Selatan",
            "laki-laki",
            "1980-05-25",
        ),
        ("3273010101900001", "Jawa Barat", "Kota Bandung", "laki-laki", "1990-01-01"),
        ("3578015203950002", "Jawa Timur", "Kota Surabaya", "perempuan", "1995-03-12"),
        ("5171011210880004", "Bali", "Kota Denpasar", "laki-laki", "1988-10-12"),
        ("7371014707000005", "Sulawesi Selatan", "Kota Makassar", "perempuan", "2000-07-07"),
        ("9171016912010001", "Papua", "Kota Jayapura", "perempuan", "2001-12-29"),
    ],
)
def test_real_looking_niks_from_several_provinces(nik, province, regency, sex, birth):
    result = validate_nik(nik, today=TODAY)
    assert result.ok, result
    assert result.value == nik
    assert result.info["province"] == province
    assert result.info["regency"] == regency
    assert result.info["sex"] == sex
    assert result.info["birth_date"] == birth


def test_separators_and_surrounding_words_are_ignored():
    result = validate_nik("NIK saya 3273 0101 0190 0001 ya", today=TODAY)
    assert result.ok and result.value == "3273010101900001"
    assert validate_nik("3273-0101-0190-0001", today=TODAY).value == "3273010101900001"


@pytest.mark.parametrize(
    "nik, count", [("327301010190001", 15), ("32730101019000012", 17), ("3273", 4)]
)
def test_wrong_length_reports_how_many_digits_were_sent(nik, count):
    result = validate_nik(nik, today=TODAY)
    assert not result.ok
    assert result.error == "utter_invalid_nik_length"
    assert result.params == {"count": count}


def test_letters_and_no_digits():
    assert validate_nik("3273O10101900001", today=TODAY).error == "utter_invalid_nik_letters"
    assert validate_nik("belum punya", today=TODAY).error == "utter_invalid_nik_format"


def test_unknown_province_code():
    result = validate_nik("9901010101900001", today=TODAY)
    assert result.error == "utter_invalid_nik_province"
    assert result.params == {"code": "99"}


@pytest.mark.parametrize("nik", ["3299010101900001", "3273990101900001", "3200010101900001"])
def test_unknown_regency_or_district_code(nik):
    result = validate_nik(nik, today=TODAY)
    assert result.error == "utter_invalid_nik_region"
    assert result.params == {"code": nik[:6]}


@pytest.mark.parametrize(
    "ddmmyy",
    [
        "310290",  # 31 February
        "300290",  # 30 February
        "290201",  # 29 February 2001 (not a leap year)
        "001090",  # day 0
        "011390",  # month 13
        "321090",  # day 32 is neither a man's day nor a woman's (41-71)
        "721090",  # 72 - 40 = 32
        "711190",  # 71 - 40 = 31 November
    ],
)
def test_impossible_birth_dates(ddmmyy):
    result = validate_nik(f"327301{ddmmyy}0001", today=TODAY)
    assert result.error == "utter_invalid_nik_birth_date"
    assert result.params == {"ddmmyy": ddmmyy}


def test_plus_forty_rule_for_women():
    woman = validate_nik("3273014101900001", today=TODAY)  # 41 -> 1 January, perempuan
    man = validate_nik("3273010101900001", today=TODAY)
    assert woman.info["sex"] == "perempuan" and woman.info["birth_date"] == "1990-01-01"
    assert man.info["sex"] == "laki-laki" and man.info["birth_date"] == "1990-01-01"
    leap_day_woman = validate_nik("3273016902000001", today=TODAY)  # 69 -> 29 Feb 2000
    assert leap_day_woman.ok and leap_day_woman.info["birth_date"] == "2000-02-29"


def test_sex_must_match_when_asked():
    result = validate_nik("3273014101900001", sex="laki-laki", today=TODAY)
    assert result.error == "utter_invalid_nik_sex_mismatch"
    assert result.params == {"nik_sex": "perempuan", "stated_sex": "laki-laki"}
    assert validate_nik("3273014101900001", sex="perempuan", today=TODAY).ok


def test_birth_date_must_match_when_asked():
    stated = dt.date(1990, 1, 2)
    result = validate_nik("3273010101900001", birth_date=stated, today=TODAY)
    assert result.error == "utter_invalid_nik_birth_date_mismatch"
    assert result.params["stated_birth_date"] == "2 Januari 1990"
    assert validate_nik("3273010101900001", birth_date=dt.date(1990, 1, 1), today=TODAY).ok
    # A centenarian's NIK holds only "20": the two-digit year is compared, not the century.
    assert validate_nik("3273010101200001", birth_date=dt.date(1920, 1, 1), today=TODAY).ok


def test_future_birth_date_and_zero_serial():
    assert validate_nik("3273010112260001", today=TODAY).error == "utter_invalid_nik_birth_date"
    assert validate_nik("3273010101900000", today=TODAY).error == "utter_invalid_nik_serial"


def test_parent_niks():
    child = dt.date(2026, 10, 3)
    assert validate_parent_nik(
        "3273010101900001", role="ayah", child_birth_date=child, today=TODAY
    ).ok
    assert (
        validate_parent_nik(
            "3273014101900001", role="ayah", child_birth_date=child, today=TODAY
        ).error
        == "utter_invalid_nik_sex_mismatch"
    )
    assert (
        validate_parent_nik(
            "3273010101900001", role="ibu", child_birth_date=child, today=TODAY
        ).error
        == "utter_invalid_nik_sex_mismatch"
    )
    same = validate_parent_nik(
        "3273014101900001", role="ibu", today=TODAY, other_parent_nik="3273014101900001"
    )
    assert same.error == "utter_invalid_parent_nik_same"
    too_young = validate_parent_nik(
        "3273014101200001", role="ibu", child_birth_date=child, today=TODAY
    )
    assert too_young.error == "utter_invalid_parent_nik_age"
    assert too_young.params == {"parent_birth_date": "1 Januari 2020"}


def test_kk_numbers():
    ok = validate_kk("3273011203150007")
    assert ok.ok and ok.info["regency"] == "Kota Bandung"
    assert validate_kk("3578 0112 0315 0007").value == "3578011203150007"
    assert validate_kk("327301120315000").params == {"count": 15}
    assert validate_kk("3299011203150007").error == "utter_invalid_kk_region"
    assert validate_kk("9901011203150007").error == "utter_invalid_kk_region"
    assert validate_kk("KK saya hilang").error == "utter_invalid_kk_format"
    assert validate_kk("32730112O3150007").error == "utter_invalid_kk_letters"
