"""Template values for the confirmation summary and the receipt, with identifiers masked.

The bot never echoes a full NIK, KK number or phone number back ("NIK ************0001"): a chat
may be read on a shared or lost phone, and transcripts reach staff screens and logs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from actions.applications.services import DUKCAPIL_SERVICES
from layani.pii import mask_id_number, mask_phone
from layani.validators.dates import SESSIONS, format_date_id

Slots = dict[str, Any]


def _date_text(value: str | None, with_day: bool = True) -> str:
    try:
        return format_date_id(dt.date.fromisoformat(value), with_day=with_day) if value else "-"
    except ValueError:
        return value or "-"


def session_text(session: str | None) -> str:
    if session not in SESSIONS:
        return session or "-"
    start, end = SESSIONS[session]
    return f"{session} ({start:%H.%M}-{end:%H.%M})"


def template_values(slots: Slots) -> dict[str, str]:
    """Every placeholder the summary and receipt responses use."""

    def masked(slot: str) -> str:
        value = slots.get(slot)
        return mask_id_number(value) if value else "-"

    phone = slots.get("applicant_phone")
    return {
        "applicant_name": slots.get("applicant_name") or "-",
        "applicant_birth_date_text": _date_text(slots.get("applicant_birth_date"), False),
        "nik_masked": masked("applicant_nik"),
        "applicant_address": slots.get("applicant_address") or "-",
        "domisili_purpose": slots.get("domisili_purpose") or "-",
        "phone_masked": mask_phone(phone) if phone else "-",
        "dukcapil_service_name": DUKCAPIL_SERVICES.get(slots.get("dukcapil_service") or "", "-"),
        "appointment_date_text": _date_text(slots.get("appointment_date")),
        "appointment_session_text": session_text(slots.get("appointment_session")),
        "child_name": slots.get("child_name") or "-",
        "child_sex": slots.get("child_sex") or "-",
        "child_birth_date_text": _date_text(slots.get("child_birth_date"), False),
        "child_birth_place": slots.get("child_birth_place") or "-",
        "father_nik_masked": masked("father_nik"),
        "mother_nik_masked": masked("mother_nik"),
        "kk_masked": masked("kk_number"),
    }
