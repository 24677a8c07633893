"""Reading corrections: "ubah tanggal lahir", "eh salah, NIK-nya 3273...", "ganti nomor HP".

A correction names a field and may carry the new value. It is recognised from the NLU intent
`correct_application_field` (entity `application_field`) or, for answers that cannot be free
text (numbers, dates, choices), from a correction word at the start of the message, so a
misclassified correction still works. For free-text questions (address, purpose, names) the
intent is required: "ganti alamat di rekening bank" is a purpose, not a correction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.applications.services import FREE_TEXT_SLOTS, SERVICES

_TRIGGER = re.compile(
    r"^\W*(?:(?:eh|maaf|mohon maaf|oh|aduh|sorry|sori|wah|tolong|mau|saya mau|ingin|"
    r"saya ingin)\W+)*"
    r"(?:ubah|diubah|ganti|diganti|salah|koreksi|ralat|perbaiki|revisi|edit|keliru|"
    r"update|betulkan|benerin|ganti)\b",
    re.I,
)
# Field phrases, most specific first; the value resolves to a slot per service.
_FIELD_PATTERNS = (
    (r"nik\W*(?:nya\W*)?(?:ayah|bapak|bapa|suami|papa)", "father_nik"),
    (r"nik\W*(?:nya\W*)?(?:ibu|istri|bunda|mama|mamah)", "mother_nik"),
    (r"(?:nomor|no\.?|nmr)\s*(?:kk|kartu keluarga)|\bkartu keluarga\b|\bkk\b", "kk_number"),
    (r"\bnik\b|nomor induk kependudukan", "nik"),
    (r"tempat\s+lahir", "child_birth_place"),
    (r"(?:tanggal|tgl)\.?\s*(?:lahir|kelahiran)|\blahirnya\b", "birth_date"),
    (r"jenis\s+kelamin|\bkelamin\b", "child_sex"),
    (r"nama\s+(?:anak|bayi)", "child_name"),
    (
        r"(?:nomor|no\.?|nmr)\s*(?:hp|handphone|telepon|telp|wa|whatsapp|ponsel)|\bhp\b|\bwa\b|"
        r"\btelepon\b|\bponsel\b",
        "applicant_phone",
    ),
    (r"\balamat\b", "applicant_address"),
    (r"\bkeperluan\b|\btujuan\b", "domisili_purpose"),
    (r"jenis\s+layanan|\blayanan\b", "dukcapil_service"),
    (r"\bsesi\b|\bjam\b", "appointment_session"),
    (
        r"(?:tanggal|tgl)\.?\s*(?:kunjungan|datang|antrean|antrian)|\bjadwal\b|\btanggal\b|\btgl\b",
        "date",
    ),
    (r"\bnama\b", "name"),
)
_ENTITY_VALUES = {
    "nama": "name",
    "name": "name",
    "nik": "nik",
    "nik_ayah": "father_nik",
    "nik_ibu": "mother_nik",
    "kk": "kk_number",
    "nomor_kk": "kk_number",
    "tanggal_lahir": "birth_date",
    "tempat_lahir": "child_birth_place",
    "jenis_kelamin": "child_sex",
    "nama_anak": "child_name",
    "hp": "applicant_phone",
    "nomor_hp": "applicant_phone",
    "alamat": "applicant_address",
    "keperluan": "domisili_purpose",
    "layanan": "dukcapil_service",
    "tanggal": "date",
    "tanggal_kunjungan": "appointment_date",
    "sesi": "appointment_session",
}
_LEAD_IN = re.compile(
    r"^(?:[^\w+]|nya\b|salah\b|keliru\b|saya\b|anak\b|ku\b|yang benar\b|yg (?:benar|bener)\b|"
    r"yang betul\b|jadi\b|"
    r"menjadi\b|harusnya\b|seharusnya\b|sebenarnya\b|adalah\b|itu\b|ke\b|dengan\b|"
    r"mestinya\b|tuh\b|nih\b)+",
    re.I,
)


@dataclass(frozen=True)
class Correction:
    """A request to change ``slot`` (None: the field was not recognised) to ``value`` (if given)."""

    slot: str | None
    value: str | None


def _resolve(key: str, service: str, requested: str | None, value: str | None) -> str | None:
    fields = SERVICES[service].slots if service in SERVICES else ()
    if key == "nik":
        if requested in ("applicant_nik", "father_nik", "mother_nik"):
            return requested
        if "applicant_nik" in fields:
            return "applicant_nik"
        digits = re.sub(r"\D", "", value or "")
        if len(digits) == 16:  # the sex digit tells a father's NIK from a mother's
            return "mother_nik" if int(digits[6:8]) > 40 else "father_nik"
        return None
    if key == "birth_date":
        return "applicant_birth_date" if "applicant_birth_date" in fields else "child_birth_date"
    if key == "date":
        if "appointment_date" in fields:
            return "appointment_date"
        return "applicant_birth_date" if "applicant_birth_date" in fields else "child_birth_date"
    if key == "name":
        return "applicant_name" if "applicant_name" in fields else "child_name"
    return key if key in fields else None


def detect(
    text: str,
    *,
    service: str,
    requested_slot: str | None,
    intent: str | None,
    confidence: float,
    entities: list[dict] | None = None,
) -> Correction | None:
    """The correction in a message, or None if the message is an ordinary answer."""
    text = text or ""
    by_intent = intent == "correct_application_field" and confidence >= 0.5
    by_words = bool(_TRIGGER.search(text)) or text.startswith("/correct_application_field")
    if not (by_intent or by_words):
        return None
    entity_key = next(
        (
            _ENTITY_VALUES.get(str(e.get("value", "")).lower())
            for e in entities or []
            if e.get("entity") == "application_field"
        ),
        None,
    )
    body = text[text.index("}") + 1 :] if text.startswith("/") and "}" in text else text
    for pattern, key in _FIELD_PATTERNS:
        match = re.search(pattern, body, re.I)
        if match:
            value = _LEAD_IN.sub("", body[match.end() :]).strip() or None
            slot = _resolve(entity_key or key, service, requested_slot, value)
            # While a free-text answer is expected, only the intent or a structured field
            # ("eh salah, NIK-nya ...") makes it a correction; "ganti alamat rekening" is an answer.
            if requested_slot in FREE_TEXT_SLOTS and not by_intent and slot in FREE_TEXT_SLOTS:
                return None
            return Correction(slot, value)
    if entity_key:
        return Correction(_resolve(entity_key, service, requested_slot, None), None)
    # No field named: only words like "ubah"/"salah" make it a correction ("which field?");
    # the intent alone is too weak, and the answer's own explanation is more useful.
    if not by_words or (requested_slot in FREE_TEXT_SLOTS and not by_intent):
        return None
    return Correction(None, None)
