"""Which validator checks which slot, with the context the officer would use.

Each checker takes the raw answer, the form's current slot values and today's date (WIB), and
returns a `layani.validators.Result`. Cross-field rules live here: a NIK must agree with the
birth date already given, a father's NIK must be a man's, a mother's a woman's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from actions.applications.services import match_dukcapil_service, match_service
from layani.validators import Result
from layani.validators.address import validate_address
from layani.validators.choices import validate_purpose, validate_sex
from layani.validators.dates import (
    validate_appointment_date,
    validate_birth_date,
    validate_session,
)
from layani.validators.kk import validate_kk
from layani.validators.names import validate_name, validate_place
from layani.validators.nik import validate_nik, validate_parent_nik
from layani.validators.phone import validate_phone

Slots = dict[str, Any]
Checker = Callable[[str, Slots, dt.date], Result]
WIB = dt.timezone(dt.timedelta(hours=7))


def today_wib() -> dt.date:
    """Offices and citizens count days in WIB, whatever the server's clock zone."""
    return dt.datetime.now(WIB).date()


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _service(text: str, slots: Slots, today: dt.date) -> Result:
    service = match_service(text)
    return Result.valid(service) if service else Result.invalid("utter_invalid_application_service")


def _dukcapil_service(text: str, slots: Slots, today: dt.date) -> Result:
    service = match_dukcapil_service(text)
    return Result.valid(service) if service else Result.invalid("utter_invalid_dukcapil_service")


def _applicant_birth_date(text: str, slots: Slots, today: dt.date) -> Result:
    result = validate_birth_date(text, today)
    nik = slots.get("applicant_nik")
    if result.ok and nik:
        check = validate_nik(nik, birth_date=_iso(result.value), today=today)
        if not check.ok:
            return check
    return result


def _applicant_nik(text: str, slots: Slots, today: dt.date) -> Result:
    return validate_nik(text, birth_date=_iso(slots.get("applicant_birth_date")), today=today)


def _father_nik(text: str, slots: Slots, today: dt.date) -> Result:
    return validate_parent_nik(
        text,
        role="ayah",
        child_birth_date=_iso(slots.get("child_birth_date")),
        other_parent_nik=slots.get("mother_nik"),
        today=today,
    )


def _mother_nik(text: str, slots: Slots, today: dt.date) -> Result:
    return validate_parent_nik(
        text,
        role="ibu",
        child_birth_date=_iso(slots.get("child_birth_date")),
        other_parent_nik=slots.get("father_nik"),
        today=today,
    )


CHECKERS: dict[str, Checker] = {
    "application_service": _service,
    "applicant_name": lambda text, slots, today: validate_name(text),
    "applicant_birth_date": _applicant_birth_date,
    "applicant_nik": _applicant_nik,
    "applicant_address": lambda text, slots, today: validate_address(text),
    "domisili_purpose": lambda text, slots, today: validate_purpose(text),
    "applicant_phone": lambda text, slots, today: validate_phone(text),
    "dukcapil_service": _dukcapil_service,
    "appointment_date": lambda text, slots, today: validate_appointment_date(text, today),
    "appointment_session": lambda text, slots, today: validate_session(text),
    "child_name": lambda text, slots, today: validate_name(text),
    "child_sex": lambda text, slots, today: validate_sex(text),
    "child_birth_date": lambda text, slots, today: validate_birth_date(text, today),
    "child_birth_place": lambda text, slots, today: validate_place(text),
    "father_nik": _father_nik,
    "mother_nik": _mother_nik,
    "kk_number": lambda text, slots, today: validate_kk(text),
}


def check(slot: str, text: str, slots: Slots, today: dt.date | None = None) -> Result:
    """Validate ``text`` as the answer for ``slot``."""
    return CHECKERS[slot](text, slots, today or today_wib())
