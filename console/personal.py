"""Personal data of a ticket (NIK, KK, phone) for the console: masked unless revealed.

Values come from `storage.personal_data` (encrypted at rest); the phone number of an
SMS/WhatsApp reporter is also their sender id, so it is treated the same way. The console only
ever renders `masked()` output, except for the one field a member of staff has just revealed
with a POST that was written to the audit log first.
"""

from __future__ import annotations

from storage import personal_data
from storage.personal_data import PersonalDataError

__all__ = ["LABELS", "PersonalDataError", "can_reveal", "masked", "values"]

REPORTER_PHONE = "reporter_phone"
LABELS = {
    "applicant_nik": "NIK pemohon",
    "father_nik": "NIK ayah",
    "mother_nik": "NIK ibu",
    "kk_number": "Nomor KK",
    "applicant_phone": "Nomor HP pemohon",
    REPORTER_PHONE: "Nomor HP pelapor",
}


def values(ticket_id: str, sender_id: str, url: str | None = None) -> dict[str, str]:
    """Full values, keyed by field; call only to mask them or for an audited reveal."""
    found = {k: v for k, v in personal_data.read(ticket_id, url).items() if v}
    if sender_id.startswith("+") and sender_id[1:].isdigit():
        found[REPORTER_PHONE] = sender_id
    return {k: found[k] for k in LABELS if k in found}


def masked(full: dict[str, str]) -> dict[str, str]:
    return {k: personal_data.mask(k, v) for k, v in full.items()}


def can_reveal(staff: object, agency: str) -> bool:
    """The personal-data service's own rule: admins and the ticket agency's officers."""
    return personal_data.can_read(staff, agency)
