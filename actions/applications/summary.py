"""How an answer is shown back to the citizen in the summary and the receipt, masked.

The bot never echoes a full NIK, KK number or phone number back ("NIK ************0001"): a chat
may be read on a shared or lost phone, and transcripts reach staff screens and logs. Each
question (`actions.applications.fields.Field.show`) names one of these formatters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from layani.pii import mask_id_number, mask_phone
from layani.validators.dates import SESSIONS, format_date_id

EMPTY = "-"


def as_text(value: Any) -> str:
    return str(value) if value else EMPTY


def masked_id(value: Any) -> str:
    """A NIK or KK number with only its last four digits."""
    return mask_id_number(value) if value else EMPTY


def masked_phone(value: Any) -> str:
    return mask_phone(value) if value else EMPTY


def _date(value: Any, with_day: bool) -> str:
    try:
        return format_date_id(dt.date.fromisoformat(value), with_day=with_day) if value else EMPTY
    except ValueError:
        return value or EMPTY


def birth_date(value: Any) -> str:
    """ "3 Oktober 2026": a date of birth needs no weekday."""
    return _date(value, with_day=False)


def visit_date(value: Any) -> str:
    """ "Senin, 30 November 2026": the weekday lets a citizen who meant another day see it."""
    return _date(value, with_day=True)


def session_text(session: Any) -> str:
    if session not in SESSIONS:
        return session or EMPTY
    start, end = SESSIONS[session]
    return f"{session} ({start:%H.%M}-{end:%H.%M})"
