"""The services a citizen can apply for in chat, and the questions each one asks.

One Rasa form (`application_form`) serves all of them: its first question is the service, and
`required_slots` then appends that service's fields in the order below. Adding a service means
adding an entry here, its questions in bot/domain/applications.yml, and a summary response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    id: str
    agency: str
    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    # The catalogue FAQ topic about the same service: its answer offers this application.
    faq_topic: str | None = None


SERVICES: dict[str, Service] = {
    "domisili": Service(
        id="domisili",
        agency="kelurahan",
        fields=(
            "applicant_name",
            "applicant_birth_date",
            "applicant_nik",
            "applicant_address",
            "domisili_purpose",
            "applicant_phone",
        ),
        keywords=("domisili", "keterangan tinggal", "skd", "sktt"),
        faq_topic="surat_domisili",
    ),
    "antrean_dukcapil": Service(
        id="antrean_dukcapil",
        agency="dukcapil",
        fields=(
            "applicant_name",
            "applicant_nik",
            "dukcapil_service",
            "appointment_date",
            "appointment_session",
            "applicant_phone",
        ),
        keywords=(
            "antrean",
            "antrian",
            "antri",
            "jadwal",
            "dukcapil",
            "ktp",
            "kk",
            "kartu keluarga",
        ),
    ),
    "kelahiran": Service(
        id="kelahiran",
        agency="dukcapil",
        fields=(
            "child_name",
            "child_sex",
            "child_birth_date",
            "child_birth_place",
            "father_nik",
            "mother_nik",
            "kk_number",
            "applicant_phone",
        ),
        keywords=("kelahiran", "lahir", "akta", "akte", "bayi", "anak"),
        faq_topic="akta_kelahiran",
    ),
}


def service_for_topic(topic: str) -> Service | None:
    """The chat application for an FAQ topic ("surat_domisili" -> domisili), if there is one."""
    return next((s for s in SERVICES.values() if s.faq_topic == topic), None)


# Responses per service, spelled out so `make validate` can see they are used.
STARTED_RESPONSES = {
    "domisili": "utter_application_started_domisili",
    "antrean_dukcapil": "utter_application_started_antrean_dukcapil",
    "kelahiran": "utter_application_started_kelahiran",
}
SUMMARY_RESPONSES = {
    "domisili": "utter_application_summary_domisili",
    "antrean_dukcapil": "utter_application_summary_antrean_dukcapil",
    "kelahiran": "utter_application_summary_kelahiran",
}
REQUIREMENTS_RESPONSES = {
    "domisili": "utter_application_requirements_domisili",
    "kelahiran": "utter_application_requirements_kelahiran",
}
# Numbered menu order (SMS has no buttons): 1, 2, 3.
MENU_ORDER = ("domisili", "antrean_dukcapil", "kelahiran")

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

SLOT_LABELS: dict[str, str] = {
    "applicant_name": "nama",
    "applicant_birth_date": "tanggal lahir",
    "applicant_nik": "NIK",
    "applicant_address": "alamat",
    "domisili_purpose": "keperluan",
    "applicant_phone": "nomor HP",
    "dukcapil_service": "jenis layanan",
    "appointment_date": "tanggal kunjungan",
    "appointment_session": "sesi",
    "child_name": "nama anak",
    "child_sex": "jenis kelamin anak",
    "child_birth_date": "tanggal lahir anak",
    "child_birth_place": "tempat lahir anak",
    "father_nik": "NIK ayah",
    "mother_nik": "NIK ibu",
    "kk_number": "nomor KK",
}
# Slots holding identity numbers: stored encrypted (application store and conversation store,
# layani/tracker_store.py), echoed masked. A new personal slot is one more entry.
PERSONAL_SLOTS = ("applicant_nik", "father_nik", "mother_nik", "kk_number", "applicant_phone")
ALL_FIELD_SLOTS = tuple(SLOT_LABELS)


def match_service(text: str) -> str | None:
    """The service id a free-text answer or button payload names, or None."""
    norm = (text or "").lower().strip()
    if norm in SERVICES:
        return norm
    if norm in ("1", "2", "3"):
        return MENU_ORDER[int(norm) - 1]
    for service_id in SERVICES:  # payloads carry the id itself
        if service_id in norm:
            return service_id
    for service_id in ("domisili", "kelahiran", "antrean_dukcapil"):
        if any(re.search(rf"\b{re.escape(k)}", norm) for k in SERVICES[service_id].keywords):
            return service_id
    return None


_NAMED_IN_REQUEST = (
    ("domisili", r"\bdomisili\b|\bskd\b"),
    ("antrean_dukcapil", r"\bantr(e|i)an\b|\bantri\b|\bantre\b"),
    ("kelahiran", r"\bkelahiran\b|\bak(ta|te) (lahir|kelahiran)\b"),
)


def service_named_in(text: str) -> str | None:
    """The service a request names unmistakably ("mau bikin surat domisili"), or None.

    Stricter than `match_service`: a whole request can mention "anak" or "KTP" without
    choosing a service, while an answer to "which service?" is short and on topic.
    """
    norm = (text or "").lower()
    for service_id, pattern in _NAMED_IN_REQUEST:
        if re.search(pattern, norm):
            return service_id
    return None


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
