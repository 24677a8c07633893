"""The questions an application form can ask: one `Field` record each, with its check.

A field says how the bot names it ("tanggal lahir"), which validator checks the answer with the
context an officer would use, how the summary shows the value back, and whether it is an
identity number (stored encrypted, echoed masked) or free text (any text might pass, so an FAQ
question there must be clearly one). Services (services.py) list fields in the order they ask
them. Cross-field rules live in the checkers: a NIK must agree with the birth date already
given, a father's NIK must be a man's, a mother's a woman's.

Each checker takes the raw answer, the form's current slot values and today's date (WIB), and
returns a `layani.validators.Result`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from actions.applications import summary
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

Slots = Mapping[str, Any]
Checker = Callable[[str, Slots, dt.date], Result]
WIB = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Field:
    """One question of an application form.

    Attributes:
        slot: the form slot (its question is `utter_ask_<slot>` in bot/domain/applications.yml).
        label: how the bot names the field ("tanggal lahir") in corrections and handoff notes.
        check: the officer's check of an answer (see module docstring).
        placeholder: the summary and receipt template variable that shows the value.
        show: how that variable shows the value (identity numbers masked).
        personal: an identity number: stored encrypted, in the tracker store too.
        free_text: any text could pass (a name, an address): an FAQ question here needs both a
            question's form and a sure NLU (actions/faq/in_form.py), and a correction needs
            the NLU's intent (corrections.py).
    """

    slot: str
    label: str
    check: Checker
    placeholder: str
    show: Callable[[Any], str] = summary.as_text
    personal: bool = False
    free_text: bool = False


def today_wib() -> dt.date:
    """Offices and citizens count days in WIB, whatever the server's clock zone."""
    return dt.datetime.now(WIB).date()


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- Dukcapil counter services (the antrean question) ---------------------------------------

# What the counter services at Dukcapil are called; ids are the catalogue's FAQ ids.
DUKCAPIL_SERVICES: dict[str, str] = {
    "ktp_baru": "Rekam KTP-el pertama kali",
    "ktp_hilang_rusak": "KTP-el hilang atau rusak",
    "ktp_ubah_data": "Perubahan data KTP-el",
    "kk_baru": "KK baru / pisah KK",
    "kk_ubah": "Perubahan data KK",
}
_DUKCAPIL_KEYWORDS = (
    ("ktp_hilang_rusak", r"hilang|rusak|patah|cetak ulang"),
    ("ktp_ubah_data", r"(ubah|ganti|perubahan|update).*(ktp)|ktp.*(ubah|ganti|perubahan)"),
    ("kk_ubah", r"(ubah|ganti|perubahan|tambah|hapus|update).*\bkk\b|\bkk\b.*(ubah|tambah|hapus)"),
    ("kk_baru", r"\bkk\b|kartu keluarga|pisah"),
    ("ktp_baru", r"ktp|rekam|perekaman|17 tahun"),
)


def match_dukcapil_service(text: str) -> str | None:
    """The Dukcapil counter service a free-text answer names, or None."""
    norm = (text or "").lower().strip()
    if norm in DUKCAPIL_SERVICES:
        return norm
    ids = tuple(DUKCAPIL_SERVICES)
    if norm.isdigit() and 1 <= int(norm) <= len(ids):
        return ids[int(norm) - 1]
    for service_id, pattern in _DUKCAPIL_KEYWORDS:
        if re.search(pattern, norm):
            return service_id
    return None


# --- checkers with context ------------------------------------------------------------------


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


def _parent_nik(role: str, other_parent: str) -> Checker:
    def check(text: str, slots: Slots, today: dt.date) -> Result:
        return validate_parent_nik(
            text,
            role=role,
            child_birth_date=_iso(slots.get("child_birth_date")),
            other_parent_nik=slots.get(other_parent),
            today=today,
        )

    return check


# --- the fields -----------------------------------------------------------------------------

_ALL = (
    Field(
        "applicant_name",
        "nama",
        lambda text, slots, today: validate_name(text),
        "applicant_name",
        free_text=True,
    ),
    Field(
        "applicant_birth_date",
        "tanggal lahir",
        _applicant_birth_date,
        "applicant_birth_date_text",
        summary.birth_date,
    ),
    Field("applicant_nik", "NIK", _applicant_nik, "nik_masked", summary.masked_id, personal=True),
    Field(
        "applicant_address",
        "alamat",
        lambda text, slots, today: validate_address(text),
        "applicant_address",
        free_text=True,
    ),
    Field(
        "domisili_purpose",
        "keperluan",
        lambda text, slots, today: validate_purpose(text),
        "domisili_purpose",
        free_text=True,
    ),
    Field(
        "applicant_phone",
        "nomor HP",
        lambda text, slots, today: validate_phone(text),
        "phone_masked",
        summary.masked_phone,
        personal=True,
    ),
    Field(
        "dukcapil_service",
        "jenis layanan",
        _dukcapil_service,
        "dukcapil_service_name",
        lambda value: DUKCAPIL_SERVICES.get(value or "", summary.EMPTY),
    ),
    Field(
        "appointment_date",
        "tanggal kunjungan",
        lambda text, slots, today: validate_appointment_date(text, today),
        "appointment_date_text",
        summary.visit_date,
    ),
    Field(
        "appointment_session",
        "sesi",
        lambda text, slots, today: validate_session(text),
        "appointment_session_text",
        summary.session_text,
    ),
    Field(
        "child_name",
        "nama anak",
        lambda text, slots, today: validate_name(text),
        "child_name",
        free_text=True,
    ),
    Field(
        "child_sex",
        "jenis kelamin anak",
        lambda text, slots, today: validate_sex(text),
        "child_sex",
    ),
    Field(
        "child_birth_date",
        "tanggal lahir anak",
        lambda text, slots, today: validate_birth_date(text, today),
        "child_birth_date_text",
        summary.birth_date,
    ),
    Field(
        "child_birth_place",
        "tempat lahir anak",
        lambda text, slots, today: validate_place(text),
        "child_birth_place",
        free_text=True,
    ),
    Field(
        "father_nik",
        "NIK ayah",
        _parent_nik("ayah", "mother_nik"),
        "father_nik_masked",
        summary.masked_id,
        personal=True,
    ),
    Field(
        "mother_nik",
        "NIK ibu",
        _parent_nik("ibu", "father_nik"),
        "mother_nik_masked",
        summary.masked_id,
        personal=True,
    ),
    Field(
        "kk_number",
        "nomor KK",
        lambda text, slots, today: validate_kk(text),
        "kk_masked",
        summary.masked_id,
        personal=True,
    ),
)
FIELDS: dict[str, Field] = {field.slot: field for field in _ALL}


def check(slot: str, text: str, slots: Slots, today: dt.date | None = None) -> Result:
    """Validate ``text`` as the answer for the field ``slot``."""
    return FIELDS[slot].check(text, slots, today or today_wib())


def summary_values(slots: Slots) -> dict[str, str]:
    """Every placeholder the summary and receipt responses use, identity numbers masked."""
    return {field.placeholder: field.show(slots.get(field.slot)) for field in FIELDS.values()}
