"""NIK (Nomor Induk Kependudukan) checks, the way a Dukcapil officer reads the number.

Layout (PP 37/2007; dukcapil.klaten.go.id "arti 16 digit NIK"):
``PP KK CC DDMMYY SSSS`` = province, regency/city, district of first registration, birth date
(women add 40 to the day, so 41-71), and a serial from 0001. A structure check cannot prove the
NIK is registered; it rejects numbers that cannot be a NIK and catches typos early.
"""

from __future__ import annotations

import datetime as dt

from layani.validators.dates import format_date_id
from layani.validators.numbers import extract_digits
from layani.validators.regions import check_region
from layani.validators.result import Result

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
SEXES = ("laki-laki", "perempuan")


def birth_date_from_digits(ddmmyy: str, today: dt.date) -> tuple | None:
    """(date, sex) encoded in DDMMYY, or None when it is not a real date.

    The century is inferred: a two-digit year not after this year's is 20xx, otherwise 19xx.
    """
    day, month, yy = int(ddmmyy[0:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    sex = "laki-laki"
    if day > FEMALE_DAY_OFFSET:
        day -= FEMALE_DAY_OFFSET
        sex = "perempuan"
    year = 2000 + yy if yy <= today.year % 100 else 1900 + yy
    try:
        return dt.date(year, month, day), sex
    except ValueError:
        return None


def validate_nik(
    text: str,
    *,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Result:
    """Validate a NIK; when ``sex`` or ``birth_date`` is known, check the NIK agrees with them.

    Returns ``value`` = the 16 digits, ``info`` = province, regency, district, sex, birth_date.
    """
    today = today or dt.date.today()
    digits, letters_mixed = extract_digits(text)
    if letters_mixed:
        return Result.invalid("utter_invalid_nik_letters")
    if not digits:
        return Result.invalid("utter_invalid_nik_format")
    if len(digits) != NIK_LENGTH:
        return Result.invalid("utter_invalid_nik_length", count=len(digits))

    region = check_region(digits)
    if region.failed_level == "province":
        return Result.invalid("utter_invalid_nik_province", code=region.code)
    if region.failed_level is not None:
        return Result.invalid("utter_invalid_nik_region", code=digits[:6])

    decoded = birth_date_from_digits(digits[6:12], today)
    if decoded is None:
        return Result.invalid("utter_invalid_nik_birth_date", ddmmyy=digits[6:12])
    nik_birth, nik_sex = decoded
    if nik_birth > today:
        return Result.invalid("utter_invalid_nik_birth_date", ddmmyy=digits[6:12])
    if digits[12:] == "0000":
        return Result.invalid("utter_invalid_nik_serial")

    if sex is not None and sex != nik_sex:
        return Result.invalid("utter_invalid_nik_sex_mismatch", nik_sex=nik_sex, stated_sex=sex)
    # Compare the two-digit year the NIK actually holds, not the inferred century.
    stated = (
        None if birth_date is None else (birth_date.day, birth_date.month, birth_date.year % 100)
    )
    if stated is not None and stated != (nik_birth.day, nik_birth.month, nik_birth.year % 100):
        return Result.invalid(
            "utter_invalid_nik_birth_date_mismatch",
            nik_birth_date=format_date_id(nik_birth, with_day=False),
            stated_birth_date=format_date_id(birth_date, with_day=False),
        )
    return Result.valid(
        digits,
        province=region.province,
        regency=region.regency,
        district=region.district,
        sex=nik_sex,
        birth_date=nik_birth.isoformat(),
    )


# A parent born less than this many years before the child is almost certainly a typo in the NIK.
MIN_PARENT_AGE_YEARS = 10


def validate_parent_nik(
    text: str,
    *,
    role: str,
    child_birth_date: dt.date | None = None,
    other_parent_nik: str | None = None,
    today: dt.date | None = None,
) -> Result:
    """A father's (``role="ayah"``) or mother's (``role="ibu"``) NIK for a birth registration.

    On top of `validate_nik`: the sex in the NIK must match the role, the parents' NIKs must
    differ, and the parent must have been born well before the child.
    """
    sex = "laki-laki" if role == "ayah" else "perempuan"
    result = validate_nik(text, sex=sex, today=today)
    if not result.ok:
        return result
    if other_parent_nik and result.value == other_parent_nik:
        return Result.invalid("utter_invalid_parent_nik_same")
    if child_birth_date is not None:
        parent_birth = dt.date.fromisoformat(result.info["birth_date"])
        try:
            latest = child_birth_date.replace(year=child_birth_date.year - MIN_PARENT_AGE_YEARS)
        except ValueError:  # 29 February
            latest = child_birth_date.replace(
                year=child_birth_date.year - MIN_PARENT_AGE_YEARS, day=28
            )
        if parent_birth > latest:
            return Result.invalid(
                "utter_invalid_parent_nik_age",
                parent_birth_date=format_date_id(parent_birth, with_day=False),
            )
    return result
